/**
 * A trace's scenarios as model events, read the way replay reads them (adapters included), with
 * the lines analyses need besides the events: configs and scenario lines (to write a slice back),
 * observed-return records, and each line's timestamp and CPU (to find events whose order the
 * trace leaves open). Holds the kept scenarios in memory: for analyses of one trace, not corpora.
 */
import { isPinbenchError, UsageError } from '../errors.ts';
import { ingestSource } from '../ingest/index.ts';
import type { TraceRecord } from '../ingest/trace-record.ts';
import {
  type AdaptedEvent,
  adaptedEventName,
  adaptedFeed,
  EventStream,
  type RecordAdapter,
  type Scenario,
  vocabularyOf,
} from '../model/event-stream.ts';
import { scanFields } from '../model/field-scanner.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { ConfigLines } from './config-lines.ts';

export interface LineStamp {
  /** Exact: nanoseconds or the raw counter. */
  ts: bigint;
  cpu: number;
}

export interface ReadTrace {
  scenarios: Scenario[];
  /** The config lines in force at each scenario's start (`before(scenario.line)`). */
  configLines: ConfigLines;
  /** `pinbench_scenario` lines by line number. */
  scenarioLines: Map<number, string>;
  /** `<call>_ret` records by line number. */
  retLines: Map<number, string>;
  /** Timestamp and CPU of every event line. */
  stamps: Map<number, LineStamp>;
}

/**
 * What an event line is to a slice written back as text: a config line (in force across
 * scenarios), a scenario line, an observed-return record, or none of these (an event of the
 * scenario's own).
 */
export function sliceLineRole(
  rec: TraceRecord & { kind: 'event' },
  ev: AdaptedEvent | undefined,
): 'config' | 'scenario' | 'ret' | undefined {
  const v = ev ? { event: adaptedEventName(ev) } : vocabularyOf(rec);
  // A recording's `pinbench: recording` marker holds like a config line: a slice keeps it, so
  // that its kernel is checked against the same release model (a stable id) wherever it is read.
  if (v?.event === 'pinbench_config' || ev?.type === 'recording') return 'config';
  if (v?.event === 'pinbench_scenario') return 'scenario';
  if (ev?.type === 'observed' || (!v && rec.event.endsWith('_ret'))) return 'ret';
  return undefined;
}

/**
 * The fields a config line sets (what ConfigLines needs to know which earlier lines it
 * supersedes), or null for a line that holds whatever follows (a recording's marker).
 */
export function configLineKeys(
  rec: TraceRecord & { kind: 'event' },
  ev: AdaptedEvent | undefined,
): string[] | null {
  if (ev) return ev.type === 'config' ? Object.keys(ev.config) : null;
  const v = vocabularyOf(rec);
  return v ? scanFields(v.payload, v.payloadCol).fields.map((f) => f.key) : null;
}

export async function readScenarios(
  source: string,
  opts: { adapters: boolean; keep?: (name: string) => boolean },
): Promise<ReadTrace> {
  const stream = new EventStream(source);
  const ads: RecordAdapter[] = opts.adapters ? defaultAdapters(source) : [];
  const out: ReadTrace = {
    scenarios: [],
    configLines: new ConfigLines(),
    scenarioLines: new Map(),
    retLines: new Map(),
    stamps: new Map(),
  };
  const take = (sc: Scenario | null): void => {
    if (sc && (opts.keep?.(sc.name) ?? true)) out.scenarios.push(sc);
  };
  const feed = (rec: TraceRecord, ev?: AdaptedEvent): void => {
    if (rec.kind === 'event') {
      out.stamps.set(rec.line, { ts: rec.ts.value, cpu: rec.cpu });
      const role = sliceLineRole(rec, ev);
      if (role === 'config') out.configLines.add(rec.line, rec.text, configLineKeys(rec, ev));
      else if (role === 'scenario') out.scenarioLines.set(rec.line, rec.text);
      else if (role === 'ret') out.retLines.set(rec.line, rec.text);
    }
    try {
      take(stream.push(rec, ev));
    } catch (e) {
      if (!isPinbenchError(e)) throw e;
      stream.markError(e.message);
    }
  };
  const adapted = adaptedFeed(ads, feed);
  try {
    await ingestSource(source, { onRecord: (rec) => adapted.push(rec) });
  } catch (e) {
    if (isPinbenchError(e)) throw new UsageError(`${source}: cannot read: ${e.message}`);
    throw e;
  }
  adapted.end();
  take(stream.end());
  return out;
}
