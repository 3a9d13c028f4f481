/**
 * `pinbench check`: does a candidate policy regress a known scenario against a baseline?
 * Exit 0 none, 1 regressions, 2 bad input (an `error` scenario on either side included), 3 the
 * environment failed. What a developer runs before posting a patch, and what CI runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckCache, type PolicySummary } from '../../api/check-cache.ts';
import { typecheckPolicyModule } from '../../api/typecheck-policy.ts';
import { fileErrorCode, PinbenchError, UsageError } from '../../errors.ts';
import type { TraceConfig } from '../../model/events.ts';
import type { Policy } from '../../model/kernel.ts';
import { checkRegressions } from '../../replay/check.ts';
import { formatCheckLkp } from '../../replay/check-lkp.ts';
import { expandMatrix, parseConfigOverrides } from '../../replay/config-overrides.ts';
import { traceLabel } from '../../replay/divergence-identity.ts';
import { type PolicyWorker, startPolicyWorkers } from '../../replay/module-probe.ts';
import { absoluteSpecs, isModulePath } from '../../replay/policy-spec.ts';
import type { TraceReplayResult } from '../../replay/results.ts';
import { sameKernelTable } from '../../replay/same-kernel-table.ts';
import { checkExitCode, formatCheck } from '../../replay/summary.ts';
import { TRACE_GZIP_RATIO } from '../../replay/trace-gzip-ratio.ts';
import { escapeTerminal } from '../../terminal-text.ts';
import { type Command, type CommandIo, int, type ParsedValues, str, strs } from '../command.ts';
import {
  corpusSources,
  policyTimeout,
  REPLAY_OPTIONS,
  type ReadCacheOptions,
  replayFromOptions,
  replayLoaded,
} from './replay.ts';

const { policy: _policy, ...shared } = REPLAY_OPTIONS;

/**
 * A small corpus replays in this thread: two workers each load every module and resolve the
 * policies again (~0.3 s of CPU each), more than they save on the shipped corpus (measured:
 * README, "`check` and start-up"). A user module still gets its one watched worker.
 */
const SMALL_CORPUS_MIB = 128;

/**
 * A user module always replays in watched workers, each of which starts and loads the policies
 * (~0.1 s of CPU) and warms its own code up: on an idle core another one saves about half the
 * replay less ~30 ms, and from this much trace text per worker (~0.15 s of replay) clearly more
 * than it costs. On cores other processes keep busy it saves nothing and costs its start-up
 * (measured: README, "`check` and start-up").
 */
const MODULE_MIB_PER_WORKER = 4;

/** `trace scenario policy: reason` of every `error` verdict of the given policies. */
function erroredScenarios(results: readonly TraceReplayResult[], policies: readonly string[]): string[] {
  return results.flatMap((t) =>
    t.scenarios.flatMap((s) =>
      s.verdicts
        .filter((v) => v.verdict === 'error' && policies.includes(v.policy))
        .map((v) => `${traceLabel(t.identity)} ${s.scenario} ${v.policy}: ${v.reason ?? 'error'}`),
    ),
  );
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Regression check: a candidate policy against a baseline over the corpus (exit 1 on regressions)',
  positionals: '[trace...]',
  details:
    'The candidate is a policy id (v6.0-rc1, post-873aefb376bb, fce831c92092-v1) or the path of your own\n' +
    'policy module (see README, "Checking a patch"). Without traces, the shipped corpus is used.',
  options: {
    candidate: { type: 'string', arg: 'ID|PATH', description: 'The policy under test (required)' },
    baseline: { type: 'string', arg: 'ID', description: 'The policy it must not regress against (required)' },
    json: { type: 'boolean', description: 'The check report as one JSON object' },
    html: {
      type: 'string',
      arg: 'DIR',
      description:
        'Write a shareable HTML report of the check into DIR (default when the output is a terminal: reports/check-<time>/)',
    },
    typecheck: {
      type: 'boolean',
      description:
        "Type-check a candidate module against the kernel table's types first (cached by module hash)",
    },
    'no-html': { type: 'boolean', description: 'Write no HTML report, also on a terminal' },
    'no-cache': {
      type: 'boolean',
      description:
        'Replay every trace, reading and keeping no results in the cache (~/.cache/pinbench/check-results; also PINBENCH_CHECK_CACHE=off)',
    },
    coverage: {
      type: 'boolean',
      description:
        'Also replay the candidate under code coverage and name its overridden functions and changed branches no scenario reaches (seconds)',
    },
    lkp: {
      type: 'string',
      arg: 'FILE',
      description:
        'Also write the check as a mail-ready text (LKP style) with the command that reproduces it',
    },
    ...shared,
    jobs: {
      type: 'string',
      short: 'j',
      arg: 'N',
      description: `Worker threads (0: none; default: none for a corpus under ${SMALL_CORPUS_MIB} MiB of trace text, where starting workers costs more than they save, else ${availableParallelism()}; a policy module always replays in workers: one per ${MODULE_MIB_PER_WORKER} MiB, up to the idle cores)`,
    },
  },
  async run(values, positionals, io) {
    const candidate = str(values, 'candidate');
    const baseline = str(values, 'baseline');
    if (!candidate || !baseline) throw new UsageError('--candidate and --baseline are both required');
    if (values.typecheck === true && isModulePath(candidate)) {
      const t = await typecheckPolicyModule(candidate, { cwd: io.cwd, env: io.env });
      if (values.json !== true) io.stdout.write(`typecheck: ${candidate} ok${t.cached ? ' (cached)' : ''}\n`);
    }
    const sources = await corpusSources(positionals, io);
    const overrides = parseConfigOverrides(strs(values, 'config'));
    const matrix = strs(values, 'matrix');
    const configs = matrix.length
      ? expandMatrix(matrix).map((c) => ({ label: c.label, overrides: { ...overrides, ...c.overrides } }))
      : Object.keys(overrides).length
        ? [{ label: '', overrides }]
        : [];
    const htmlDir = htmlTarget(values, io);
    const lkp = str(values, 'lkp');
    const jobs =
      values.jobs ?? String(await defaultJobs(sources, isModulePath(candidate) || isModulePath(baseline)));
    const { policies, summary, results, cache } = await replayWithCache(
      { ...values, jobs, policy: [baseline, candidate] },
      sources,
      configs.length ? configs : [{ label: '', overrides }],
      io,
      values.coverage === true || htmlDir !== undefined || lkp !== undefined,
    );
    if (cache) io.stderr.write(cacheLine(cache));
    const [baselineId, candidateId] = summary.ids;
    const sameTable = summary.sameTable;
    const report = checkRegressions(
      candidateId,
      baselineId,
      results.flatMap((t) => t.scenarios.map((result) => ({ trace: traceLabel(t.identity), result }))),
    );
    // "no regressions" over nothing would read as a pass: checking no scenario is bad input.
    if (report.scenarios === 0) {
      const bad = results.find((r) => r.error)?.error;
      throw new UsageError(
        `no scenarios in ${sources.length === 1 ? sources[0] : `the ${sources.length} traces given`}: nothing was checked${bad ? ` (${bad.message})` : ''}`,
      );
    }
    const coverage =
      values.coverage === true
        ? await (await import('../../analysis/coverage-check.ts')).candidateCoverage({
            sources,
            candidateSpec: candidate,
            candidate: policies![1]!,
            baseline: policies![0]!,
            cwd: io.cwd,
            adapters: values['no-adapters'] !== true,
          })
        : undefined;
    if (values.json === true)
      io.stdout.write(`${JSON.stringify({ ...report, sameTable, ...(coverage ? { coverage } : {}) })}\n`);
    else {
      io.stdout.write(formatCheck(report, { sameTable }));
      if (coverage)
        io.stdout.write((await import('../../analysis/coverage-check.ts')).formatCandidateCoverage(coverage));
    }
    if (htmlDir !== undefined) {
      const specs = [baseline, candidate];
      // The HTML report needs the store and the report stage: loaded only when it is written.
      const { writeCheckHtml } = await import('../../api/check-report.ts');
      const written = await writeCheckHtml({
        sources,
        policySpecs: specs.map((s) => (isModulePath(s) ? resolve(io.cwd, s) : s)),
        policies: policies!,
        ...(configs.length ? { configs } : {}),
        strict: values.strict === true,
        adapters: values['no-adapters'] !== true,
        jobs: int(values, 'jobs') ?? 2,
        cwd: io.cwd,
        outDir: htmlDir,
        text: formatCheck(report, { sameTable }),
      });
      if (values.json !== true)
        io.stdout.write(`html: ${join(written.dir, 'index.html')} (${written.pages} pages)\n`);
    }
    if (lkp !== undefined) {
      const cand = policies![1]!;
      const text = formatCheckLkp(report, {
        reproduce: reproduceCommand(values, positionals),
        candidate: {
          ...(cand.source ? { source: cand.source } : {}),
          ...(cand.commit ? { commit: cand.commit } : {}),
          ...(cand.subject ? { subject: cand.subject } : {}),
        },
        sameTable,
      });
      const path = resolve(io.cwd, lkp);
      await writeFile(path, text).catch((e: unknown) => {
        throw new PinbenchError(fileErrorCode(e), `cannot write ${lkp}: ${(e as Error).message}`, {
          cause: e,
        });
      });
      if (values.json !== true) io.stdout.write(`lkp: ${path}\n`);
    }
    for (const t of results) if (t.error) io.stderr.write(`pinbench check: ${t.error.message}\n`);
    // A scenario either side could not replay decides nothing: the check is not valid (exit 2).
    const errored = erroredScenarios(results, [baselineId, candidateId]);
    if (errored.length) {
      io.stderr.write(
        `pinbench check: ${errored.length} scenario(s) ended in error (the check is not valid), e.g. ${escapeTerminal(errored[0]!)}\n`,
      );
    }
    return checkExitCode(report, results);
  },
};

/**
 * The check's replay: traces whose result is in the cache (check-cache.ts) are read, the others
 * replayed and kept. A trace is read only when its every configuration is in the cache. When
 * every trace was read and nothing else needs the policies themselves (`needPolicies`: HTML,
 * coverage, LKP text), their ids come from the cache too: a user's module is not loaded again.
 * Nor does this thread ever load a user's module when nothing here needs it: the replay workers
 * load it, watched as a probe is (module-probe.ts startPolicyWorker), and tell its id.
 */
async function replayWithCache(
  values: ParsedValues,
  sources: string[],
  configs: readonly { label: string; overrides: Partial<TraceConfig> }[],
  io: CommandIo,
  needPolicies: boolean,
): Promise<{
  /** Undefined when `needPolicies` is false and the cache had everything, or a module was replayed. */
  policies: Policy[] | undefined;
  summary: PolicySummary;
  results: TraceReplayResult[];
  cache: CheckCache | null;
}> {
  const specs = strs(values, 'policy');
  const adapters = values['no-adapters'] !== true;
  const timeoutMs = policyTimeout(values);
  const cache =
    values['no-cache'] === true || io.env.PINBENCH_CHECK_CACHE === 'off'
      ? null
      : CheckCache.open(io.env, {
          policySpecs: absoluteSpecs(specs, io.cwd),
          strict: values.strict === true,
          adapters,
          outcomes: false,
        });
  const json = values.json === true;
  const inWorkers = !needPolicies && specs.some(isModulePath);
  // As many as the replay takes (at least one: a user module only runs in a watched worker).
  const startWorkers = () =>
    startPolicyWorkers(
      specs,
      io.cwd,
      timeoutMs,
      Math.min(Math.max(1, int(values, 'jobs') ?? 1), sources.length * configs.length),
    );
  const replay = async (
    todo: string[],
    workers: Promise<PolicyWorker[]> | undefined,
    readCache?: ReadCacheOptions,
  ) => {
    if (!inWorkers) {
      const r = await replayFromOptions(values, todo, io, false, json, undefined, readCache);
      return { ...r, summary: summaryOf(r.policies) };
    }
    const loaded = await (workers ?? startWorkers());
    const results = await replayLoaded(
      values,
      todo,
      io,
      { workers: loaded },
      false,
      json,
      undefined,
      readCache,
    );
    return { policies: undefined, results, summary: loadedSummary(loaded) };
  };
  if (!cache) {
    const r = await replay(sources, undefined);
    return { ...r, cache };
  }
  const kept = needPolicies ? null : await cache.readSummary();
  // A module not checked before as it is now (edited: no summary kept for it) replays every
  // trace: its workers load it while this thread looks the results up.
  const early = inWorkers && kept === null ? startWorkers() : undefined;
  // A load that fails is thrown where the workers are awaited, not as an unhandled rejection.
  early?.catch(() => {});
  const lookUp = async () => {
    const keys = await Promise.all(sources.map((s) => cache.keys(s, configs, adapters)));
    const found = await Promise.all(
      keys.map(async (ks) => {
        if (ks.some((k) => k === null)) return null;
        const rs = await Promise.all(ks.map((k) => cache.read(k!)));
        return rs.every((r) => r !== null) ? (rs as TraceReplayResult[]) : null;
      }),
    );
    return { keys, found };
  };
  const { keys, found } = await lookUp().catch(async (e: unknown) => {
    // Nothing will replay: the workers must not keep the process alive.
    await early?.then((ws) => Promise.all(ws.map((w) => w.close()))).catch(() => {});
    throw e;
  });
  const missing = sources.filter((_, i) => found[i] === null);
  // Traces whose baseline record this check could not make (it ran beside the candidate module).
  const unrecorded = new Set<string>();
  let policies: Policy[] | undefined;
  let replayed: TraceReplayResult[] = [];
  let summary: PolicySummary | null = null;
  if (missing.length)
    ({
      policies,
      results: replayed,
      summary,
    } = await replay(missing, early, {
      readCache: cache.readTraces,
      onReadCache: (use) => cache.noteRead(use),
      ...(cache.baselineRecords
        ? {
            baselineRecords: cache.baselineRecords,
            onRecords: (use, source) => {
              cache.noteRecords(use);
              if (use.unmade === 'beside-module') unrecorded.add(source);
            },
          }
        : {}),
    }));
  else if (early) {
    // Every result was there but not the summary: the workers loaded the module for nothing else.
    const loaded = await early;
    summary = loadedSummary(loaded);
    await Promise.all(loaded.map((w) => w.close()));
  } else if (kept) summary = kept;
  else {
    const { resolvePolicies } = await import('../../replay/load-policies.ts');
    policies = await resolvePolicies(specs, io.cwd, { timeoutMs });
    summary = summaryOf(policies);
  }
  const writes: Promise<void>[] = [];
  if (summary !== kept) writes.push(cache.writeSummary(summary));
  const results: TraceReplayResult[] = [];
  let next = 0;
  sources.forEach((_, i) => {
    const hit = found[i];
    if (hit) results.push(...hit);
    else
      for (const k of keys[i]!) {
        const r = replayed[next++]!;
        if (k !== null) writes.push(cache.write(k, r));
        results.push(r);
      }
  });
  await Promise.all(writes);
  if (unrecorded.size > 0) await recordBaseline(values, [...unrecorded], io, cache, timeoutMs);
  return { policies, summary, results, cache };
}

/**
 * Makes the baseline's records of `sources` in worker threads that load the baseline alone: a
 * record is never made beside a user module (baseline-records.ts), and the next check of any
 * candidate against this baseline reads them. This check already has its results; a failure
 * here costs only the records, and says so.
 */
async function recordBaseline(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
  cache: CheckCache,
  timeoutMs: number,
): Promise<void> {
  const records = cache.baselineRecords;
  const baseline = strs(values, 'policy')[0];
  if (!records || baseline === undefined) return;
  try {
    // In worker threads even with -j 0: a baseline module runs only in a watched thread.
    const jobs = Math.min(Math.max(1, int(values, 'jobs') ?? 1), sources.length);
    const workers = await startPolicyWorkers([baseline], io.cwd, timeoutMs, jobs);
    const only = { ...values, policy: [baseline], jobs: String(jobs) };
    await replayLoaded(only, sources, io, { workers }, false, true, undefined, {
      readCache: cache.readTraces,
      baselineRecords: { ...records, policy: 0 },
      onRecords: (use) => {
        if (!use.unmade) cache.noteRecordsMade();
      },
    });
  } catch (e) {
    io.stderr.write(`pinbench check: the baseline's records were not made: ${(e as Error).message}\n`);
  }
}

function summaryOf(policies: readonly Policy[]): PolicySummary {
  return { ids: [policies[0]!.id, policies[1]!.id], sameTable: sameKernelTable(policies[0]!, policies[1]!) };
}

/** The summary as the workers that loaded the policies tell it. */
function loadedSummary(workers: readonly PolicyWorker[]): PolicySummary {
  const { ids, tables } = workers[0]!.policies;
  return { ids: [ids[0]!, ids[1]!], sameTable: tables[1] === tables[0] };
}

function cacheLine(cache: CheckCache): string {
  const c = cache.counts;
  const replayed = c.readHits + c.readMisses;
  const reads = replayed ? `; ${c.readHits} of ${replayed} replayed trace(s) read from the read cache` : '';
  const recorded = c.recordHits + c.recordMisses;
  const records = recorded
    ? `; baseline from its records in ${c.recordHits} of ${recorded} (candidate too in ${c.shared} of ${c.scenarios} scenarios)`
    : '';
  const made = c.recordsMade ? `; ${c.recordsMade} baseline record(s) made apart from the candidate` : '';
  return `pinbench check: cache: ${c.hits} result(s) read, ${c.written} kept${reads}${records}${made}${c.corrupt ? `, ${c.corrupt} damaged (ignored)` : ''} (${cache.dir}; --no-cache to bypass)\n`;
}

/**
 * By the corpus' trace text (SMALL_CORPUS_MIB, MODULE_MIB_PER_WORKER); gzip text is counted at a
 * typical ratio of a trace (TRACE_GZIP_RATIO).
 */
async function defaultJobs(sources: readonly string[], userModule: boolean): Promise<number> {
  let text = 0;
  for (const s of sources) {
    const st = await stat(s).catch(() => null);
    // Standard input or a URL: its size is unknown, so it may be large.
    if (!st?.isFile()) {
      text = Number.POSITIVE_INFINITY;
      break;
    }
    text += /\.gz$/i.test(s) ? st.size * TRACE_GZIP_RATIO : st.size;
  }
  const mib = text / (1024 * 1024);
  if (!userModule) return mib < SMALL_CORPUS_MIB ? 0 : availableParallelism();
  const idle = availableParallelism() - busyCores();
  return Math.max(1, Math.min(idle, Math.floor(mib / MODULE_MIB_PER_WORKER)));
}

/**
 * How many cores other processes are running on now: the kernel's count of runnable threads
 * (Linux, /proc/loadavg) less this process' own (/proc/self/task); 0 where unknown. Only the
 * number of workers depends on it, never a result.
 */
function busyCores(): number {
  // Read synchronously: by this thread, not by a thread of the I/O pool that would count itself.
  try {
    const runnable = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1];
    if (runnable === undefined) return 0;
    // The state follows the command name in parentheses: `R` is running or runnable.
    const own = readdirSync('/proc/self/task').filter((t) => {
      try {
        return /\) R /.test(readFileSync(`/proc/self/task/${t}/stat`, 'utf8'));
      } catch {
        return false; // a thread that has ended since
      }
    }).length;
    return Math.max(0, Number(runnable) - Math.max(1, own));
  } catch {
    return 0;
  }
}

/** The command line that repeats this check, for the mail. */
function reproduceCommand(values: ParsedValues, positionals: readonly string[]): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const args = [
    'npx',
    'pinbench',
    'check',
    '--candidate',
    str(values, 'candidate')!,
    '--baseline',
    str(values, 'baseline')!,
  ];
  for (const c of strs(values, 'config')) args.push('--config', c);
  for (const m of strs(values, 'matrix')) args.push('--matrix', m);
  if (values.strict === true) args.push('--strict');
  args.push(...positionals);
  return args.map(q).join(' ');
}

/** Where the HTML report goes: --html DIR, else reports/check-<time>/ for a person at a terminal. */
function htmlTarget(values: ParsedValues, io: CommandIo): string | undefined {
  const dir = str(values, 'html');
  if (dir !== undefined) return resolve(io.cwd, dir);
  if (values['no-html'] === true || (io.stdout as NodeJS.WriteStream).isTTY !== true) return undefined;
  return resolve(io.cwd, 'reports', `check-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}
