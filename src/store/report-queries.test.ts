/**
 * The report's reads against every backend: the batched divergence stream and the index stream
 * give exactly what `Store.divergences` lists, in its order (across traces, matrix labels and
 * scenarios, whatever the batch size); offset pages, scenario counts and verdict keys agree.
 */
import { describe, expect, it } from 'vitest';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from '../../test/support/store-backends.ts';
import { FIXTURE_POLICIES, fixturePolicy, makeTraceResult } from '../../test/support/trace-results.ts';
import { divergenceRow } from './divergence-row.ts';
import { reportReads } from './report-queries.ts';
import type { Store, StoredDivergence } from './store.ts';

async function fixtureRun(store: Store): Promise<number> {
  const id = await store.startRun({ configName: 'report-queries' });
  await store.recordPolicies(
    id,
    FIXTURE_POLICIES.map((p) => fixturePolicy(p)),
  );
  const results = [
    makeTraceResult({ trace: 'traces/b.trace', scenarios: 4, calls: 10 }),
    makeTraceResult({ trace: 'traces/a.trace', scenarios: 3, calls: 8, matrix: 'pte_special=0' }),
    makeTraceResult({ trace: 'traces/a.trace', scenarios: 3, calls: 8, matrix: 'Pte_special=1' }),
    makeTraceResult({ trace: 'traces/c.trace', scenarios: 2, calls: 20, diverge: () => true }),
  ];
  for (const r of results) await store.writeTraceResult(id, r);
  await store.finishRun(id, 'complete');
  return id;
}

async function listed(store: Store, runId: number): Promise<StoredDivergence[]> {
  const out: StoredDivergence[] = [];
  let after: string | null = null;
  do {
    const page = await store.divergences(runId, {}, { after, limit: 10_000 });
    out.push(...page.rows);
    after = page.next;
  } while (after);
  return out;
}

describe.each(STORE_BACKENDS)('report queries (%s)', (kind) => {
  const h = useStoreBackend(kind);
  describe.skipIf(backendSkip(kind) !== null)('reads', () => {
    it('streams every divergence in list order, whatever the batch size', async () => {
      const store = await h.shared();
      const runId = await fixtureRun(store);
      const reads = reportReads(store);
      const expected = await listed(store, runId);
      expect(expected.length).toBeGreaterThan(40);
      for (const size of [1, 7, 5000]) {
        const got: StoredDivergence[] = [];
        for await (const rows of reads.streamDivergences(runId, size)) got.push(...rows);
        expect(got).toEqual(expected);
        const index: unknown[] = [];
        for await (const rows of reads.streamDivergenceRows(runId, size)) index.push(...rows);
        // The one row shape (divergence-row.ts) read two ways: slim from the store, or from a full row.
        expect(index).toEqual(expected.map(divergenceRow));
        expect(expected.every((d) => /^[0-9a-f]{16}$/.test(d.kind ?? ''))).toBe(true);
      }
      for (const [offset, limit] of [
        [0, 200],
        [5, 9],
        [17, 1],
        [23, 30],
        [expected.length - 2, 200],
        [expected.length + 5, 10],
      ] as const) {
        expect(await reads.divergencesAt(runId, offset, limit)).toEqual(
          expected.slice(offset, offset + limit),
        );
      }

      const scenarios = await reads.scenarios(runId);
      expect(scenarios).toHaveLength(12);
      expect(scenarios.reduce((n, s) => n + s.divergences, 0)).toBe(expected.length);
      expect(scenarios.reduce((n, s) => n + s.roots, 0)).toBe(expected.filter((d) => d.root).length);
      const verdicts = await reads.verdicts(runId);
      expect(verdicts).toHaveLength(12 * FIXTURE_POLICIES.length);
      const keys = new Set(scenarios.map((s) => `${s.traceId}/${s.matrix}/${s.sidx}`));
      expect(verdicts.every((v) => keys.has(`${v.traceId}/${v.matrix}/${v.sidx}`))).toBe(true);
    });
  });
});
