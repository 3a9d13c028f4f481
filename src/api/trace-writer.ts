/**
 * What `run` does with replay results as they come: each trace's scenarios go to the store in
 * batches while it is replayed (streaming; a local file, its content hash taken first), or
 * whole at its end (URLs and standard input, whose bytes are read once). What stays in memory
 * is what the terminal summary and the exit code need (slim scenarios: verdicts, fidelity
 * failures, the first root divergences) plus counts.
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
 * What `run` keeps of a scenario once it is stored: verdicts and fidelity failures for the
 * summary and the exit code, and root divergences only while the summary still shows them
 * (`kept` counts those of the whole run). Outcomes, finals and the other divergences are in the
 * store; the trace's `divergenceCounts` keep their number.
 */
function slim(s: ScenarioResult, kept: { roots: number }): ScenarioResult {
  const roots: ScenarioResult['divergences'] = [];
  for (const d of s.divergences) {
    if (!d.root || kept.roots >= SUMMARY_ROOTS) continue;
    roots.push(d);
    kept.roots++;
  }
  return { ...s, outcomes: [], finals: [], divergences: roots };
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
  /** Slim scenarios kept for the summary, in trace order (those stored before a resume are not). */
  kept: ScenarioResult[];
  divergences: number;
  roots: number;
}

export class TraceWriter {
  /** Slim results in corpus order, as delivered. */
  readonly results: TraceReplayResult[] = [];
  storeMs = 0;
  private readonly open = new Map<number, Open>();
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
    const digest = await sourceDigest(job.source);
    if (!digest) return null;
    const identity = storedIdentity(this.opts, job.source, job.matrix);
    const progress = await this.timed(() => this.writes.begin({ identity, ...digest }));
    // The run has it all (the same file given twice): replayed again, stored never (as before streaming).
    if (progress.complete) return null;
    const open: Open = {
      traceId: progress.traceId,
      sha256: digest.sha256,
      identity,
      kept: [],
      divergences: 0,
      roots: 0,
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
            open.divergences += s.divergences.length;
            open.roots += s.divergences.filter((d) => d.root).length;
            open.kept.push(slim(s, this.kept));
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
      if (result.cut) for (const s of open.kept) markCut(s, result.cut as Parameters<typeof markCut>[1]);
      this.results.push({
        ...result,
        scenarios: open.kept,
        divergenceCounts: { all: open.divergences, roots: open.roots },
      });
      return;
    }
    // Not streamed, or failed part-way: what it streamed goes, its result is stored whole.
    if (open) await this.timed(() => this.writes.abandon(open.traceId, open.identity.matrix));
    await this.timed(() => this.writes.whole(result));
    const divergences = result.scenarios.flatMap((s) => s.divergences);
    this.results.push({
      ...result,
      scenarios: result.scenarios.map((s) => slim(s, this.kept)),
      divergenceCounts: { all: divergences.length, roots: divergences.filter((d) => d.root).length },
    });
  }
}
