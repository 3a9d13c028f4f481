/**
 * Migration 0007 (content-once-migration.ts): results are stored once by content, one verdict
 * and one final row per scenario, context as ranges of trace lines; every reader sees the rows
 * it saw before, for runs written after it and for runs written before it (converted on open).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from '../../test/support/store-backends.ts';
import {
  exportedRecords,
  FIXTURE_POLICIES,
  fixturePolicy,
  makeTraceResult,
} from '../../test/support/trace-results.ts';
import { undoContentOnce } from '../../test/support/undo-content-once.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import type { Store } from './store.ts';

async function storedRun(store: Store, results: TraceReplayResult[]): Promise<number> {
  const id = await store.startRun({ outcomes: false });
  await store.recordPolicies(
    id,
    FIXTURE_POLICIES.map((p) => fixturePolicy(p)),
  );
  for (const r of results) await store.writeTraceResult(id, r);
  await store.finishRun(id, 'complete', { traces: results.length });
  return id;
}

async function ndjson(store: Store, runId: number): Promise<string[]> {
  let out = '';
  await store.exportNdjson(runId, (chunk) => {
    out += chunk;
  });
  return out.trimEnd().split('\n');
}

async function rows(store: Store, table: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(store.db);
  return Number(r.rows[0]!.n);
}

function corpus(): TraceReplayResult[] {
  const a = makeTraceResult({ trace: 'traces/a.trace', scenarios: 4, calls: 9 });
  const b = makeTraceResult({ trace: 'traces/b.trace', matrix: 'pte_special=0', scenarios: 2 });
  // Keys beyond the columns, a reason and a failed assertion come back too.
  Object.assign(a.scenarios[1]!.verdicts[2]!, { reason: 'why not', failed: ['ret==0'] });
  Object.assign(a.scenarios[1]!.verdicts[2]!, { durationMs: 3 });
  Object.assign(a.scenarios[1]!.finals[0]!, { rssDelta: { anon: -1 } });
  // A context that is not consecutive lines keeps its own lines.
  const d = a.scenarios[0]!.divergences[0]!;
  d.context = [d.context[0]!, { line: d.line + 100, text: 'far away' }];
  return [a, b];
}

for (const kind of STORE_BACKENDS) {
  describe.skipIf(backendSkip(kind) !== null)(`migration 0007 on ${kind}`, () => {
    const h = useStoreBackend(kind);

    it('stores verdicts and finals once per scenario, payloads once by content, and reads them back as written', async () => {
      const store = await h.open(await h.newDb());
      const results = corpus();
      const runId = await storedRun(store, results);
      const expected = results.flatMap(exportedRecords).map((r) => JSON.stringify(r));
      expect(await ndjson(store, runId)).toEqual(expected);
      const scenarios = results.reduce((n, r) => n + r.scenarios.length, 0);
      expect(await rows(store, 'scenario_verdicts')).toBe(scenarios);
      expect(await rows(store, 'scenario_finals')).toBe(scenarios);
      expect(await rows(store, 'scenario_results')).toBe(scenarios * FIXTURE_POLICIES.length);
      const divergences = results.flatMap((r) => r.scenarios.flatMap((s) => s.divergences));
      // Every class payload and partition once: fewer contents than the classes that use them.
      const classes = divergences.reduce((n, d) => n + d.classes.length, 0);
      expect(await rows(store, 'divergence_contents')).toBeLessThan(classes);
      const ranges = await sql<{ ranged: number; own: number }>`
        select count(*) filter (where context is null)::int as ranged, count(*) filter (where context is not null)::int as own
        from divergence_rows`.execute(store.db);
      expect(ranges.rows[0]).toEqual({ ranged: divergences.length - 1, own: 1 });
      // A second run of the same traces adds no trace lines and no contents.
      const lines = await rows(store, 'trace_lines');
      const contents = await rows(store, 'divergence_contents');
      const again = await storedRun(store, corpus());
      expect(await rows(store, 'trace_lines')).toBe(lines);
      expect(await rows(store, 'divergence_contents')).toBe(contents);
      expect(await ndjson(store, again)).toEqual(expected);
    });

    it('converts a database written before it: same exports, verdict matrix and divergences', async () => {
      const db = await h.newDb();
      const store = await h.open(db);
      const results = corpus();
      const runId = await storedRun(store, results);
      const before = {
        ndjson: await ndjson(store, runId),
        verdicts: (await store.scenarioVerdicts(runId, {}, { limit: 1000 })).rows,
        finals: await store.finals(runId),
        divergences: (await store.divergences(runId, {}, { limit: 1000 })).rows,
        diff: await store.diffRuns(runId, runId),
      };
      await undoContentOnce(store.db);
      expect(await rows(store, 'scenario_results')).toBe(before.verdicts.length);
      await store.close();
      const reopened = await h.open(db);
      expect(await ndjson(reopened, runId)).toEqual(before.ndjson);
      expect((await reopened.scenarioVerdicts(runId, {}, { limit: 1000 })).rows).toEqual(before.verdicts);
      expect(await reopened.finals(runId)).toEqual(before.finals);
      expect((await reopened.divergences(runId, {}, { limit: 1000 })).rows).toEqual(before.divergences);
      expect(await reopened.diffRuns(runId, runId)).toEqual(before.diff);
      expect(await rows(reopened, 'scenario_verdicts')).toBe(
        results.reduce((n, r) => n + r.scenarios.length, 0),
      );
      const own = await sql<{
        n: number;
      }>`select count(*)::int as n from divergence_rows where context is not null`.execute(reopened.db);
      expect(Number(own.rows[0]!.n)).toBe(1);
      const verify = await reopened.verifyRun(runId);
      expect(verify.problems).toEqual([]);
    });
  });
}
