/**
 * The report's minimised slices (report/minimised-slices.ts): for a stored divergence, its
 * run's stored slice (repro-slices.ts) minimised against today's versions of the run's policies,
 * bounded in time (a budget per slice and one for the whole report) and cached by content under
 * the cache directory (PINBENCH_CACHE, else $XDG_CACHE_HOME/pinbench, else ~/.cache/pinbench),
 * never in the checkout or the database: the key hashes the slice, the call, and the identity
 * hash of every policy's code, so a report written again costs nothing and a changed policy
 * misses. A user's module is replayed in a watched worker (analysis/minimize-slice.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CapsulePolicy } from '../analysis/capsule.ts';
import { type SliceMinimizer, sliceMinimizer } from '../analysis/minimize-slice.ts';
import { isPinbenchError } from '../errors.ts';
import { distinctOutcomeKeys } from '../replay/compare.ts';
import { kindSliceTargets, type MinimisedSlice, type SliceMinimiser } from '../report/minimised-slices.ts';
import type { ReproTarget } from '../store/repro-slices.ts';
import type { Store, StoredDivergence } from '../store/store.ts';
import { cacheDirectory } from './typecheck-policy.ts';

/** Bumped when minimisation or the slice format changes: older cache entries are not used. */
const CACHE_VERSION = 'minimised-slice/1';

export interface ReportMinimiserOptions {
  store: Store;
  runId: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Time for one slice (ms); ddmin stops there with the smallest slice it has. */
  sliceBudgetMs?: number;
  /** Time for every slice of the report together (ms); past it, slices are not minimised. */
  totalBudgetMs?: number;
  /** Whose budget that is, as a page says when it was spent (default "the report's"). */
  budgetOwner?: string;
  /**
   * Minimise again a slice whose cached one its time budget stopped (not 1-minimal): what `run`
   * does with its larger budget. A report takes such a slice from the cache as it is.
   */
  retryIncomplete?: boolean;
  /**
   * Worker threads that minimise at once in `sliceAll` (run's `-j`); 0 (the default): one at a
   * time, in this thread when every policy is pinbench's own.
   */
  workers?: number;
  policyTimeoutMs?: number;
}

export const DEFAULT_SLICE_BUDGET_MS = 2000;
export const DEFAULT_TOTAL_BUDGET_MS = 10_000;
/**
 * `run`'s budget for the kinds' slices it makes before its report (`makeKindSlices`): a run
 * already spends minutes on a large trace, and a report should find them made.
 */
export const RUN_TOTAL_BUDGET_MS = 60_000;
/** Signatures per batched read of their repro targets (one statement's parameters). */
const PREPARE_BATCH = 500;
/** Cache files read at once. */
const CACHE_READS = 32;

type Cached = Extract<MinimisedSlice, { kind: 'minimised' }>;

export class ReportMinimiser implements SliceMinimiser {
  private readonly opts: ReportMinimiserOptions;
  private readonly dir: string;
  /** Set up once (a worker per slot); `idle` holds those not minimising now. */
  private engines: Promise<SliceMinimizer[] | null> | null = null;
  private idle: SliceMinimizer[] = [];
  private readonly waiting: ((e: SliceMinimizer) => void)[] = [];
  /** Slices being made now, by signature (`sliceAll` makes several at once). */
  private readonly making = new Map<string, Promise<MinimisedSlice>>();
  private today: Map<string, string> | null = null;
  /** Why today's policies cannot be had, once that is known. */
  private unavailable: string | null = null;
  private spent = 0;
  /** Slices minimised and found in the cache, for the caller's summary. */
  readonly counts = { minimised: 0, cached: 0, none: 0 };
  /** Each signature's slice once made (or found missing): asked again, it costs nothing and counts once. */
  private readonly made = new Map<string, MinimisedSlice>();
  /** Repro targets read ahead in batches (`prepare`), by signature. */
  private readonly targets = new Map<string, ReproTarget>();
  /** Cache entries read ahead, by cache key (null: not cached). */
  private readonly cachedAhead = new Map<string, Cached | null>();

  constructor(opts: ReportMinimiserOptions) {
    this.opts = opts;
    this.dir = join(cacheDirectory(opts.env), 'minimised');
  }

  async slice(d: StoredDivergence): Promise<MinimisedSlice> {
    const known = this.made.get(d.signature) ?? (await this.making.get(d.signature));
    if (known) return known;
    const p = this.make(d);
    this.making.set(d.signature, p);
    try {
      const m = await p;
      if (m.kind === 'none') this.counts.none++;
      this.made.set(d.signature, m);
      return m;
    } finally {
      this.making.delete(d.signature);
    }
  }

  /**
   * Reads ahead what `slice` needs for these divergences: their repro targets in batches and
   * their cache entries, so that a report whose slices are all cached does not read the
   * database and a file once per slice, one after the other.
   */
  async prepare(ds: readonly StoredDivergence[]): Promise<void> {
    const wanted = [...new Set(ds.map((d) => d.signature))].filter(
      (s) => !this.made.has(s) && !this.targets.has(s),
    );
    for (let i = 0; i < wanted.length; i += PREPARE_BATCH) {
      const got = await this.opts.store.reproTargets(this.opts.runId, wanted.slice(i, i + PREPARE_BATCH));
      for (const [sig, t] of got) this.targets.set(sig, t);
    }
    const keys = wanted.flatMap((s) => {
      const t = this.targets.get(s);
      return t?.slice != null ? [cacheKey(t, t.slice)] : [];
    });
    for (let i = 0; i < keys.length; i += CACHE_READS) {
      const part = keys.slice(i, i + CACHE_READS);
      const hits = await Promise.all(
        part.map(async (k) => [k, await readCached(this.cacheFile(k))] as const),
      );
      for (const [k, hit] of hits) this.cachedAhead.set(k, hit);
    }
  }

  /**
   * Makes (or finds in the cache) the slice of every divergence given, in order, within the
   * total budget: what `run` does before its report, so that the report only reads them.
   * `onSlice` is told after each one (for a progress line).
   */
  async sliceAll(
    ds: readonly StoredDivergence[],
    onSlice?: (done: number, total: number) => void,
  ): Promise<void> {
    await this.prepare(ds);
    let done = 0;
    let next = 0;
    onSlice?.(0, ds.length);
    // In order, as many at once as there are workers: each lane takes the next divergence.
    const lane = async () => {
      while (next < ds.length) {
        await this.slice(ds[next++]!);
        onSlice?.(++done, ds.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.workers ?? 0) }, lane));
  }

  /** What a page says of a slice not made because the budget of `total` ms was spent. */
  private budgetSpent(total: number): MinimisedSlice {
    return {
      kind: 'none',
      reason: `${this.opts.budgetOwner ?? "the report's"} time budget for minimising (${total / 1000} s) was spent; the minimize command above makes it`,
      budget: true,
    };
  }

  private cacheFile(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  private async make(d: StoredDivergence): Promise<MinimisedSlice> {
    let t = this.targets.get(d.signature);
    // Not read ahead (or absent from the batch): read alone, which also says why it is missing.
    if (!t)
      try {
        t = await this.opts.store.reproTarget(d.signature, this.opts.runId);
      } catch (e) {
        if (isPinbenchError(e)) return { kind: 'none', reason: e.detail };
        throw e;
      }
    if (t.slice === null)
      return {
        kind: 'none',
        reason:
          'the run stored no slice of its scenario (a trace not read from a local file, or past the per-trace slice limit)',
      };
    const overrides = t.configs.find((c) => c.label === t.matrix)?.overrides;
    if (overrides && Object.keys(overrides).length)
      return {
        kind: 'none',
        reason: `it was replayed under the configuration ${t.matrix || '--config'}; the minimize command above takes --config`,
      };
    const outcomes = distinctOutcomeKeys(t.classes);
    const key = cacheKey(t, t.slice);
    const file = this.cacheFile(key);
    const hit = this.cachedAhead.has(key) ? this.cachedAhead.get(key)! : await readCached(file);
    this.cachedAhead.delete(key);
    if (hit && (hit.complete || !this.opts.retryIncomplete)) {
      this.counts.cached++;
      return hit;
    }
    const total = this.opts.totalBudgetMs ?? DEFAULT_TOTAL_BUDGET_MS;
    if (this.spent >= total) return this.budgetSpent(total);
    const recorded: CapsulePolicy[] = t.policies.map((p) => ({
      id: p.id,
      kind: p.kind,
      identityHash: p.identityHash,
      ...(p.path !== null ? { source: p.path } : {}),
      ...(p.moduleText !== null ? { moduleText: p.moduleText } : {}),
    }));
    let engine: SliceMinimizer | null;
    try {
      engine = await this.acquire(recorded);
    } catch (e) {
      // A user's module that no longer loads (or loops at load): no slices, the report goes on.
      if (!isPinbenchError(e)) throw e;
      this.today = null;
      this.unavailable = e.detail;
      engine = null;
    }
    if (engine === null)
      return { kind: 'none', reason: this.unavailable ?? "some of the run's policies cannot be had today" };
    const t0 = performance.now();
    try {
      // Another lane may have spent the budget while this one waited for a worker.
      if (this.spent >= total) return this.budgetSpent(total);
      const budgetMs = Math.min(this.opts.sliceBudgetMs ?? DEFAULT_SLICE_BUDGET_MS, total - this.spent);
      const r = await engine.minimize({
        slice: t.slice,
        at: { text: t.text, event: t.event },
        name: `${t.trace} (run ${t.runId}, scenario ${t.scenario})`,
        budgetMs,
        classes: t.classes.map((c) => c.policies),
      });
      if ('failed' in r) return { kind: 'none', reason: `minimising failed: ${r.failed}` };
      // Today's policies may split the call otherwise than the run's did: then it is not this divergence.
      if (r.outcomes.join('\n') !== outcomes.join('\n'))
        return {
          kind: 'none',
          reason: `today's policies no longer diverge this way at this call; \`pinbench repro ${t.signature}\` says why`,
        };
      const m: Cached = {
        kind: 'minimised',
        text: r.text,
        before: r.before,
        after: r.after,
        replays: r.replays,
        complete: r.complete,
      };
      this.counts.minimised++;
      // Only a slice minimised with the run's very policies is the run's to cache.
      const same = t.policies.every((p) => this.today?.get(p.id) === p.identityHash);
      // Stopped by its budget or not: a report takes it as it is, a run makes it again.
      if (same) await writeCached(file, m);
      return m;
    } finally {
      this.spent += performance.now() - t0;
      this.release(engine);
    }
  }

  /**
   * A minimiser for the run's policies (every divergence of a run has the same), once free; null
   * when today's policies are not the run's. Set up once: one in this thread, or `workers` threads.
   */
  private async acquire(recorded: CapsulePolicy[]): Promise<SliceMinimizer | null> {
    this.engines ??= this.setUp(recorded);
    if ((await this.engines) === null) return null;
    const free = this.idle.pop();
    if (free) return free;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(engine: SliceMinimizer): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(engine);
    else this.idle.push(engine);
  }

  private async setUp(recorded: CapsulePolicy[]): Promise<SliceMinimizer[] | null> {
    const t0 = performance.now();
    const workers = this.opts.workers ?? 0;
    const all = Array.from({ length: Math.max(1, workers) }, () =>
      sliceMinimizer({
        recorded,
        cwd: this.opts.cwd,
        ...(this.opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: this.opts.policyTimeoutMs } : {}),
        ...(workers > 0 ? { thread: true } : {}),
      }),
    );
    this.idle = [...all];
    try {
      // Each thread loads the policies; the first says which are today's.
      const [ready] = await Promise.all(all.map((e) => e.ready()));
      if (ready!.missing.length)
        this.unavailable = `not replayable today: ${ready!.missing.map((m) => `${m.id} (${m.why})`).join(', ')}`;
      this.today = ready!.missing.length ? null : new Map(ready!.policies.map((p) => [p.id, p.identityHash]));
      return this.today === null ? null : all;
    } finally {
      // Loading counts against the budget, as it did when it came with the first slice.
      this.spent += performance.now() - t0;
    }
  }

  async close(): Promise<void> {
    const all = this.engines ? await this.engines.catch(() => null) : null;
    await Promise.all((all ?? this.idle).map((e) => e.close()));
  }
}

/** The cache key of a target's slice: the slice, the call, and every policy's identity. */
function cacheKey(t: ReproTarget, slice: string): string {
  return createHash('sha256')
    .update(CACHE_VERSION)
    .update('\0')
    .update(slice)
    .update('\0')
    .update(t.event)
    .update('\0')
    .update(t.text)
    .update('\0')
    .update(t.policies.map((p) => `${p.id}=${p.identityHash}`).join(','))
    .digest('hex');
}

async function readCached(file: string): Promise<Cached | null> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as Partial<Cached>;
    if (
      v.kind !== 'minimised' ||
      typeof v.text !== 'string' ||
      typeof v.before !== 'number' ||
      typeof v.after !== 'number' ||
      typeof v.replays !== 'number'
    )
      return null;
    return {
      kind: 'minimised',
      text: v.text,
      before: v.before,
      after: v.after,
      replays: v.replays,
      complete: v.complete !== false,
    };
  } catch {
    return null;
  }
}

/** Written atomically; a cache that cannot be written (read-only home) only costs time later. */
async function writeCached(file: string, m: Cached): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(tmp, JSON.stringify(m));
    await rename(tmp, file);
  } catch {
    // Not cached: the next report minimises it again.
  }
}

/**
 * What `run` does after storing a run and before its report: makes (or finds in the cache) the
 * minimised slice of every divergence the kinds report links, with `m`'s budget, so that the
 * report, written now (with `m`) or later by `pinbench report` (from the cache), only reads them.
 */
export async function makeKindSlices(
  m: ReportMinimiser,
  store: Store,
  runId: number,
  onSlice?: (done: number, total: number) => void,
): Promise<void> {
  await m.sliceAll(await kindSliceTargets(store, runId), onSlice);
}
