/**
 * One trace through ingest -> events -> lockstep replay. Scenarios are replayed as soon as they
 * are complete, so memory holds one scenario's events at a time whatever the trace size.
 */
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { isPinbenchError, TraceError } from '../errors.ts';
import type { IngestOptions, IngestResult } from '../ingest/index.ts';
import type { TraceRecord } from '../ingest/trace-record.ts';
import {
  type AdaptedEvent,
  adaptedFeed,
  EventStream,
  type RecordAdapter,
  type Scenario,
} from '../model/event-stream.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { traceIdentity } from './divergence-identity.ts';
import type { PolicyCallGuard, ScenarioReplayOptions, ScenarioResult } from './replay-scenario.ts';
import {
  cutReason,
  type LockstepSteps,
  markCut,
  replayScenario,
  TRACE_WIDE_CUTS,
} from './replay-scenario.ts';
import { type ExpectedVerdict, readResultBlocks } from './result-header.ts';
import type { TraceReplayResult } from './results.ts';

export interface TraceReplayOptions {
  /** Emit every outcome record (NDJSON `outcome` lines). */
  outcomes: boolean;
  /** `--config` overrides over every pinbench_config of the trace. */
  configOverrides?: Partial<TraceConfig>;
  /** Label of the configuration in a `--matrix` run (empty otherwise). */
  matrix?: string;
  /** Bad lines and bad fields are errors instead of skipped lines / `error` verdicts. */
  strict?: boolean;
  /** Ingest settings (HTTP, chunk size). */
  ingest?: Omit<IngestOptions, 'onRecord' | 'strict'>;
  /** Adapters for real recordings, tried in order on every record. */
  adapters?: (source: string) => RecordAdapter[];
  /**
   * Streaming: each scenario's result as soon as it is replayed (`index` is its position in the
   * trace), instead of keeping it in the result, whose `scenarios` stay empty. A trace-wide cut
   * is known only at the end: the result's `cut` says so, and the receiver applies it to what it
   * kept (markCut, or an update of the stored verdicts).
   */
  onScenario?: (result: ScenarioResult, index: number) => void;
  /**
   * Awaited between chunks of input: where a streaming receiver holds the replay back until it
   * has written what it was given (memory stays bounded by a batch, not by the trace).
   */
  drain?: () => Promise<void>;
  /** Resume: the first this many scenarios are read (the file's hash needs every byte) but not replayed. */
  skipScenarios?: number;
  /** Watches user policies' calls (replay workers). */
  guard?: PolicyCallGuard;
  /** Grouped stepping and step counts (see ScenarioReplayOptions). */
  lockstep?: boolean;
  steps?: LockstepSteps;
  /** Replay what an earlier read of this very trace gave (read-trace-cache.ts), without reading it. */
  read?: ReadTrace;
  /** What this read of the trace gave, for read-trace-cache.ts (not called when reading failed). */
  onRead?: (read: ReadTrace) => void;
  /** Per scenario (by position): policies replayed from a record, or a run to record (baseline-records.ts). */
  records?: (index: number, sc: Scenario) => Pick<ScenarioReplayOptions, 'recorded' | 'record'>;
}

/**
 * A trace as read: its header lines, every scenario (v8-serialized once the trace is read; a
 * replay does not change its scenarios), and what ingest and the event stream counted.
 * Replaying this gives what reading the trace again would (test: read-trace-cache.test.ts).
 */
export interface ReadTrace {
  header: string[];
  scenarios: Uint8Array[];
  ingest: Omit<IngestResult, 'durationMs'>;
  stats: EventStream['stats'];
}

export async function replayTrace(
  source: string,
  policies: readonly Policy[],
  opts: TraceReplayOptions,
): Promise<TraceReplayResult> {
  const t0 = performance.now();
  const identity = traceIdentity(source, opts.matrix ?? '');
  const stream = new EventStream(source, opts.configOverrides ?? {});
  const adapters = opts.adapters?.(source) ?? [];
  const scenarios: ScenarioResult[] = [];
  const skip = opts.skipScenarios ?? 0;
  let index = 0;
  // The header's `#` lines up to the first record: its `# Result` blocks say what each release
  // is expected to give, read once when the first scenario is complete.
  const header: string[] = [];
  let inHeader = true;
  let expected: ExpectedVerdict[] | undefined;
  const expectedRows = (): ExpectedVerdict[] => {
    if (expected === undefined) {
      try {
        expected = readResultBlocks(header.join('\n'));
      } catch {
        expected = []; // a malformed block is the corpus test's to report; replay goes on without it
      }
      header.length = 0;
    }
    return expected;
  };

  // Scenarios replay as soon as they are complete; a divergence's identity needs nothing beyond
  // its own scenario. Only a trace-wide cut (found at the end) can still change a verdict.
  // Serialized at the end, not here: a call's context lines go on growing after its scenario is
  // complete (the lines that follow it), and the results share that array.
  const kept = opts.onRead ? { header: [] as string[], scenarios: [] as Scenario[] } : undefined;
  const finish = (sc: Scenario): void => {
    kept?.scenarios.push(sc);
    const at = index++;
    if (at < skip) return;
    const r = replayScenario(sc, policies, {
      trace: identity,
      outcomes: opts.outcomes,
      expected: expectedRows(),
      ...(opts.configOverrides ? { configOverrides: opts.configOverrides } : {}),
      ...(sc.error !== undefined ? { error: sc.error } : {}),
      ...(opts.guard ? { guard: opts.guard } : {}),
      ...(opts.lockstep !== undefined ? { lockstep: opts.lockstep } : {}),
      ...(opts.steps ? { steps: opts.steps } : {}),
      ...opts.records?.(at, sc),
    });
    if (opts.onScenario) opts.onScenario(r, at);
    else scenarios.push(r);
  };

  const feed = (rec: TraceRecord, ev?: AdaptedEvent): void => {
    let done: Scenario | null;
    try {
      done = stream.push(rec, ev);
    } catch (e) {
      if (opts.strict || !isPinbenchError(e)) throw e;
      stream.markError(e.message);
      return;
    }
    if (done) finish(done);
  };

  const adapted = adaptedFeed(adapters, feed);
  const onRecord = (rec: TraceRecord): void => {
    inHeader = false;
    adapted.push(rec);
  };

  const base = {
    identity,
    integrity: [],
    scenarios,
    events: { modelEvents: 0, calls: 0, generic: {}, foreignMarkers: 0, observedReturns: 0 },
  };
  let sinkError: unknown;
  const drain =
    opts.drain &&
    (async (): Promise<void> => {
      try {
        await opts.drain!();
      } catch (e) {
        sinkError = e;
        throw e;
      }
    });
  let ingest: ReadTrace['ingest'];
  let st: ReadTrace['stats'] = stream.stats;
  try {
    if (opts.read) {
      header.push(...opts.read.header);
      for (const sc of opts.read.scenarios) finish(deserialize(sc) as Scenario);
      ingest = opts.read.ingest;
      st = opts.read.stats;
    }
    // Loaded when a trace is read: a replay from the read cache (check's workers) needs none of ingest.
    else
      ingest = await (await import('../ingest/ingest-source.ts')).ingestSource(source, {
        ...opts.ingest,
        strict: opts.strict ?? false,
        onRecord,
        ...(drain ? { onChunk: drain } : {}),
        onHashLine: (text) => {
          if (!inHeader) return;
          header.push(text);
          kept?.header.push(text);
        },
      });
    // An empty file, or text with no trace line in it, is not a trace that passed.
    if (ingest.records === 0) {
      throw new TraceError(
        'PB_TRACE_SYNTAX',
        'no trace records (the file is empty or holds no trace lines)',
        {
          location: { file: source },
        },
      );
    }
    if (!opts.read) {
      adapted.end();
      const last = stream.end();
      if (last) finish(last);
    }
  } catch (e) {
    // The receiver's failure (a store that cannot write) is not the trace's: it ends the job.
    if (sinkError !== undefined) throw sinkError;
    if (!isPinbenchError(e)) throw e;
    return {
      ...base,
      scenarios: [],
      sha256: '',
      bytes: 0,
      layout: 'unknown',
      ingest: { lines: 0, records: 0, headers: 0, integrity: 0, blank: 0, skipped: {} },
      error: { code: e.code, message: e.message },
      ms: performance.now() - t0,
    };
  }
  // Known only at the end: lines are missing somewhere, so no scenario's verdict can be trusted.
  const mismatch = ingest.integrityEvents.find((r) => TRACE_WIDE_CUTS.has(r.integrity));
  const cut = mismatch ? { line: mismatch.line, kind: mismatch.integrity } : undefined;
  if (cut) for (const r of scenarios) markCut(r, cut);
  if (kept && opts.onRead) {
    const { durationMs: _ms, ...read } = ingest as IngestResult;
    opts.onRead({
      header: kept.header,
      scenarios: kept.scenarios.map((sc) => serialize(sc)),
      ingest: read,
      stats: st,
    });
  }
  return {
    ...base,
    ...(cut && opts.onScenario ? { cut: { ...cut, reason: cutReason(cut) } } : {}),
    scenarioCount: index,
    sha256: ingest.sha256,
    bytes: ingest.bytes,
    layout: ingest.layout,
    ingest: {
      lines: ingest.lines,
      records: ingest.records,
      headers: ingest.headers,
      integrity: ingest.integrity,
      blank: ingest.blank,
      skipped: { ...ingest.skipped },
    },
    integrity: ingest.integrityEvents.map((r) => ({
      line: r.line,
      kind: r.integrity,
      ...(r.cpu !== undefined ? { cpu: r.cpu } : {}),
      ...(r.count !== undefined ? { count: r.count } : {}),
      text: r.text,
    })),
    events: {
      modelEvents: st.modelEvents,
      calls: st.calls,
      generic: Object.fromEntries([...st.generic].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      foreignMarkers: st.foreignMarkers,
      observedReturns: st.observedReturns,
    },
    ms: performance.now() - t0,
  };
}
