/**
 * The coverage run, in a worker thread of its own: V8's precise block coverage is switched on
 * (node:inspector, Profiler.startPreciseCoverage with call counts and block detail) BEFORE any
 * policy module is imported, so every policy function is compiled with its block counters and a
 * fresh isolate gives the same counts on every run. Only node: modules are imported statically;
 * the replay engine and the policies come in after coverage is on.
 *
 * The corpus is replayed one policy at a time, and the counts are taken (takePreciseCoverage
 * also resets them) after each policy, so every count belongs to exactly one release.
 */
import { Session } from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { CountRange } from './coverage-map.ts';

export interface CoverageJob {
  sources: string[];
  /** Registry ids or absolute module paths; empty: every release. */
  policySpecs: string[];
  adapters: boolean;
  cwd: string;
  /** file: URL prefixes and exact URLs of the policy scripts (counts and slot locations). */
  include: string[];
  /** Only these script URLs' counts come back (default: every included script). */
  measure?: string[];
  /** Counts per trace or per scenario instead of per policy over all traces (synth --target). */
  per?: 'trace' | 'scenario';
}

export interface PolicyCounts {
  id: string;
  /** file: URLs of the modules that define the policy (family versions, a user's module). */
  modules: string[];
  /** Functions replaced on top of the versions (user policies). */
  overrides: string[];
  /** Where each kernel-table function of the policy is defined (0-based line and column). */
  slots: Record<string, { url: string; line: number; col: number }>;
  /** Block ranges by script URL, only for measured scripts (empty with `per`). */
  scripts: Record<string, CountRange[]>;
  /** With `per`: block ranges by script URL for each trace or scenario, in replay order. */
  parts?: Record<string, CountRange[]>[];
}

export type CoverageReply =
  | {
      ok: true;
      scenarios: number;
      calls: number;
      policies: PolicyCounts[];
      /** Counts while the modules loaded (top level, `override(base)`), by script URL. */
      loaded: Record<string, CountRange[]>;
    }
  | { ok: false; code?: string; message: string };

interface V8Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface V8Script {
  scriptId: string;
  url: string;
  functions: { ranges: V8Range[] }[];
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}

function rangesOf(
  scripts: readonly V8Script[],
  wanted: (url: string) => boolean,
): Record<string, CountRange[]> {
  const out: Record<string, CountRange[]> = {};
  for (const s of scripts) {
    if (!wanted(s.url)) continue;
    const ranges = out[s.url] ?? [];
    out[s.url] = ranges;
    for (const f of s.functions)
      for (const r of f.ranges) ranges.push({ start: r.startOffset, end: r.endOffset, count: r.count });
  }
  return out;
}

async function run(job: CoverageJob): Promise<CoverageReply> {
  // A function an optimizing compiler inlined into its caller no longer counts its own calls, so
  // V8 may drop it (and its blocks) from the report depending on when optimization happened: the
  // counts would change from run to run. No inlining, stable counts. (The flags are process-wide;
  // inlining only speeds code up, so the rest of the process keeps working unchanged.)
  setFlagsFromString('--no-maglev-inlining');
  setFlagsFromString('--no-turbo-inlining');
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const take = async (): Promise<V8Script[]> =>
    (await post<{ result: V8Script[] }>(session, 'Profiler.takePreciseCoverage')).result;

  const { readScenarios } = await import('./read-scenarios.ts');
  const { resolvePolicies } = await import('../replay/load-policies.ts');
  const { replayScenario } = await import('../replay/replay-scenario.ts');
  const { traceIdentity } = await import('../replay/divergence-identity.ts');

  const traces = [];
  for (const source of job.sources) {
    const read = await readScenarios(source, { adapters: job.adapters });
    traces.push({ identity: traceIdentity(source), scenarios: read.scenarios });
  }
  const policies = await resolvePolicies(job.policySpecs, job.cwd);
  const wanted = (url: string): boolean => job.include.some((p) => url === p || url.startsWith(p));
  const measured = (url: string): boolean => (job.measure ? job.measure.includes(url) : wanted(url));
  // Module loading and reading are counted by nobody; the scripts list names every script id.
  const atLoad = await take();
  const urls = new Map(atLoad.map((s) => [s.scriptId, s.url]));
  const loaded = rangesOf(atLoad, measured);
  const g = globalThis as { __pinbenchCoverageFn?: unknown };
  const locate = async (fn: unknown): Promise<{ url: string; line: number; col: number } | undefined> => {
    g.__pinbenchCoverageFn = fn;
    const obj = await post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', {
      expression: 'globalThis.__pinbenchCoverageFn',
    });
    if (obj.result.objectId === undefined) return undefined;
    const props = await post<{
      internalProperties?: {
        name: string;
        value?: { value?: { scriptId: string; lineNumber: number; columnNumber: number } };
      }[];
    }>(session, 'Runtime.getProperties', { objectId: obj.result.objectId, ownProperties: true });
    await post(session, 'Runtime.releaseObject', { objectId: obj.result.objectId });
    const loc = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
    const url = loc ? urls.get(loc.scriptId) : undefined;
    return loc && url !== undefined ? { url, line: loc.lineNumber, col: loc.columnNumber } : undefined;
  };
  const out: PolicyCounts[] = [];
  let scenarios = 0;
  let calls = 0;
  for (const policy of policies) {
    scenarios = 0;
    calls = 0;
    const parts: Record<string, CountRange[]>[] = [];
    for (const t of traces) {
      for (const sc of t.scenarios) {
        if (sc.error !== undefined) continue;
        const r = replayScenario(sc, [policy], { trace: t.identity, outcomes: false });
        scenarios++;
        calls += r.calls;
        if (job.per === 'scenario') parts.push(rangesOf(await take(), measured));
      }
      if (job.per === 'trace') parts.push(rangesOf(await take(), measured));
    }
    const taken = job.per ? [] : await take();
    const slots: PolicyCounts['slots'] = {};
    for (const name of Object.keys(policy.ops).sort()) {
      const loc = await locate((policy.ops as unknown as Record<string, unknown>)[name]);
      if (loc && wanted(loc.url)) slots[name] = loc;
    }
    delete g.__pinbenchCoverageFn;
    const scripts = rangesOf(taken, measured);
    out.push({
      id: policy.id,
      modules: [
        ...new Set(
          Object.values(policy.versions)
            .map((v) => v.module)
            .filter((m): m is string => m !== undefined),
        ),
      ].sort(),
      overrides: [...policy.overrides],
      slots,
      scripts,
      ...(job.per ? { parts } : {}),
    });
    if (policy.source !== undefined) out[out.length - 1]!.modules.push(pathToFileURL(policy.source).href);
  }
  await post(session, 'Profiler.stopPreciseCoverage');
  session.disconnect();
  return { ok: true, scenarios, calls, policies: out, loaded };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as CoverageJob).then(
    (reply) => port.postMessage(reply),
    (e: unknown) => {
      const err = e as { code?: unknown; message?: unknown; detail?: unknown };
      const pinbench = typeof err.code === 'string' && typeof err.detail === 'string';
      port.postMessage({
        ok: false,
        ...(pinbench ? { code: err.code as string } : {}),
        // A PinbenchError travels as code + bare detail and is rebuilt on the other side.
        message: String(pinbench ? err.detail : (err.message ?? e)),
      } satisfies CoverageReply);
    },
  );
}
