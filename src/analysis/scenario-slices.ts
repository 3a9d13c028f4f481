/**
 * The slices of chosen scenarios of a trace, as trace text, read in one streaming pass: what a
 * run stores for each diverging scenario so that `pinbench repro` can replay exactly that
 * scenario later, whether or not the trace file still exists or still says the same.
 *
 * Unlike read-scenarios.ts this holds one scenario at a time (plus the trace's config lines, which
 * stay in force across scenarios), so it can follow a replay of a trace of any size. A slice has
 * every event of the scenario (declarations, calls, expectations) with each call's observed
 * return, written back by slice-text.ts as minimisation writes its slices.
 */
import { isPinbenchError } from '../errors.ts';
import { ingestSource } from '../ingest/index.ts';
import type { TraceRecord } from '../ingest/trace-record.ts';
import {
  type AdaptedEvent,
  adaptedFeed,
  EventStream,
  type RecordAdapter,
  type Scenario,
} from '../model/event-stream.ts';
import type { TraceConfig } from '../model/events.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { ConfigLines } from './config-lines.ts';
import { configLineKeys, type LineStamp, sliceLineRole } from './read-scenarios.ts';
import { sliceText } from './slice-text.ts';

export interface ScenarioSlicesOptions {
  /** The trace's layout, as its replay detected it (slice-text writes a header for some). */
  layout: string;
  adapters: boolean;
  /** Scenarios to slice, by index in the trace (`sidx`): a Set, or anything that says membership. */
  wanted: { has(sidx: number): boolean };
  /** `--config` overrides the replay used: they decide the config the scenario records. */
  configOverrides?: Partial<TraceConfig>;
  /**
   * Called as each wanted scenario is complete, in trace order: true to read on, false to end the
   * read there (nothing more is wanted; the rest of the trace is not read).
   */
  onSlice: (slice: ScenarioSlice) => boolean;
  /**
   * Awaited after each chunk of the trace (1 MiB) has been read and its complete scenarios handed
   * to `onSlice`, before the next is read: work on them can keep pace with the read. False ends
   * the read there, as `onSlice` can; what it throws ends the read and is thrown as is.
   */
  afterChunk?: () => Promise<boolean>;
}

export interface ScenarioSlice {
  sidx: number;
  text: string;
  scenario: Scenario;
  /** Timestamp and CPU of the scenario's event lines (for tie exploration). */
  stamps: ReadonlyMap<number, LineStamp>;
}

/** Reads `source` once and hands each wanted scenario's slice to `onSlice`. */
export async function scenarioSlices(source: string, opts: ScenarioSlicesOptions): Promise<void> {
  const stream = new EventStream(source, opts.configOverrides ?? {});
  const ads: RecordAdapter[] = opts.adapters ? defaultAdapters(source) : [];
  const configLines = new ConfigLines();
  const scenarioLines = new Map<number, string>();
  const retLines = new Map<number, string>();
  const stamps = new Map<number, LineStamp>();
  let at = 0;
  // Position among the scenarios the stream completes, as replay-trace numbers them (sidx);
  // Scenario.index also counts an implicit first scenario that never completes.
  let sidx = 0;
  let done = false;

  const take = (sc: Scenario | null): void => {
    if (!sc || done) return;
    const index = sidx++;
    if (opts.wanted.has(index) && sc.error === undefined) {
      const lines: { line: number; text: string }[] = [];
      for (const e of sc.events) {
        lines.push({ line: e.line, text: e.text });
        if (e.type === 'call' && e.observed) {
          const ret = retLines.get(e.observed.line);
          if (ret !== undefined) lines.push({ line: e.observed.line, text: ret });
        }
      }
      const scenarioLine = scenarioLines.get(sc.line);
      const text = sliceText(
        opts.layout,
        {
          scenario: sc,
          configLines: configLines.before(sc.line),
          ...(scenarioLine !== undefined ? { scenarioLine } : {}),
        },
        lines,
        [`pinbench: scenario ${sc.name} of ${source}, as stored for pinbench repro`],
      );
      if (!opts.onSlice({ sidx: index, text, scenario: sc, stamps })) done = true;
    }
    // What the finished scenario needed is no longer needed: the record being read belongs to
    // the next one.
    for (const l of retLines.keys()) if (l < at) retLines.delete(l);
    for (const l of scenarioLines.keys()) if (l < at) scenarioLines.delete(l);
    for (const l of stamps.keys()) if (l < at) stamps.delete(l);
    configLines.forgetBefore(at);
  };
  const feed = (rec: TraceRecord, ev?: AdaptedEvent): void => {
    if (done) return;
    if (rec.kind === 'event') {
      at = rec.line;
      stamps.set(rec.line, { ts: rec.ts.value, cpu: rec.cpu });
      const role = sliceLineRole(rec, ev);
      if (role === 'config') configLines.add(rec.line, rec.text, configLineKeys(rec, ev));
      else if (role === 'scenario') scenarioLines.set(rec.line, rec.text);
      else if (role === 'ret') retLines.set(rec.line, rec.text);
    }
    try {
      take(stream.push(rec, ev));
    } catch (e) {
      if (!isPinbenchError(e)) throw e;
      stream.markError(e.message);
    }
  };
  const adapted = adaptedFeed(ads, feed);
  const afterChunk = opts.afterChunk;
  // The ingest wraps what a chunk callback throws as a read failure: the caller's own is kept,
  // and the end of a read nothing more is wanted from is no failure.
  let failed: { error: unknown } | undefined;
  const stop = new Error('scenario slices: nothing more wanted');
  try {
    await ingestSource(source, {
      onRecord: (rec) => adapted.push(rec),
      onChunk: async () => {
        try {
          if (afterChunk && !(await afterChunk())) done = true;
        } catch (e) {
          failed = { error: e };
          throw e;
        }
        if (done) {
          failed = { error: stop };
          throw stop;
        }
      },
    });
  } catch (e) {
    if (failed?.error === stop) return;
    throw failed ? failed.error : e;
  }
  at = Number.POSITIVE_INFINITY;
  adapted.end();
  take(stream.end());
}
