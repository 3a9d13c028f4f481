/**
 * The main job: ingest -> replay against every release -> store -> report. `pinbench run` and
 * `npm start` are this function; `pinbench nightly` builds on it. Each trace's results are stored
 * in one transaction as soon as it is replayed, so a run killed at any point leaves a consistent
 * database with the run marked incomplete, and `resume` finishes it without duplicating rows.
 */
import { performance } from 'node:perf_hooks';
import { StoreFailure } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { replayCorpus } from '../replay/replay-corpus.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import type { SummaryTally } from '../replay/summary-tally.ts';
import { finishShard, shardTraceWrites, withShardRun } from '../store/shard-runs.ts';
import type { DoneTrace, RunDiff, RunInfo, Store } from '../store/store.ts';
import { policiesRevision } from './git-revision.ts';
import { storePolicySources, storeReproSlices } from './repro-slices.ts';
import { type ShardSpec, selectShard, sourcesHash } from './shard.ts';
import { storedIdentity, TraceWriter } from './trace-writer.ts';

export interface RunJobOptions {
  store: Store;
  sources: string[];
  policySpecs: string[];
  policies: readonly Policy[];
  jobs: number;
  cwd: string;
  configs?: { label: string; overrides: Partial<TraceConfig> }[];
  strict?: boolean;
  adapters?: boolean;
  /** Keep every outcome record in the database (large). */
  outcomes?: boolean;
  /** Nightly config name: previous-run comparison looks at runs of the same name. */
  configName?: string | null;
  /** Resume this incomplete run instead of starting one. */
  resume?: number;
  /** Mark the run partial (e.g. a nightly source failed to download). */
  partial?: boolean;
  /** The same run id across shards (`--run-id`): the run is created by whoever comes first. */
  runId?: number;
  /** With `runId`: replay only this deterministic slice of `sources` (default 1/1). */
  shard?: ShardSpec;
  /**
   * How a source is named in stored results, where that is not its path (nightly: a manifest
   * trace by its name instead of its cache file). Divergence signatures hash content, not names.
   */
  displayNames?: ReadonlyMap<string, string>;
  progress?: (message: string) => void;
  /** Each trace result once stored, with how many of the job's traces are stored (progress lines). */
  onTraceStored?: (trace: { bytes: number; scenarios: number }, done: number, total: number) => void;
  /** Budget of a user policy module's code per scenario and at load (ms). */
  policyTimeoutMs?: number;
}

export interface ShardOutcome {
  index: number;
  count: number;
  /** Shards of the run done so far, this one included. */
  done: number;
  /** This shard finished the run (it was the last): the run is complete or partial. */
  finishedRun: boolean;
  /** This shard created the run (it was the first). */
  created: boolean;
}

export interface RunJobResult {
  run: RunInfo;
  /**
   * Each trace's result without its scenarios (they are in the store), but for a few examples:
   * the scenarios holding the run's first root divergences, slim.
   */
  results: TraceReplayResult[];
  /** What the terminal summary and the exit code need, counted over the scenarios replayed here. */
  summary: SummaryTally;
  /** Traces the resumed run already had. */
  skipped: number;
  previous: RunInfo | null;
  diff: RunDiff | null;
  /** Milliseconds per stage. */
  timings: { replay: number; store: number; total: number };
  /** For a shard (`runId` given): where the run stands. */
  shard?: ShardOutcome;
}

function runCounts(tally: SummaryTally, skipped: number) {
  return {
    traces: tally.traces + skipped,
    scenarios: tally.scenarios,
    divergences: tally.divergences,
    traceErrors: tally.traceErrors.length,
  };
}

/** What repro needs of a trace besides its results (repro-slices.ts). */
async function storeSlices(
  opts: RunJobOptions,
  runId: number,
  result: TraceReplayResult,
  source: string | undefined,
): Promise<void> {
  if (source === undefined) return;
  await storeReproSlices(opts.store, runId, source, result, {
    adapters: opts.adapters ?? true,
    policies: opts.policies,
    policySpecs: opts.policySpecs,
    cwd: opts.cwd,
    ...(opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: opts.policyTimeoutMs } : {}),
    ...(opts.configs ? { configs: opts.configs } : {}),
  });
}

/** The sources some configuration of which the run does not have completely (matched by trace identity). */
function notDone(opts: RunJobOptions, sources: readonly string[], done: readonly DoneTrace[]): string[] {
  const have = new Set(done.map((d) => `${d.source}\0${d.matrix}`));
  return sources.filter(
    (s) => !matrixLabels(opts).every((l) => have.has(`${storedIdentity(opts, s, l).source}\0${l}`)),
  );
}

/** The source of the i-th replayed (source x configuration) pair. */
function sourceOf(sources: readonly string[], opts: RunJobOptions, i: number): string | undefined {
  return sources[Math.floor(i / matrixLabels(opts).length)];
}

/** The configuration labels each source is replayed under ('' for the trace's own). */
function matrixLabels(opts: RunJobOptions): string[] {
  return (opts.configs?.length ? opts.configs : [{ label: '' }]).map((c) => c.label);
}

export async function runJob(opts: RunJobOptions): Promise<RunJobResult> {
  if (opts.runId !== undefined) return runShard(opts, opts.runId);
  const t0 = performance.now();
  const { store } = opts;
  const say = opts.progress ?? (() => {});
  let runId: number;
  let sources = opts.sources;
  let skipped = 0;
  if (opts.resume !== undefined) {
    const { run, done } = await store.resumeRun(opts.resume);
    runId = run.id;
    sources = notDone(opts, sources, done);
    skipped = opts.sources.length - sources.length;
    say(`resuming run ${runId}: ${skipped} trace(s) already stored, ${sources.length} to go`);
  } else {
    const rev = await policiesRevision(opts.cwd);
    runId = await store.startRun({
      ...rev,
      configName: opts.configName ?? null,
      outcomes: opts.outcomes === true,
      options: {
        sources: opts.sources,
        policies: opts.policySpecs,
        configs: opts.configs ?? [],
        strict: opts.strict === true,
      },
    });
    say(`run ${runId}: ${sources.length} trace(s) x ${opts.policies.length} policies`);
  }
  try {
    return await replayAndStore(opts, runId, sources, skipped, t0);
  } catch (e) {
    // The database failed under the run: say how to finish it once the cause is fixed.
    if (e instanceof StoreFailure) {
      throw new StoreFailure(
        `${e.detail}; run ${runId} stays incomplete: \`pinbench run --resume ${runId}\` finishes it`,
        { cause: e.cause ?? e },
      );
    }
    throw e;
  }
}

/**
 * Replays `sources` into `writer` (a whole run's or a shard's): each trace streams its scenarios,
 * then its slices are stored and the caller's onTraceStored hears of it; store time is counted
 * apart from replay time.
 */
async function replayIntoWriter(
  opts: RunJobOptions,
  runId: number,
  sources: readonly string[],
  writer: TraceWriter,
  outcomes: boolean,
): Promise<void> {
  const say = opts.progress ?? (() => {});
  await replayCorpus(sources, {
    policySpecs: opts.policySpecs,
    policies: opts.policies,
    jobs: opts.jobs,
    outcomes: outcomes,
    strict: opts.strict === true,
    ...(opts.configs ? { configs: opts.configs } : {}),
    adapters: opts.adapters ?? true,
    cwd: opts.cwd,
    ...(opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: opts.policyTimeoutMs } : {}),
    stream: (job) => writer.sink(job),
    onResult: async (result, i) => {
      await writer.result(result, i);
      const t = performance.now();
      await storeSlices(opts, runId, result, sourceOf(sources, opts, i));
      writer.storeMs += performance.now() - t;
      opts.onTraceStored?.(
        { bytes: result.bytes, scenarios: writer.replayed[i] ?? 0 },
        i + 1,
        sources.length * matrixLabels(opts).length,
      );
    },
    onProgress: (done, total) => say(`replayed ${done}/${total}`),
  });
}

async function replayAndStore(
  opts: RunJobOptions,
  runId: number,
  sources: string[],
  skipped: number,
  t0: number,
): Promise<RunJobResult> {
  const { store } = opts;
  await store.recordPolicies(runId, opts.policies);
  await storePolicySources(store, runId, opts.policies);

  const writer = new TraceWriter(opts, {
    begin: (start) => store.beginTrace(runId, start),
    scenarios: (at, list) => store.writeScenarios(runId, at, list),
    finish: (traceId, result) => store.finishTrace(runId, traceId, result),
    abandon: (traceId, matrix) => store.abandonTrace(runId, traceId, matrix),
    whole: (result) => store.writeTraceResult(runId, result),
  });
  const tReplay = performance.now();
  await replayIntoWriter(opts, runId, sources, writer, opts.outcomes === true);
  const storeMs = writer.storeMs;
  const replayMs = performance.now() - tReplay - storeMs;
  const results = writer.results;
  const counts = runCounts(writer.tally, skipped);
  await store.finishRun(runId, opts.partial || counts.traceErrors > 0 ? 'partial' : 'complete', counts);
  return {
    ...(await sinceLastRun(store, runId, opts.configName ?? null, true)),
    results,
    summary: writer.tally,
    skipped,
    timings: { replay: replayMs, store: storeMs, total: performance.now() - t0 },
  };
}

/** The finished run and, when it is complete, how it differs from the previous complete run of its config. */
async function sinceLastRun(
  store: Store,
  runId: number,
  configName: string | null,
  finished: boolean,
): Promise<Pick<RunJobResult, 'run' | 'previous' | 'diff'>> {
  const run = await store.getRun(runId);
  const previous = finished ? await store.previousCompletedRun(runId, configName) : null;
  const diff = previous ? await store.diffRuns(previous.id, runId) : null;
  return { run, previous, diff };
}

/**
 * One shard of a sharded run: join run `runId` (creating it if this shard is first), replay this
 * shard's slice minus what the run already has, and finish the shard; the last shard to finish
 * completes the run and, like an unsharded run, compares it with the previous complete run.
 */
async function runShard(opts: RunJobOptions, runId: number): Promise<RunJobResult> {
  const t0 = performance.now();
  const { store } = opts;
  const say = opts.progress ?? (() => {});
  const shard = opts.shard ?? { index: 1, count: 1 };
  if (opts.resume !== undefined) throw new Error('runJob: resume and runId exclude each other');
  const rev = await policiesRevision(opts.cwd);
  const meta = {
    ...rev,
    configName: opts.configName ?? null,
    outcomes: opts.outcomes === true,
    sourcesHash: sourcesHash(opts.sources),
    options: {
      sources: opts.sources,
      policies: opts.policySpecs,
      configs: opts.configs ?? [],
      strict: opts.strict === true,
    },
  };
  return withShardRun(store, { runId, shard, meta, policies: opts.policies }, async (joined) => {
    await storePolicySources(store, runId, opts.policies);
    const mine = selectShard(opts.sources, shard);
    const sources = notDone(opts, mine, joined.done);
    const skipped = mine.length - sources.length;
    say(
      `run ${runId} shard ${shard.index}/${shard.count}${joined.created ? ' (created the run)' : ''}: ` +
        `${sources.length} of ${opts.sources.length} trace(s) x ${opts.policies.length} policies` +
        (skipped ? `, ${skipped} already stored` : ''),
    );
    const writes = shardTraceWrites(store, runId, { outcomes: joined.run.outcomes });
    const writer = new TraceWriter(opts, writes);
    const tReplay = performance.now();
    await replayIntoWriter(opts, runId, sources, writer, joined.run.outcomes);
    const storeMs = writer.storeMs;
    const replayMs = performance.now() - tReplay - storeMs;
    const results = writer.results;
    const counts = runCounts(writer.tally, skipped);
    const fin = await finishShard(store, runId, shard, {
      partial: opts.partial === true || counts.traceErrors > 0,
      counts,
    });
    return {
      ...(await sinceLastRun(store, runId, opts.configName ?? null, fin.finishedRun)),
      results,
      summary: writer.tally,
      skipped,
      timings: { replay: replayMs, store: storeMs, total: performance.now() - t0 },
      shard: { ...shard, done: fin.done, finishedRun: fin.finishedRun, created: joined.created },
    };
  });
}
