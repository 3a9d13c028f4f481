/**
 * One trace through ingest -> events -> lockstep replay. Scenarios are replayed as soon as they
 * are complete, so memory holds one scenario's events at a time whatever the trace size.
 */
import { performance } from 'node:perf_hooks';
import { isPinbenchError } from '../errors.ts';
import { type IngestOptions, ingestSource } from '../ingest/index.ts';
import type { EventRecord, TraceRecord } from '../ingest/trace-record.ts';
import { EventStream, type RecordAdapter, type Scenario } from '../model/event-stream.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import type { PolicyCallGuard, ScenarioResult } from './replay-scenario.ts';
import { divergenceSignature, replayScenario } from './replay-scenario.ts';
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
  /** Called with each scenario's result once the trace is read (signatures final). */
  onScenario?: (result: ScenarioResult) => void;
  /** Watches user policies' calls (replay workers). */
  guard?: PolicyCallGuard;
}

function matrixSuffix(matrix: string | undefined): string {
  return matrix ? ` [${matrix}]` : '';
}

export async function replayTrace(
  source: string,
  policies: readonly Policy[],
  opts: TraceReplayOptions,
): Promise<TraceReplayResult> {
  const t0 = performance.now();
  const traceLabel = `${source}${matrixSuffix(opts.matrix)}`;
  const stream = new EventStream(source, opts.configOverrides ?? {});
  const adapters = opts.adapters?.(source) ?? [];
  const scenarios: ScenarioResult[] = [];

  // Scenarios replay as soon as they are complete; their divergence signatures are finished once
  // the trace's hash is known (at the end of the bytes).
  const finish = (sc: Scenario): void => {
    const r = replayScenario(sc, policies, {
      traceHash: '',
      trace: traceLabel,
      outcomes: opts.outcomes,
      ...(opts.configOverrides ? { configOverrides: opts.configOverrides } : {}),
      ...(sc.error !== undefined ? { error: sc.error } : {}),
      ...(opts.guard ? { guard: opts.guard } : {}),
    });
    scenarios.push(r);
  };

  const feed = (rec: TraceRecord): void => {
    let done: Scenario | null;
    try {
      done = stream.push(rec);
    } catch (e) {
      if (opts.strict || !isPinbenchError(e)) throw e;
      stream.markError(e.message);
      return;
    }
    if (done) finish(done);
  };

  const onRecord = (rec: TraceRecord): void => {
    if (rec.kind === 'event' && adapters.length > 0) {
      for (const a of adapters) {
        const out: EventRecord[] | null = a.push(rec);
        if (out) {
          for (const r of out) feed(r);
          return;
        }
      }
    }
    feed(rec);
  };

  const base = {
    trace: traceLabel,
    matrix: opts.matrix ?? '',
    integrity: [],
    scenarios,
    events: { modelEvents: 0, calls: 0, generic: {}, foreignMarkers: 0, observedReturns: 0 },
  };
  let ingest: Awaited<ReturnType<typeof ingestSource>>;
  try {
    ingest = await ingestSource(source, { ...opts.ingest, strict: opts.strict ?? false, onRecord });
    for (const a of adapters) for (const r of a.end()) feed(r);
    const last = stream.end();
    if (last) finish(last);
  } catch (e) {
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
  const traceHash = `${ingest.sha256}${matrixSuffix(opts.matrix)}`;
  for (const r of scenarios) {
    for (const d of r.divergences) d.signature = divergenceSignature(traceHash, d.scenario, d.seq, d.classes);
    opts.onScenario?.(r);
  }
  const st = stream.stats;
  return {
    ...base,
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
