/**
 * Baseline records, for `check`: what the baseline's run over each scenario of a trace gave
 * (every call's outcome, the final checks, the kernel-table slots its calls reached), kept by
 * content under the cache directory with no candidate in the key. A check of an edited module
 * then steps the baseline nowhere, and the candidate only where it can differ from it.
 *
 * Why a record may stand for stepping: a policy's results over a scenario depend only on the
 * scenario and the functions its calls reach, and every kernel function reaches the others only
 * through the table it is given (model/slot-tracker.ts, dispatch.ts; what the grouped lockstep
 * relies on, test/lockstep-vs-alone.test.ts). So the baseline's record is the baseline's run, and
 * it is also the run of any policy whose table holds the baseline's functions in every slot the
 * record reached: that policy never runs a function of its own there.
 *
 * The key covers what the baseline's run depends on: the trace as read (read-trace-cache.ts's
 * key: bytes, path, sidecars, strict, adapters, config overrides, pinbench's code), the matrix
 * label, and the baseline's spec with the content of a module's import graph (`settings`, made
 * by check-cache.ts). An entry is the cache's header line and SHA-256 (cache-entry.ts) over the
 * v8-serialized record; a damaged one is ignored and replaced. A trace whose baseline run ended
 * in error anywhere gets no record (an overrun budget is timing, not content).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Policy } from '../model/kernel.ts';
import { differingSlots } from '../model/slot-tracker.ts';
import { readCacheEntry, writeCacheEntry } from './cache-entry.ts';
import type { ReadCacheUse } from './read-trace-cache.ts';
import type { ScenarioRecord, ScenarioReplayOptions } from './replay-scenario.ts';
import type { TraceReplayOptions } from './replay-trace.ts';

const FORMAT = 'baseline-record/1';

/** Where a check's baseline records are, and whose they are. */
export interface BaselineRecords {
  /** Directory of the entries (`<cache>/baseline-records`). */
  dir: string;
  /** Digest of the baseline's spec (a module's import graph included), strict and adapters. */
  settings: string;
  /** The baseline's index in the replayed policies. */
  policy: number;
}

/** What the records did for one trace. */
export interface RecordUse {
  use: ReadCacheUse;
  /** Scenarios replayed. */
  scenarios: number;
  /** Of those, the scenarios where every other policy took the record too (stepped nothing). */
  shared: number;
  /**
   * A record was missing and this replay kept none: `beside-module` when it ran beside a user
   * module other than the baseline (see `baselineRecordsFor`), `error` when the baseline ended in
   * error somewhere (no record is kept for such a trace).
   */
  unmade?: 'beside-module' | 'error';
}

/** A trace's record: one per scenario, in trace order. */
interface TraceRecord {
  scenarios: ScenarioRecord[];
}

/** Calls in a scenario's events: a record must hold exactly as many outcomes. */
function callCount(events: readonly { type: string }[]): number {
  let n = 0;
  for (const ev of events) if (ev.type === 'call') n++;
  return n;
}

/**
 * The records of one trace's replay: `options` for replayTrace, and `finish` once it is done
 * (writes the record the replay made, if it made one). `readKey` is the trace's read key.
 */
export async function baselineRecordsFor(
  records: BaselineRecords,
  readKey: string,
  matrix: string,
  policies: readonly Policy[],
): Promise<{
  options: Pick<TraceReplayOptions, 'records'>;
  finish: (ok: boolean) => Promise<RecordUse>;
}> {
  const key = createHash('sha256')
    .update(FORMAT)
    .update('\0')
    .update(records.settings)
    .update('\0')
    .update(readKey)
    .update('\0')
    .update(matrix)
    .digest('hex');
  const file = join(records.dir, key.slice(0, 2), `${key}.v8`);
  const entry = await readCacheEntry(file, FORMAT, key);
  let kept: TraceRecord | undefined;
  if (entry.body !== null) {
    try {
      const v = deserialize(entry.body) as TraceRecord;
      if (Array.isArray(v?.scenarios)) kept = v;
    } catch {
      kept = undefined;
    }
  }
  const use: RecordUse = {
    use: kept ? 'hit' : entry.body === null && entry.why === 'absent' ? 'miss' : 'damaged',
    scenarios: 0,
    shared: 0,
  };
  const base = policies[records.policy]!;
  if (kept) {
    const record = kept;
    // Which other policies can take the record: those whose table differs from the baseline's
    // only in slots a scenario's record never reached.
    const others = policies
      .map((p, i) => ({ i, differs: differingSlots(base.ops, p.ops) }))
      .filter((o) => o.i !== records.policy);
    return {
      options: {
        records: (at, sc): Pick<ScenarioReplayOptions, 'recorded'> => {
          use.scenarios++;
          const rec = record.scenarios[at];
          // Keyed by content, so never expected; but a record for another scenario is no record.
          if (!rec || rec.scenario !== sc.name || rec.outcomes.length !== callCount(sc.events)) return {};
          const recorded = [records.policy];
          for (const o of others) if (!rec.reached.some((s) => o.differs.has(s))) recorded.push(o.i);
          if (recorded.length === policies.length) use.shared++;
          return { recorded: { record: rec, policies: recorded } };
        },
      },
      finish: async () => use,
    };
  }
  // A record stands for the baseline in every later check, whatever its candidate: it is made
  // only where nothing but the baseline's own code ran in the thread. A user module loaded beside
  // it runs its top-level code there first and could change a release's shared tables or
  // pinbench's own objects (only the built-in prototypes are put back, policy-guard.ts), which
  // would then stand in the record for every candidate. check makes such a trace's record in a
  // thread of its own (check.ts recordBaseline).
  const alone = policies.every((p, i) => i === records.policy || p.source === undefined);
  const made: (ScenarioRecord | null)[] = [];
  return {
    options: {
      records: (at): Pick<ScenarioReplayOptions, 'record'> => {
        use.scenarios++;
        return {
          record: {
            index: records.policy,
            done: (r) => {
              made[at] = r;
            },
          },
        };
      },
    },
    finish: async (ok) => {
      const scenarios: ScenarioRecord[] = [];
      for (let i = 0; i < made.length; i++) {
        const r = made[i];
        // The baseline ended in error somewhere (or a scenario was not replayed).
        if (!r) return { ...use, unmade: 'error' };
        scenarios.push(r);
      }
      if (!ok) return { ...use, unmade: 'error' };
      if (!alone) return { ...use, unmade: 'beside-module' };
      await writeCacheEntry(file, FORMAT, key, serialize({ scenarios } satisfies TraceRecord));
      return use;
    },
  };
}
