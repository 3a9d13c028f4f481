/**
 * `pinbench coverage`: which functions and branch arms of the policy modules the corpus reaches,
 * per release. The counts come from V8's precise block coverage in a fresh worker
 * (coverage-worker.ts); the functions and arms, and so the totals, from the source's syntax
 * (coverage-map.ts). A release is measured over the files of its own module graph (its family
 * versions and what they import), grouped by family directory (`vma-checks`) or, for a shared
 * module, by its file name (`gup-helpers`).
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RELEASE_IDS } from '../../policies/releases.ts';
import { type ErrorCode, PinbenchError, PolicyError, UsageError } from '../errors.ts';
import { moduleGraph } from '../replay/module-graph.ts';
import { type ArmKind, type CountRange, type CoverageMap, coverageMap, RangeCounts } from './coverage-map.ts';
import type { CoverageJob, CoverageReply, PolicyCounts } from './coverage-worker.ts';

/** The checkout's policies/ directory: what is measured by default. */
export const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));
const ROOT = dirname(POLICIES_DIR.replace(/[/\\]$/, ''));

export interface CoverageOptions {
  sources: string[];
  /** Registry ids or module paths (relative to cwd); empty: every release. */
  policySpecs?: string[];
  adapters?: boolean;
  cwd: string;
  /** Worker threads sharing the policies (each reads the traces once); default 2. */
  jobs?: number;
  /** Measure only these files (absolute paths; default every policy module and user module). */
  only?: string[];
}

export interface FileCoverage {
  /** Path relative to the checkout (policies/...) or to cwd (a user's module). */
  file: string;
  /** file: URL of the module (what module graphs hold). */
  url: string;
  group: string;
  map: CoverageMap;
  /** The file's text lines (for pages). */
  source: string;
}

/** One release's counts in one file: parallel to the map's functions and arms. */
export interface FileCounts {
  functions: number[];
  arms: number[];
  /** Count at each line's first code character inside a function; null elsewhere. */
  lines: (number | null)[];
  /** Functions and arms of this file in the release (see releaseCoverage). */
  functionsTally: Tally;
  branchesTally: Tally;
}

export interface Tally {
  reached: number;
  total: number;
}

export interface UnreachedItem {
  what: 'function' | 'branch';
  file: string;
  line: number;
  col: number;
  /** Function name, or the arm's kind and its function (`else in checkAccess`). */
  name: string;
}

export interface ReleaseCoverage {
  policy: string;
  /** Indexes into the group's files: the files of this release's module graph. */
  files: number[];
  counts: Record<number, FileCounts>;
  functions: Tally;
  branches: Tally;
  /** Unreached functions whose parent runs, and unreached arms of functions that run. */
  unreached: UnreachedItem[];
}

export interface GroupCoverage {
  group: string;
  files: FileCoverage[];
  releases: ReleaseCoverage[];
}

export interface CoverageReport {
  traces: string[];
  scenarios: number;
  calls: number;
  policies: string[];
  groups: GroupCoverage[];
}

const PLUMBING = new Set(['index.ts']);

/** Policy modules under policies/<area>/...: not the registry files at the top, not tests. */
export function policyModuleFiles(dir = POLICIES_DIR): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (
        depth > 0 &&
        e.name.endsWith('.ts') &&
        !e.name.endsWith('.test.ts') &&
        !e.name.endsWith('-test-kit.ts') &&
        !PLUMBING.has(e.name)
      )
        out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** `policies/gup/vma-checks/v5-4.ts` -> `vma-checks`; `policies/gup/gup-helpers.ts` -> `gup-helpers`. */
export function groupOf(abs: string): string {
  const rel = relative(POLICIES_DIR, abs).split(sep);
  if (rel.length >= 3 && !rel[0]!.startsWith('..')) return rel[1]!;
  return basename(abs).replace(/\.[mc]?[jt]s$/, '');
}

/** The URL V8 gives a module: Node imports a file by its real path (symlinks resolved). */
export function moduleUrl(abs: string): string {
  try {
    return pathToFileURL(realpathSync(abs)).href;
  } catch {
    return pathToFileURL(abs).href;
  }
}

async function runWorker(job: CoverageJob): Promise<Extract<CoverageReply, { ok: true }>> {
  const w = new Worker(new URL('./coverage-worker.ts', import.meta.url), { workerData: job });
  try {
    const reply = await new Promise<CoverageReply>((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
      w.once('exit', (code) => rej(new Error(`coverage worker exited (${code}) without a result`)));
    });
    if (!reply.ok) {
      if (reply.code === 'PB_USAGE') throw new UsageError(reply.message);
      if (reply.code?.startsWith('PB_POLICY')) throw new PolicyError(reply.code as ErrorCode, reply.message);
      if (reply.code !== undefined) throw new PinbenchError(reply.code as ErrorCode, reply.message);
      throw new Error(reply.message);
    }
    return reply;
  } finally {
    await w.terminate();
  }
}

function lineCounts(map: CoverageMap, source: string, counts: RangeCounts): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < map.lineStarts.length; i++) {
    const start = map.lineStarts[i]!;
    const end = map.lineStarts[i + 1] ?? source.length;
    const text = source.slice(start, end);
    const lead = text.length - text.trimStart().length;
    const rest = text.trim();
    const at = start + lead;
    const inFn = map.functions.some((f) => f.start <= at && at < f.end);
    out.push(!inFn || rest === '' || /^(\/\/|\/\*|\*)/.test(rest) ? null : counts.at(at));
  }
  return out;
}

const ARM_LABEL: Record<ArmKind, string> = {
  'if-true': 'if true',
  'if-false': 'if false',
  'cond-true': '?: true',
  'cond-false': '?: false',
  right: 'right operand',
  'short-circuit': 'short-circuit',
  case: 'case',
  catch: 'catch',
  'loop-body': 'loop body',
};

export function armLabel(kind: ArmKind): string {
  return ARM_LABEL[kind];
}

/** The top-level function holding function `k` (itself when top-level). */
function topOf(map: CoverageMap, k: number): number {
  let i = k;
  while (map.functions[i]!.parent >= 0) i = map.functions[i]!.parent;
  return i;
}

/**
 * Functions of a file that are not part of this release: an older version's kernel function
 * (named like a kernel-table slot) that the release's table replaced and nothing runs. A release's
 * module graph holds the versions it builds on, whose replaced slots would otherwise read as
 * unreached code. Returns indexes of top-level functions.
 */
function supersededIn(
  map: CoverageMap,
  url: string,
  counts: PolicyCounts,
  slotNames: ReadonlySet<string>,
  fnCounts: readonly number[],
): Set<number> {
  const live = new Set<number>();
  for (const loc of Object.values(counts.slots)) {
    if (loc.url !== url) continue;
    const at = (map.lineStarts[loc.line] ?? 0) + loc.col;
    map.functions.forEach((f, i) => {
      if (f.parent < 0 && f.start <= at && at < f.end) live.add(i);
    });
  }
  const out = new Set<number>();
  map.functions.forEach((f, i) => {
    if (f.parent < 0 && slotNames.has(f.name) && !live.has(i) && fnCounts[i] === 0) out.add(i);
  });
  return out;
}

function releaseCoverage(
  group: { files: FileCoverage[]; urls: string[]; atLoad: boolean[][] },
  counts: PolicyCounts,
  inGraph: ReadonlySet<string>,
  slotNames: ReadonlySet<string>,
): ReleaseCoverage | null {
  const files = group.files.map((_, i) => i).filter((i) => inGraph.has(group.urls[i]!));
  if (files.length === 0) return null;
  const rel: ReleaseCoverage = {
    policy: counts.id,
    files,
    counts: {},
    functions: { reached: 0, total: 0 },
    branches: { reached: 0, total: 0 },
    unreached: [],
  };
  for (const i of files) {
    const f = group.files[i]!;
    const rc = new RangeCounts(counts.scripts[group.urls[i]!] ?? []);
    const fc: FileCounts = {
      functions: f.map.functions.map((fn) => rc.at(fn.body)),
      arms: f.map.arms.map((a) => rc.arm(a)),
      lines: lineCounts(f.map, f.source, rc),
      functionsTally: { reached: 0, total: 0 },
      branchesTally: { reached: 0, total: 0 },
    };
    rel.counts[i] = fc;
    const gone = supersededIn(f.map, group.urls[i]!, counts, slotNames, fc.functions);
    // Code that ran only while the module loaded (`override(base)`, a table built at load) is
    // setup, not a decision a scenario can reach: it is left out, and what it holds is in.
    const atLoad = group.atLoad[i]!;
    const loadOnly = (k: number): boolean => k >= 0 && fc.functions[k] === 0 && atLoad[k] === true;
    const ran = (k: number): boolean => k < 0 || fc.functions[k]! > 0 || atLoad[k] === true;
    const inRelease = (k: number): boolean => k >= 0 && !gone.has(topOf(f.map, k)) && !loadOnly(k);
    f.map.functions.forEach((fn, k) => {
      if (!inRelease(k)) return;
      fc.functionsTally.total++;
      if (fc.functions[k]! > 0) fc.functionsTally.reached++;
      else if (ran(fn.parent))
        rel.unreached.push({ what: 'function', file: f.file, line: fn.line, col: 1, name: fn.name });
    });
    f.map.arms.forEach((a, k) => {
      if (!inRelease(a.fn)) return;
      fc.branchesTally.total++;
      if (fc.arms[k]! > 0) fc.branchesTally.reached++;
      else if (fc.functions[a.fn]! > 0)
        rel.unreached.push({
          what: 'branch',
          file: f.file,
          line: a.line,
          col: a.col,
          name: `${ARM_LABEL[a.kind]} in ${a.fn < 0 ? '<module>' : f.map.functions[a.fn]!.name}`,
        });
    });
    for (const [sum, part] of [
      [rel.functions, fc.functionsTally],
      [rel.branches, fc.branchesTally],
    ] as const) {
      sum.reached += part.reached;
      sum.total += part.total;
    }
  }
  return rel;
}

interface Collected {
  scenarios: number;
  calls: number;
  policies: PolicyCounts[];
  loaded: Record<string, CountRange[]>;
  files: string[];
}

/** Runs the workers: every policy replayed over every trace under coverage. */
async function collect(opts: CoverageOptions, per?: 'trace' | 'scenario'): Promise<Collected> {
  const specs = opts.policySpecs ?? [];
  const userFiles = specs
    .filter((s) => /\.[mc]?[jt]s$/.test(s) || s.includes('/'))
    .map((s) => resolve(opts.cwd, s));
  const files = opts.only ?? [...policyModuleFiles(), ...userFiles];
  const all = specs.length
    ? specs.map((s) => (userFiles.includes(resolve(opts.cwd, s)) ? resolve(opts.cwd, s) : s))
    : [...RELEASE_IDS];
  // Policies are measured independently, so they split across workers; every worker's isolate
  // is fresh, and the counts do not depend on which worker measured a policy.
  const jobs = Math.max(1, Math.min(opts.jobs ?? 2, all.length));
  const chunks = Array.from({ length: jobs }, (_, i) => all.filter((_, k) => k % jobs === i));
  const replies = await Promise.all(
    chunks.map((policySpecs) =>
      runWorker({
        sources: opts.sources,
        policySpecs,
        adapters: opts.adapters ?? true,
        cwd: opts.cwd,
        include: [moduleUrl(POLICIES_DIR).replace(/\/?$/, '/'), ...userFiles.map(moduleUrl)],
        ...(opts.only ? { measure: opts.only.map(moduleUrl) } : {}),
        ...(per ? { per } : {}),
      }),
    ),
  );
  const loaded: Record<string, CountRange[]> = {};
  for (const r of replies) for (const [url, ranges] of Object.entries(r.loaded)) loaded[url] ??= ranges;
  return {
    scenarios: replies[0]!.scenarios,
    calls: replies[0]!.calls,
    // Back in the order given (round-robin split).
    policies: all.map((_, k) => replies[k % jobs]!.policies[Math.floor(k / jobs)]!),
    loaded,
    files,
  };
}

/** Maps collected counts onto the sources' functions and arms. */
async function buildReport(
  opts: CoverageOptions,
  got: Collected,
  traces: string[],
  scriptsOf: (p: PolicyCounts) => Record<string, CountRange[]>,
): Promise<CoverageReport> {
  const ts = (await import('typescript')).default;
  const groups = new Map<string, { files: FileCoverage[]; urls: string[]; atLoad: boolean[][] }>();
  for (const abs of got.files) {
    const source = readFileSync(abs, 'utf8');
    const inside = abs.startsWith(POLICIES_DIR);
    const file = (inside ? relative(ROOT, abs) : relative(opts.cwd, abs)).split(sep).join('/');
    const group = groupOf(abs);
    const g = groups.get(group) ?? { files: [], urls: [], atLoad: [] };
    const map = coverageMap(ts, abs, source);
    const url = moduleUrl(abs);
    const load = new RangeCounts(got.loaded[url] ?? []);
    g.files.push({ file, url, group, map, source });
    g.urls.push(url);
    g.atLoad.push(map.functions.map((fn) => load.at(fn.body) > 0));
    groups.set(group, g);
  }
  const policies = got.policies.map((p) => ({ ...p, scripts: scriptsOf(p) }));
  const graphs = policies.map((p) => new Set(moduleGraph(p.modules).map(moduleUrl)));
  const slotNames = new Set(policies.flatMap((p) => Object.keys(p.slots)));
  const out: GroupCoverage[] = [];
  for (const name of [...groups.keys()].sort()) {
    const g = groups.get(name)!;
    const releases: ReleaseCoverage[] = [];
    policies.forEach((p, i) => {
      const r = releaseCoverage(g, p, graphs[i]!, slotNames);
      if (r) releases.push(r);
    });
    if (releases.length) out.push({ group: name, files: g.files, releases });
  }
  return {
    traces,
    scenarios: got.scenarios,
    calls: got.calls,
    policies: policies.map((p) => p.id),
    groups: out,
  };
}

/** Replays the corpus once per policy under V8 coverage and maps the counts onto the sources. */
export async function measureCoverage(opts: CoverageOptions): Promise<CoverageReport> {
  const got = await collect(opts);
  return buildReport(opts, got, opts.sources, (p) => p.scripts);
}

/**
 * One report per trace, or per scenario (error scenarios skipped), in replay order: the traces
 * replayed in one run, the counts taken after each. For comparing parts of a corpus by what they
 * reach (synth --target). `scenarios` and `calls` are the run's totals.
 */
export async function measureCoverageParts(
  opts: CoverageOptions,
  per: 'trace' | 'scenario',
): Promise<CoverageReport[]> {
  const got = await collect(opts, per);
  const out: CoverageReport[] = [];
  const n = got.policies[0]?.parts?.length ?? 0;
  for (let t = 0; t < n; t++)
    out.push(
      await buildReport(
        opts,
        got,
        per === 'trace' ? [opts.sources[t]!] : opts.sources,
        (p) => p.parts?.[t] ?? {},
      ),
    );
  return out;
}

/** The report as JSON: totals, per-file function and arm counts, unreached items (no line counts). */
export function coverageJson(r: CoverageReport): unknown {
  return {
    traces: r.traces,
    scenarios: r.scenarios,
    calls: r.calls,
    policies: r.policies,
    groups: r.groups.map((g) => ({
      group: g.group,
      files: g.files.map((f) => ({
        file: f.file,
        functions: f.map.functions.map((fn) => ({ name: fn.name, line: fn.line })),
        branches: f.map.arms.map((a) => ({
          kind: a.kind,
          line: a.line,
          col: a.col,
          function: a.fn < 0 ? null : f.map.functions[a.fn]!.name,
        })),
      })),
      releases: g.releases.map((rel) => ({
        policy: rel.policy,
        functions: rel.functions,
        branches: rel.branches,
        files: rel.files.map((i) => ({
          file: g.files[i]!.file,
          functions: rel.counts[i]!.functions,
          branches: rel.counts[i]!.arms,
        })),
        unreached: rel.unreached,
      })),
    })),
  };
}
