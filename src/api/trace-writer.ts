/**
 * What `run` does with replay results as they come: each trace's scenarios go to the store in
 * batches while it is replayed (streaming; a local file, its content hash taken first), or
 * whole at its end (URLs and standard input, whose bytes are read once). What stays in memory
 * is the run's summary tally (counts and the first few of each list it prints, summary-tally.ts)
 * and the few scenarios holding its first root divergences: bounded, whatever the trace size.
 *
 * A run stopped part-way (killed, a store failure) has every batch written so far committed,
 * each of whole scenarios: `run --resume` begins the trace again, reads the scenarios stored
 * (their bytes are needed for the content hash) and replays from the first one it lacks.
 */
import { performance } from 'node:perf_hooks';
import { PinbenchError } from '../errors.ts';
import { type TraceIdentity, traceIdentity, traceLabel } from '../replay/divergence-identity.ts';
import type { ScenarioSink } from '../replay/replay-corpus.ts';
import { markCut, type ScenarioResult } from '../replay/replay-scenario.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { SummaryTally } from '../replay/summary-tally.ts';
import type { TraceProgress } from '../store/store.ts';
import type { RunJobOptions } from './run-job.ts';
import { sourceDigest } from './source-digest.ts';

/** The store calls a writer makes (a run this process owns, or a shard's run). */
export interface TraceWrites {
  begin(start: { identity: TraceIdentity; sha256: string; bytes: number }): Promise<TraceProgress>;
  scenarios(
    at: { traceId: number; matrix: string; from: number },
    list: readonly ScenarioResult[],
  ): Promise<void>;
  finish(traceId: number, result: TraceReplayResult): Promise<void>;
  abandon(traceId: number, matrix: string): Promise<void>;
  /** A whole trace result in one transaction: false when the run already has it. */
  whole(result: TraceReplayResult): Promise<boolean>;
}

/** A scenario's records as if its trace had been replayed under `label` (nightly's manifest names). */
function relabel(s: ScenarioResult, label: string): ScenarioResult {
  const re = <T extends { trace: string }>(r: T): T => (r.trace === label ? r : { ...r, trace: label });
  return {
    ...s,
    outcomes: s.outcomes.map(re),
    divergences: s.divergences.map(re),
    finals: s.finals.map(re),
    verdicts: s.verdicts.map(re),
    fidelity: s.fidelity.map(re),
  };
}

/** The identity a source's results are stored under: its display name where it has one. */
export function storedIdentity(
  opts: Pick<RunJobOptions, 'displayNames'>,
  source: string,
  matrix: string,
): TraceIdentity {
  const name = opts.displayNames?.get(source);
  return traceIdentity(name ?? source, matrix);
}

/** The result as if the trace had been replayed under its display name (its identity renamed). */
export function renameTrace(
  opts: Pick<RunJobOptions, 'displayNames'>,
  result: TraceReplayResult,
): TraceReplayResult {
  const identity = storedIdentity(opts, result.identity.source, result.identity.matrix);
  if (identity.source === result.identity.source) return result;
  const label = traceLabel(identity);
  return { ...result, identity, scenarios: result.scenarios.map((s) => relabel(s, label)) };
}

/**
 * What `run` keeps of a scenario once it is stored, as an example beside the summary's tally:
 * only a scenario holding one of the run's first root divergences (`kept` counts them), slim
 * (verdicts and those divergences). Everything else is in the store and in the tally's counts.
 */
function example(s: ScenarioResult, kept: { roots: number }): ScenarioResult | null {
  const roots: ScenarioResult['divergences'] = [];
  for (const d of s.divergences) {
    if (!d.root || kept.roots >= SUMMARY_ROOTS) continue;
    roots.push(d);
    kept.roots++;
  }
  return roots.length ? { ...s, outcomes: [], finals: [], fidelity: [], divergences: roots } : null;
}

/** Root divergences `run`'s summary shows (formatSummary's default). */
const SUMMARY_ROOTS = 10;

/** Scenarios per streamed batch: one transaction each; bounds what is in flight between threads. */
export const STREAM_BATCH = 256;

/** A trace being streamed: where its rows go and the content hash its replay must end with. */
interface Open {
  traceId: number;
  sha256: string;
  identity: TraceIdentity;
  /** Its scenarios replayed here (those stored before a resume are not), counted. */
  tally: SummaryTally;
  /** Slim example scenarios (example()), in trace order. */
  examples: ScenarioResult[];
}

export class TraceWriter {
  /**
   * Results in corpus order, as delivered, without their scenarios (but a few examples: those
   * holding the run's first root divergences), with `divergenceCounts`.
   */
  readonly results: TraceReplayResult[] = [];
  /** The run's summary: every scenario replayed here, counted (cut traces as markCut leaves them). */
  readonly tally = new SummaryTally({ rootsKept: SUMMARY_ROOTS });
  /** Scenarios replayed here, per delivered trace (results[i]'s), for progress. */
  readonly replayed: number[] = [];
  storeMs = 0;
  private readonly open = new Map<number, Open>();
  /**
   * The last trace's begin, which the next one's waits for. A trace's content row gets its id at
   * its begin, and a run lists its divergences in trace-id order (a kind's first occurrence, the
   * JSON report, paging): begins in the order the corpus gives the traces (replayCorpus asks for
   * sinks in that order) make two runs of the same corpus list them alike, whichever worker
   * finishes hashing first. Files are still hashed concurrently; only the row inserts wait.
   */
  private beginTurn: Promise<unknown> = Promise.resolve();
  private readonly kept = { roots: 0 };
  private readonly opts: Pick<RunJobOptions, 'displayNames'>;
  private readonly writes: TraceWrites;

  constructor(opts: Pick<RunJobOptions, 'displayNames'>, writes: TraceWrites) {
    this.opts = opts;
    this.writes = writes;
  }

  private async timed<T>(fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.storeMs += performance.now() - t;
    }
  }

  /** replayCorpus's `stream`: a sink for a local file the run does not have completely yet. */
  async sink(job: { source: string; matrix: string; index: number }): Promise<ScenarioSink | null> {
    const hashing = sourceDigest(job.source);
    // Awaited in its turn below; until then a failed read must not count as unhandled.
    hashing.catch(() => {});
    const identity = storedIdentity(this.opts, job.source, job.matrix);
    const begun = this.beginTurn.then(async () => {
      const digest = await hashing;
      return digest
        ? { digest, progress: await this.timed(() => this.writes.begin({ identity, ...digest })) }
        : null;
    });
    this.beginTurn = begun.catch(() => {});
    const started = await begun;
    if (!started) return null;
    const { digest, progress } = started;
    // The run has it all (the same file given twice): replayed again, stored never (as before streaming).
    if (progress.complete) return null;
    const open: Open = {
      traceId: progress.traceId,
      sha256: digest.sha256,
      identity,
      tally: new SummaryTally({ rootsKept: SUMMARY_ROOTS }),
      examples: [],
    };
    this.open.set(job.index, open);
    const label = traceLabel(identity);
    return {
      skip: progress.stored,
      batch: STREAM_BATCH,
      write: (from, scenarios) =>
        this.timed(async () => {
          const list = scenarios.map((s) => relabel(s, label));
          await this.writes.scenarios({ traceId: open.traceId, matrix: identity.matrix, from }, list);
          for (const s of list) {
            open.tally.add(s, label);
            const e = example(s, this.kept);
            if (e) open.examples.push(e);
          }
        }),
    };
  }

  /** replayCorpus's `onResult`: completes a streamed trace, or stores a whole one. */
  async result(replayed: TraceReplayResult, index: number): Promise<void> {
    const open = this.open.get(index);
    this.open.delete(index);
    const result = renameTrace(this.opts, replayed);
    if (open && !result.error) {
      if (result.sha256 !== open.sha256) {
        throw new PinbenchError(
          'PB_IO',
          `${open.identity.source}: the file changed while it was replayed (SHA-256 ${open.sha256.slice(0, 12)} before, ${result.sha256.slice(0, 12)} after); run it again`,
        );
      }
      await this.timed(() => this.writes.finish(open.traceId, result));
      if (result.cut) {
        open.tally.cut();
        for (const e of open.examples) markCut(e, result.cut as Parameters<typeof markCut>[1]);
      }
      this.deliver(result, open.tally, open.examples);
      return;
    }
    // Not streamed, or failed part-way: what it streamed goes, its result is stored whole.
    if (open) await this.timed(() => this.writes.abandon(open.traceId, open.identity.matrix));
    await this.timed(() => this.writes.whole(result));
    const tally = new SummaryTally({ rootsKept: SUMMARY_ROOTS });
    const label = traceLabel(result.identity);
    const examples: ScenarioResult[] = [];
    for (const s of result.scenarios) {
      tally.add(s, label);
      const e = example(s, this.kept);
      if (e) examples.push(e);
    }
    this.deliver(result, tally, examples);
  }

  /** A trace done: its tally joins the run's, its result is kept without its scenarios. */
  private deliver(result: TraceReplayResult, tally: SummaryTally, examples: ScenarioResult[]): void {
    tally.traces = 1;
    if (result.error) tally.traceError(result.error);
    this.tally.merge(tally);
    this.replayed.push(tally.scenarios);
    this.results.push({
      ...result,
      scenarios: examples,
      divergenceCounts: { all: tally.divergences, roots: tally.roots },
    });
  }
}
