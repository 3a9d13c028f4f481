/**
 * A replay that takes the baseline's outcomes from its record (and the other policy's, in every
 * scenario where their tables agree on the slots the record reached) gives what stepping both
 * gives: every shipped trace, outcome records included, for release pairs that differ a little
 * and a lot. A damaged record is ignored and replaced; a record is per baseline.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCorpusFiles } from '../ingest/index.ts';
import { differingSlots } from '../model/slot-tracker.ts';
import { defaultAdapters } from './adapters.ts';
import { resolvePolicies } from './load-policies.ts';
import { replayTraceCached } from './read-trace-cache.ts';
import { replayTrace } from './replay-trace.ts';
import type { TraceReplayResult } from './results.ts';

const plain = (r: TraceReplayResult): string => JSON.stringify({ ...r, ms: 0 });

function caches() {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-baseline-records-'));
  return {
    dir,
    read: { dir: join(dir, 'read-traces'), code: 'test' },
    records: (settings: string) => ({ dir: join(dir, 'baseline-records'), settings, policy: 0 }),
  };
}

describe('baseline records', () => {
  it('replay every shipped trace as stepping does, recording and recorded', {
    timeout: 120_000,
  }, async () => {
    const files = await findCorpusFiles('traces');
    expect(files.length).toBeGreaterThan(20);
    // Close releases share most scenarios; distant ones few.
    for (const [baseline, candidate] of [
      ['v6.11', 'v6.12'],
      ['v5.19', 'v6.0-rc1'],
      ['v6.11', 'v5.4'],
    ] as const) {
      const c = caches();
      const records = c.records(baseline);
      const policies = await resolvePolicies([baseline, candidate]);
      expect(differingSlots(policies[0]!.ops, policies[0]!.ops).size).toBe(0);
      let shared = 0;
      let scenarios = 0;
      for (const f of files) {
        const opts = { outcomes: true, strict: false, adapters: defaultAdapters };
        const want = plain(await replayTrace(f, policies, opts));
        const cold = await replayTraceCached(f, policies, opts, c.read, records);
        const warm = await replayTraceCached(f, policies, opts, c.read, records);
        expect(plain(cold.result), `${f} ${candidate}`).toBe(want);
        expect(plain(warm.result), `${f} ${candidate}`).toBe(want);
        expect([cold.records?.use, warm.records?.use], f).toEqual(['miss', 'hit']);
        expect(cold.records?.shared, f).toBe(0);
        shared += warm.records!.shared;
        scenarios += warm.records!.scenarios;
      }
      // The record really stood in for the candidate somewhere, and not everywhere.
      expect(shared, candidate).toBeGreaterThan(0);
      expect(shared, candidate).toBeLessThan(scenarios);
    }
  });

  it('ignores and replaces a damaged record; another baseline has its own', async () => {
    const c = caches();
    const f = 'traces/05-cow-ro-longterm.trace';
    const opts = { outcomes: true, strict: false, adapters: defaultAdapters };
    const policies = await resolvePolicies(['v5.19', 'v6.0-rc1']);
    const want = plain(await replayTrace(f, policies, opts));
    expect((await replayTraceCached(f, policies, opts, c.read, c.records('a'))).records?.use).toBe('miss');
    const dir = join(c.dir, 'baseline-records');
    const sub = readdirSync(dir)[0]!;
    const entry = join(dir, sub, readdirSync(join(dir, sub))[0]!);
    const whole = readFileSync(entry);
    // One byte of the body changed: the checksum no longer matches.
    whole[whole.length - 5] = whole[whole.length - 5]! ^ 1;
    writeFileSync(entry, whole);
    const damaged = await replayTraceCached(f, policies, opts, c.read, c.records('a'));
    expect(damaged.records?.use).toBe('damaged');
    expect(plain(damaged.result)).toBe(want);
    const again = await replayTraceCached(f, policies, opts, c.read, c.records('a'));
    expect(again.records?.use).toBe('hit');
    expect(plain(again.result)).toBe(want);
    // Another baseline (settings) is another key: its record is made, not read.
    const other = await resolvePolicies(['v6.0-rc1', 'v5.19']);
    const swapped = await replayTraceCached(f, other, opts, c.read, c.records('b'));
    expect(swapped.records?.use).toBe('miss');
    expect(plain(swapped.result)).toBe(plain(await replayTrace(f, other, opts)));
  });
});
