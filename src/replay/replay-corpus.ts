/**
 * Every trace against every policy: traces are scheduled with p-queue over a pool of worker
 * threads (concurrency = cores by default). Each worker replays whole traces; results come back
 * as plain data and are delivered in corpus order, so the output is identical whatever the
 * concurrency.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PinbenchError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { escapeTerminal } from '../terminal-text.ts';
import type { BaselineRecords, RecordUse } from './baseline-records.ts';
import { DEFAULT_POLICY_TIMEOUT_MS, type PolicyWorker } from './module-probe.ts';
import { isModulePath } from './policy-spec.ts';
import type { ReadCacheUse, ReadTraceCache } from './read-trace-cache.ts';
import type { ScenarioResult } from './replay-scenario.ts';
import type { TraceReplayResult } from './results.ts';
import {
  type BatchAck,
  decodeBatch,
  decodeResult,
  jobReplayOptions,
  LOADING,
  type ReplayJob,
  type ScenarioBatch,
  WATCH,
  type WorkerReply,
} from './worker-protocol.ts';

export interface CorpusOptions {
  /**
   * Policy ids / module paths (resolved in each worker) and the same policies resolved here;
   * these only replay in this thread (`jobs: 0` and no user module), so they may be left out
   * when user modules are replayed.
   */
  policySpecs: readonly string[];
  policies?: readonly Policy[];
  /**
   * Replay workers that have loaded `policySpecs` already (module-probe.ts startPolicyWorker): the
   * pool starts with them instead of threads that load the policies on their first job.
   */
  workers?: readonly PolicyWorker[];
  /** Worker threads; 0 replays in this thread (no workers). Default: available cores. */
  jobs?: number;
  outcomes?: boolean;
  strict?: boolean;
  /** Configurations to replay each trace under: `[{label:'', overrides:{}}]` by default. */
  configs?: { label: string; overrides: Partial<TraceConfig> }[];
  adapters?: boolean;
  cwd?: string;
  /** Each trace result, in corpus order, as soon as it and all before it are done. */
  onResult?: (result: TraceReplayResult, index: number) => void | Promise<void>;
  /** Progress: traces finished of total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Budget of a user policy module's own code per scenario, and at load (ms). User modules
   * always run in watched workers, also with `jobs: 0`.
   */
  policyTimeoutMs?: number;
  /**
   * Streaming: asked before each trace (source, matrix label, position in the result list)
   * whether its scenarios go to a sink as they are replayed, in batches, instead of into its
   * result (whose `scenarios` then stay empty). Null keeps them in the result.
   */
  stream?: (job: { source: string; matrix: string; index: number }) => Promise<ScenarioSink | null>;
  /** Read traces from / keep them in this read cache (read-trace-cache.ts); what it did, per trace. */
  readCache?: ReadTraceCache;
  onReadCache?: (use: ReadCacheUse) => void;
  /** With `readCache`: the baseline's records (baseline-records.ts); what they did, per trace. */
  baselineRecords?: BaselineRecords;
  /** What the baseline's records did for each replayed trace (`source` as the job names it). */
  onRecords?: (use: RecordUse, source: string) => void;
}

/** Where a streamed trace's scenarios go, `batch` at a time; the replay waits for each write. */
export interface ScenarioSink {
  /** Scenarios already stored: read, not replayed. */
  skip: number;
  /** Scenarios per write. */
  batch: number;
  write(from: number, scenarios: ScenarioResult[]): Promise<void>;
}

/** A pool reply: the worker's, or the watchdog's verdict on a user policy that did not return. */
type PoolReply =
  | JobReply
  | { id: number; ok: false; overran: { policy: number; scenario: number; reason: string } };

/** The worker's reply, or a streamed batch's write that failed (thrown as it is: a store failure stays one). */
type JobReply = WorkerReply | { id: number; ok: false; thrown: unknown };

interface Slot {
  worker: Worker;
  /** The streamed job's sink: its batches are written, then acknowledged. */
  sink?: ScenarioSink | undefined;
  watch: Int32Array;
  job?: ReplayJob | undefined;
  resolve?: ((r: PoolReply) => void) | undefined;
  /** Stopped by the watchdog, already replaced. */
  retired?: boolean;
  /** What the watchdog saw last (state and seq of WATCH) and since when. */
  seen: { state: number; seq: number; since: number };
  /** An uncaught error of the thread, reported with its exit. */
  crash?: string;
}

/**
 * Worker threads plus the main-thread watchdog over the user's code in them (see worker.ts): a
 * user policy still inside one call after the budget, or a thread that exits mid-job (a module
 * calling process.exit), ends that thread; a fresh one takes its place.
 */
class WorkerPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly budgetMs: number;
  private readonly modules: readonly string[];

  constructor(
    size: number,
    budgetMs: number,
    modules: readonly string[],
    loaded: readonly PolicyWorker[] = [],
  ) {
    this.budgetMs = budgetMs;
    this.modules = modules;
    for (let i = 0; i < size; i++) this.idle.push(this.spawn(loaded[i]));
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(250, budgetMs / 4)));
  }

  /** A new thread, or one that has loaded the policies already (unless it has ended since). */
  private spawn(loaded?: PolicyWorker): Slot {
    const live = loaded && !loaded.ended ? loaded : undefined;
    live?.adopt();
    const shared = live?.watch ?? new SharedArrayBuffer(WATCH.length * Int32Array.BYTES_PER_ELEMENT);
    const worker =
      live?.worker ?? new Worker(new URL('./worker.ts', import.meta.url), { workerData: { watch: shared } });
    const slot: Slot = { worker, watch: new Int32Array(shared), seen: { state: 0, seq: 0, since: 0 } };
    // An uncaught error of its time between loading and now: reported with its exit, if it comes.
    if (live?.crash !== undefined) slot.crash = live.crash;
    worker.on('message', (reply: WorkerReply | ScenarioBatch) => {
      if (slot.job?.id !== reply.id) return;
      if ('batch' in reply) {
        const sink = slot.sink;
        // A write that fails fails the job: the reply never comes, the error is the sink's to raise.
        void sink?.write(reply.batch.from, decodeBatch(reply.batch)).then(
          () => slot.worker.postMessage({ ack: reply.id } satisfies BatchAck),
          (e: unknown) => {
            // The worker waits for an ack that will not come: end it, a fresh one takes its place.
            slot.retired = true;
            this.settle(slot, { id: reply.id, ok: false, thrown: e });
            this.all.delete(slot);
            slot.worker.removeAllListeners('message');
            void slot.worker.terminate();
            this.idle.push(this.spawn());
          },
        );
        return;
      }
      this.settle(slot, reply);
      this.idle.push(slot);
    });
    worker.on('error', (e) => {
      // The module's own text: one line, nothing a terminal acts on.
      slot.crash = escapeTerminal((e as Error)?.message ?? String(e));
    });
    worker.on('exit', (code) => {
      this.all.delete(slot);
      if (this.closed || slot.retired) return;
      const job = slot.job;
      if (!job) {
        // An idle thread ended (a module's timer called process.exit): replace it.
        const i = this.idle.indexOf(slot);
        if (i >= 0) this.idle.splice(i, 1);
        this.idle.push(this.spawn());
        return;
      }
      const state = Atomics.load(slot.watch, WATCH.state);
      const how = slot.crash
        ? `threw outside any call (${slot.crash})`
        : `ended the replay worker (exit code ${code})`;
      if (state > 0) {
        this.settle(slot, {
          id: job.id,
          ok: false,
          overran: { policy: state - 1, scenario: Atomics.load(slot.watch, WATCH.scenario), reason: how },
        });
      } else {
        const user = this.modules.length > 0;
        this.settle(slot, {
          id: job.id,
          ok: false,
          error: {
            code: state === LOADING ? 'PB_POLICY_LOAD' : user ? 'PB_POLICY' : 'PB_INTERNAL',
            message:
              state === LOADING
                ? `a policy module ${how} while loading (${this.modules.join(', ')})`
                : user
                  ? `the replay worker ended while replaying ${job.source} outside any policy call ` +
                    `(${slot.crash ?? `exit code ${code}`}); a policy module (${this.modules.join(', ')}) may have ended it`
                  : `replay worker died: ${slot.crash ?? `exit code ${code}`}`,
          },
        });
      }
      this.idle.push(this.spawn());
    });
    this.all.add(slot);
    return slot;
  }

  private settle(slot: Slot, reply: PoolReply): void {
    const resolve = slot.resolve;
    slot.job = undefined;
    slot.sink = undefined;
    slot.resolve = undefined;
    resolve?.(reply);
  }

  /** The watchdog: a user call (or a module load) that has not moved for the budget is stopped. */
  private tick(): void {
    const now = performance.now();
    for (const slot of this.all) {
      if (!slot.job) continue;
      const state = Atomics.load(slot.watch, WATCH.state);
      const seq = Atomics.load(slot.watch, WATCH.seq);
      if (state === 0 || state !== slot.seen.state || seq !== slot.seen.seq) {
        slot.seen = { state, seq, since: now };
        continue;
      }
      if (now - slot.seen.since <= this.budgetMs) continue;
      const job = slot.job;
      const reply: PoolReply =
        state === LOADING
          ? {
              id: job.id,
              ok: false,
              error: {
                code: 'PB_POLICY_LOAD',
                message: `a policy module (${this.modules.join(', ')}) did not finish loading within ${this.budgetMs} ms (--policy-timeout-ms)`,
              },
            }
          : {
              id: job.id,
              ok: false,
              overran: {
                policy: state - 1,
                scenario: Atomics.load(slot.watch, WATCH.scenario),
                reason: `exceeded ${this.budgetMs} ms in this scenario (--policy-timeout-ms); stopped`,
              },
            };
      // The exit handler sees no job and only replaces the thread.
      slot.retired = true;
      this.settle(slot, reply);
      this.all.delete(slot);
      slot.worker.removeAllListeners('message');
      void slot.worker.terminate();
      this.idle.push(this.spawn());
    }
  }

  run(job: ReplayJob, sink?: ScenarioSink): Promise<PoolReply> {
    const slot = this.idle.pop();
    if (!slot) throw new Error('no idle worker (the queue concurrency must equal the pool size)');
    return new Promise((resolve) => {
      slot.job = job;
      slot.sink = sink;
      slot.resolve = resolve;
      slot.seen = { state: 0, seq: 0, since: performance.now() };
      slot.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([...this.all].map((s) => s.worker.terminate()));
  }
}

/** In this thread (`jobs: 0`): batches written between chunks of input, the replay waiting for each. */
function streamLocally(sink: ScenarioSink) {
  let pending: ScenarioResult[] = [];
  let from = sink.skip;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await sink.write(from, batch);
    from += batch.length;
  };
  return {
    onScenario: (r: ScenarioResult) => {
      pending.push(r);
    },
    drain: () => (pending.length >= sink.batch ? flush() : Promise.resolve()),
    flush,
  };
}

/** A policy that overran in this many scenarios of a trace is not run for the rest of it. */
const MAX_OVERRUNS_PER_TRACE = 3;

/** Runs one job, again without a policy for a scenario each time the watchdog stopped it there. */
async function runWatched(pool: WorkerPool, job: ReplayJob, sink?: ScenarioSink): Promise<JobReply> {
  const strikes = new Map<number, number>();
  // A streamed job run again goes on after the scenarios already written.
  let written = sink?.skip ?? 0;
  const counting: ScenarioSink | undefined = sink && {
    ...sink,
    write: async (from, scenarios) => {
      await sink.write(from, scenarios);
      written = from + scenarios.length;
    },
  };
  for (;;) {
    if (job.stream) job = { ...job, stream: { ...job.stream, skip: written } };
    const reply = await pool.run(job, counting);
    if (!('overran' in reply)) return reply;
    const o = reply.overran;
    const n = (strikes.get(o.policy) ?? 0) + 1;
    strikes.set(o.policy, n);
    const rest = n >= MAX_OVERRUNS_PER_TRACE;
    job = {
      ...job,
      skip: [
        ...job.skip,
        {
          policy: o.policy,
          from: o.scenario,
          to: rest ? Number.MAX_SAFE_INTEGER : o.scenario,
          reason: rest
            ? `${o.reason}; not run for the rest of the trace after ${n} such scenarios`
            : o.reason,
        },
      ],
    };
  }
}

export async function replayCorpus(
  sources: readonly string[],
  opts: CorpusOptions,
): Promise<TraceReplayResult[]> {
  const configs = opts.configs?.length ? opts.configs : [{ label: '', overrides: {} }];
  const jobs: Omit<ReplayJob, 'id'>[] = [];
  for (const source of sources) {
    for (const c of configs) {
      jobs.push({
        source,
        policySpecs: [...opts.policySpecs],
        cwd: opts.cwd ?? process.cwd(),
        outcomes: opts.outcomes ?? false,
        strict: opts.strict ?? false,
        ...(Object.keys(c.overrides).length ? { configOverrides: c.overrides } : {}),
        ...(c.label ? { matrix: c.label } : {}),
        adapters: opts.adapters ?? true,
        policyTimeoutMs: opts.policyTimeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS,
        skip: [],
        ...(opts.readCache ? { readCache: opts.readCache } : {}),
        ...(opts.readCache && opts.baselineRecords ? { baselineRecords: opts.baselineRecords } : {}),
      });
    }
  }
  const modules = opts.policySpecs.filter(isModulePath);
  const concurrency = Math.min(
    Math.max(modules.length ? 1 : 0, opts.jobs ?? availableParallelism()),
    jobs.length,
  );
  const results: (TraceReplayResult | undefined)[] = new Array(jobs.length);
  let delivered = 0;
  let finished = 0;
  // Results go out in corpus order, one onResult at a time: two traces that finish while an
  // earlier result is still being written must wait for it (a trace's NDJSON is written in several
  // awaits, and a later trace's lines must not come between them).
  let delivering: Promise<void> = Promise.resolve();
  const deliver = (): Promise<void> => {
    delivering = delivering.then(async () => {
      while (delivered < jobs.length && results[delivered]) {
        const i = delivered++;
        await opts.onResult?.(results[i]!, i);
      }
    });
    return delivering;
  };

  const loaded = opts.workers ?? [];
  // More threads loaded than the pool takes (few traces) are not needed.
  await Promise.all(loaded.slice(concurrency).map((w) => w.close()));
  if (concurrency === 0) {
    const policies = opts.policies;
    if (!policies && jobs.length) throw new Error('replayCorpus: no policies to replay in this thread');
    // The replay engine loads in this thread only to replay here: workers load their own.
    const { replayTraceCached } = await import('./read-trace-cache.ts');
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      const sink = await opts.stream?.({ source: j.source, matrix: j.matrix ?? '', index: i });
      const local = sink ? streamLocally(sink) : undefined;
      const { result, use, records } = await replayTraceCached(
        j.source,
        policies!,
        {
          ...(local ? { onScenario: local.onScenario, drain: local.drain, skipScenarios: sink!.skip } : {}),
          ...jobReplayOptions(j),
        },
        opts.readCache,
        j.baselineRecords,
      );
      results[i] = result;
      if (opts.readCache) opts.onReadCache?.(use);
      if (records) opts.onRecords?.(records, j.source);
      await local?.flush();
      opts.onProgress?.(++finished, jobs.length);
      await deliver();
    }
    return results as TraceReplayResult[];
  }

  const pool = new WorkerPool(
    concurrency,
    opts.policyTimeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS,
    modules,
    loaded.slice(0, concurrency),
  );
  const queue = new PQueue({ concurrency });
  let failure: unknown;
  try {
    await Promise.all(
      jobs.map((j, i) =>
        queue.add(async () => {
          if (failure) return;
          const sink =
            (await opts.stream?.({ source: j.source, matrix: j.matrix ?? '', index: i })) ?? undefined;
          const job: ReplayJob = {
            ...j,
            id: i,
            ...(sink ? { stream: { skip: sink.skip, batch: sink.batch } } : {}),
          };
          const reply = await runWatched(pool, job, sink);
          if (!reply.ok && 'thrown' in reply) {
            failure ??= reply.thrown;
            return;
          }
          if (!reply.ok) {
            failure ??= new PinbenchError(
              reply.error.code === 'PB_INTERNAL'
                ? 'PB_INTERNAL'
                : (reply.error.code as PinbenchError['code']),
              reply.error.message.replace(/ \[PB_[A-Z_]+\]$/, ''),
            );
            return;
          }
          results[i] = decodeResult(reply.json);
          if (opts.readCache) opts.onReadCache?.(reply.read ?? 'none');
          if (reply.records) opts.onRecords?.(reply.records, j.source);
          opts.onProgress?.(++finished, jobs.length);
          await deliver();
        }),
      ),
    );
  } finally {
    await pool.close();
  }
  if (failure) throw failure;
  return results as TraceReplayResult[];
}
