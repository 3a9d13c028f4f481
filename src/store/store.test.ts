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
import { isPinbenchError } from '../errors.ts';
import { traceLabel } from '../replay/divergence-identity.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { openStore, type Store } from './store.ts';
import { resolveStoreLocation } from './store-location.ts';
import { MIGRATION_TABLE, MIGRATIONS } from './store-migrations.ts';

const policies = () => FIXTURE_POLICIES.map((id) => fixturePolicy(id));

async function storedRun(store: Store, results: TraceReplayResult[], meta = {}): Promise<number> {
  const id = await store.startRun(meta);
  await store.recordPolicies(id, policies());
  for (const r of results) await store.writeTraceResult(id, r);
  await store.finishRun(id, 'complete', { traces: results.length });
  return id;
}

async function count(store: Store, table: string, runId?: number): Promise<number> {
  const where = runId === undefined ? sql`` : sql`where run_id = ${runId}`;
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${where}`.execute(
    store.db,
  );
  return Number(r.rows[0]!.n);
}

async function countTraces(store: Store, results: TraceReplayResult[]): Promise<number> {
  const shas = [...new Set(results.map((r) => r.sha256))];
  const r = await store.db
    .selectFrom('traces')
    .where('sha256', 'in', shas)
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function expectStoreError(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(isPinbenchError(e), String(e)).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  expect((e as Error).message).toMatch(text);
}

const corpus = (flavor = 0) => [
  makeTraceResult({ trace: 'traces/a.trace', flavor }),
  makeTraceResult({ trace: 'traces/b.trace', scenarios: 4, flavor }),
  makeTraceResult({ trace: 'traces/c.trace', scenarios: 1, calls: 2, integrity: 3 }),
];

for (const kind of STORE_BACKENDS) {
  describe.skipIf(backendSkip(kind) !== null)(`store on ${kind}`, () => {
    const h = useStoreBackend(kind);

    it('applies and records the schema migrations, and refuses a schema from a newer pinbench', async () => {
      const db = await h.newDb();
      const store = await h.open(db);
      const rows = await sql<{
        name: string;
      }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(store.db);
      expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS).sort());
      await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999_from_the_future', '2030-01-01')`.execute(
        store.db,
      );
      await store.close();
      await expectStoreError(
        h.open(db),
        'PB_STORE_SCHEMA',
        /newer pinbench.*9999_from_the_future.*upgrade pinbench/,
      );
    });

    it('stores a run and reads it back: history, totals, verdict matrix, traces, policies', async () => {
      const store = await h.shared();
      const results = corpus();
      const id = await storedRun(store, results, {
        configName: 'nightly-x86',
        gitRevision: 'abc123',
        gitDirty: true,
        options: { policies: ['v5.19'], matrix: [] },
      });
      const run = await store.getRun(id);
      expect(run).toMatchObject({
        id,
        status: 'complete',
        configName: 'nightly-x86',
        gitRevision: 'abc123',
        gitDirty: true,
        options: { policies: ['v5.19'], matrix: [] },
        counts: { traces: 3 },
        traces: 3,
      });
      expect(run.endedAt).toBeInstanceOf(Date);
      const divergences = results.flatMap((r) => r.scenarios.flatMap((s) => s.divergences));
      expect(run.divergences).toBe(divergences.length);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([id]);

      const totals = await store.runTotals(id);
      expect(totals).toMatchObject({
        traces: 3,
        traceErrors: 0,
        scenarios: 8,
        divergences: divergences.length,
        rootDivergences: divergences.filter((d) => d.root).length,
        integrityEvents: 5,
      });
      const verdicts = results.flatMap((r) => r.scenarios.flatMap((s) => s.verdicts));
      expect(totals.verdicts.fail).toBe(verdicts.filter((v) => v.verdict === 'fail').length);
      expect(totals.verdicts.unsupported).toBe(2);
      expect(totals.verdicts.inconclusive).toBe(2);

      const matrix = await store.verdictMatrix(id);
      expect(matrix.map((m) => m.policy)).toEqual([...FIXTURE_POLICIES]);
      expect(matrix[1]!.counts.fail).toBe(
        verdicts.filter((v) => v.policy === 'v6.0-rc1' && v.verdict === 'fail').length,
      );

      const traces = await store.traces(id);
      expect(traces.map((t) => t.trace)).toEqual(['traces/a.trace', 'traces/b.trace', 'traces/c.trace']);
      expect(traces[2]).toMatchObject({
        sha256: results[2]!.sha256,
        layout: 'tracefs',
        ingest: results[2]!.ingest,
        events: results[2]!.events,
        error: null,
      });
      expect(traces[2]!.integrity).toEqual(results[2]!.integrity);

      const pols = await store.policies(id);
      expect(pols.map((p) => p.id)).toEqual([...FIXTURE_POLICIES]);
      expect(pols[1]).toMatchObject({
        kind: 'release',
        commit: '1101fb8f89c5c4bd77c0d2e57ba2ed7d8b1e4d80',
        families: { pinnable: { id: '1101fb8f89c5', release: 'v6.0-rc1' } },
      });
      expect(pols[1]!.moduleHash).toMatch(/^[0-9a-f]{64}$/);

      const page = await store.scenarioVerdicts(id, { verdict: 'fail' });
      expect(page.rows.length).toBe(totals.verdicts.fail);
      expect(page.rows.every((v) => v.policy === 'v6.0-rc1')).toBe(true);
      const finals = await store.finals(id, { trace: 'traces/a.trace', policy: 'v6.0-rc1' });
      expect(finals.map((f) => f.leaks)).toEqual(results[0]!.scenarios.map((s) => s.finals[1]!.leaks));
    });

    it('stores the same trace content once across runs and once per run', async () => {
      const store = await h.shared();
      const a = makeTraceResult({ trace: 'traces/a.trace', content: 'content A' });
      const moved = makeTraceResult({ trace: 'elsewhere/a-copy.trace', content: 'content A' });
      const b = makeTraceResult({ trace: 'traces/b.trace', content: 'content B', matrix: 'pte_special=0' });
      const integrityBefore = await count(store, 'integrity_events');
      const r1 = await storedRun(store, [a, b]);
      const r2 = await store.startRun();
      expect(await store.writeTraceResult(r2, moved)).toBe(true);
      // The same content again in the same run (a file given twice): stored once.
      expect(await store.writeTraceResult(r2, a)).toBe(false);
      expect(await store.writeTraceResult(r2, b)).toBe(true);
      await store.finishRun(r2, 'complete');
      expect(await countTraces(store, [a, moved, b])).toBe(2);
      expect((await count(store, 'integrity_events')) - integrityBefore).toBe(2);
      // The label results show, and the identity resume matches on.
      expect((await store.tracesDone(r2)).map((t) => [t.trace, t.source, t.matrix])).toEqual([
        ['elsewhere/a-copy.trace', 'elsewhere/a-copy.trace', ''],
        ['traces/b.trace [pte_special=0]', 'traces/b.trace', 'pte_special=0'],
      ]);
      expect(await count(store, 'divergences', r1)).toBe(await count(store, 'divergences', r2));
      // Same content under another matrix label is another result of the same trace.
      const r3 = await store.startRun();
      expect(await store.writeTraceResult(r3, a)).toBe(true);
      expect(
        await store.writeTraceResult(r3, { ...a, identity: { ...a.identity, matrix: 'pte_special=0' } }),
      ).toBe(true);
      await store.finishRun(r3, 'partial');
      expect(await count(store, 'run_traces', r3)).toBe(2);
      expect(await countTraces(store, [a, b])).toBe(2);
    });

    it('exports NDJSON that reproduces the replay records key for key, outcomes on request', async () => {
      const store = await h.shared();
      const results = [
        makeTraceResult({ trace: 'traces/b.trace', outcomes: true }),
        makeTraceResult({ trace: 'traces/a.trace', matrix: 'pte_special=0', scenarios: 4, outcomes: true }),
      ];
      // Keys the contract gains later (model.md: add keys freely) come back too.
      Object.assign(results[0]!.scenarios[0]!.divergences[0]!, { confidence: 'high', cascadeOf: null });
      Object.assign(results[0]!.scenarios[1]!.verdicts[2]!, { durationMs: 3 });
      Object.assign(results[0]!.scenarios[1]!.finals[0]!, { rssDelta: { anon: -1 } });
      const id = await storedRun(store, results, { outcomes: true });
      let out = '';
      const n = await store.exportNdjson(id, (chunk) => {
        out += chunk;
      });
      const expected = [...results]
        .sort((x, y) => (traceLabel(x.identity) < traceLabel(y.identity) ? -1 : 1))
        .flatMap(exportedRecords)
        .map((r) => JSON.stringify(r));
      expect(out.trimEnd().split('\n')).toEqual(expected);
      expect(n).toBe(expected.length);
      for (const line of out.trimEnd().split('\n')) {
        const rec = JSON.parse(line) as Record<string, unknown>;
        const keys: Record<string, string[]> = {
          divergence: [
            'type',
            'trace',
            'scenario',
            'seq',
            'line',
            'event',
            'text',
            'signature',
            'root',
            'classes',
            'context',
          ],
          final: [
            'type',
            'trace',
            'scenario',
            'policy',
            'leaks',
            'pinsAcquired',
            'pinsReleased',
            'lockedVm',
            'bugs',
            'warnings',
            'longtermUnpinnable',
          ],
          verdict: ['type', 'trace', 'scenario', 'policy', 'verdict', 'failed'],
        };
        for (const k of keys[rec.type as string]!) expect(rec).toHaveProperty(k);
      }

      let withOutcomes = '';
      await store.exportNdjson(
        id,
        (c) => {
          withOutcomes += c;
        },
        { outcomes: true },
      );
      const recs = withOutcomes
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      const outcomes = results.flatMap((r) =>
        r.scenarios.flatMap((s) =>
          s.outcomes.map((o) => (r.identity.matrix ? { ...o, matrix: r.identity.matrix } : o)),
        ),
      );
      expect(recs.filter((r) => r.type === 'outcome')).toEqual(
        expect.arrayContaining(outcomes.map((o) => expect.objectContaining(o))),
      );
      expect(recs.filter((r) => r.type === 'outcome').length).toBe(outcomes.length);
      // Outcomes of a call come before its divergence.
      const firstDiv = recs.findIndex((r) => r.type === 'divergence');
      expect(recs[firstDiv - 1]?.type).toBe('outcome');
    });

    it('diffs two runs: new, fixed and unchanged divergences by signature, verdict changes', async () => {
      const store = await h.shared();
      const a1 = makeTraceResult({ trace: 'a.trace' });
      const b1 = makeTraceResult({ trace: 'b.trace' });
      const gone = makeTraceResult({ trace: 'gone.trace', scenarios: 1 });
      const runA = await storedRun(store, [a1, b1, gone]);
      const a2 = makeTraceResult({ trace: 'a.trace' }); // unchanged
      const b2 = makeTraceResult({ trace: 'b.trace', flavor: 1 }); // changed outcome: new signatures
      const added = makeTraceResult({ trace: 'added.trace', scenarios: 1, diverge: () => false });
      const runB = await storedRun(store, [a2, b2, added]);
      const sigs = (...rs: TraceReplayResult[]) =>
        rs.flatMap((r) => r.scenarios.flatMap((s) => s.divergences.map((d) => d.signature))).sort();
      const diff = await store.diffRuns(runA, runB);
      expect(diff.new.map((d) => d.signature).sort()).toEqual(sigs(b2));
      expect(diff.fixed.map((d) => d.signature).sort()).toEqual(sigs(b1, gone));
      expect(diff.unchanged.map((d) => d.signature).sort()).toEqual(sigs(a2));
      expect(diff.new[0]).toMatchObject({ trace: 'b.trace', classes: [['v5.19', 'v6.0-rc3'], ['v6.0-rc1']] });
      // gone.trace's verdicts vanish, added.trace's appear; a.trace and b.trace verdicts are equal.
      const changed = (trace: string) => diff.verdictChanges.filter((c) => c.trace === trace);
      expect([...new Set(diff.verdictChanges.map((c) => c.trace))].sort()).toEqual([
        'added.trace',
        'gone.trace',
      ]);
      expect(changed('gone.trace').every((c) => c.after === null && c.before !== null)).toBe(true);
      expect(changed('added.trace').every((c) => c.before === null && c.after === 'pass')).toBe(true);
      const same = await store.diffRuns(runB, runB);
      expect(same.new).toEqual([]);
      expect(same.fixed).toEqual([]);
      expect(same.verdictChanges).toEqual([]);
      await expectStoreError(store.diffRuns(runA, 99999), 'PB_STORE', /no run 99999/);
    });

    it('stores divergence titles and expected verdicts; rows from before migration 0003 still read', async () => {
      const store = await h.open(await h.newDb());
      const r = makeTraceResult({ trace: 'a.trace' });
      r.scenarios[0]!.verdicts[0]!.expected = 'fail';
      const runId = await storedRun(store, [r]);
      const d = r.scenarios[0]!.divergences[0]!;
      const [back] = (await store.divergences(runId, { rootOnly: true }, { limit: 1 })).rows;
      expect(back?.title).toBe(d.title);
      const v = (await store.scenarioVerdicts(runId, {}, { limit: 1 })).rows[0]!;
      expect(v.expected).toBe('fail');
      // A database written before the columns existed has nulls: readers fall back.
      await sql`update divergence_rows set title = null`.execute(store.db);
      await sql`update scenario_verdicts set expected = null`.execute(store.db);
      const [old] = (await store.divergences(runId, { rootOnly: true }, { limit: 1 })).rows;
      expect(old?.title).toBe(d.title);
      expect((await store.scenarioVerdicts(runId, {}, { limit: 1 })).rows[0]!.expected).toBeUndefined();
      await store.close();
    });

    it('groups divergences into kinds; a database from before migration 0005 gets them on open', async () => {
      const db = await h.newDb();
      const store = await h.open(db);
      const runId = await storedRun(store, corpus());
      const rows = async (s: Store) =>
        (await s.divergences(runId, {}, { limit: 10_000 })).rows.map((d) => [d.signature, d.kind]);
      const before = await rows(store);
      expect(before.length).toBeGreaterThan(0);
      // Every occurrence of a signature has one kind; kinds are fewer than identities here.
      const kindOf = new Map<string, string>();
      for (const [sig, kind] of before) {
        expect(kind).toMatch(/^[0-9a-f]{16}$/);
        expect(kindOf.get(sig!) ?? kind).toBe(kind);
        kindOf.set(sig!, kind!);
      }
      const counts = await store.kindCount(runId);
      expect(counts).toEqual({ kinds: new Set(kindOf.values()).size, divergences: before.length });
      const partitions = await sql<{ ok: boolean }>`
        select bool_and(partition::jsonb = jsonb_path_query_array(classes::jsonb, '$[*].policies')) as ok
        from divergences`.execute(store.db);
      expect(partitions.rows[0]!.ok).toBe(true);
      // As written before 0005: no kind, partition or kinds table, and the migration unrecorded
      // (0007's compact tables turned back into the plain ones first).
      await undoContentOnce(store.db);
      await sql`drop index divergences_run_kind`.execute(store.db);
      await sql`alter table divergences drop column kind, drop column partition`.execute(store.db);
      await sql`drop table divergence_kinds`.execute(store.db);
      // Migrations after 0005 (0006's repro tables, empty here) go too: a database written before
      // 0005 had none of them, and kysely requires the executed list to be a prefix.
      await sql`drop table order_dependence, policy_sources, scenario_slices, stored_texts`.execute(store.db);
      await sql`delete from ${sql.table(MIGRATION_TABLE)} where name >= '0005'`.execute(store.db);
      await store.close();
      const reopened = await h.open(db);
      expect(await rows(reopened)).toEqual(before);
      expect(await reopened.kindCount(runId)).toEqual(counts);
      await reopened.close();
    });

    it('accepts a signature and expires the acceptance when an involved policy changes', async () => {
      const store = await h.open(await h.newDb());
      const r = makeTraceResult({ trace: 'a.trace' });
      await storedRun(store, [r]);
      const sig = r.scenarios[0]!.divergences[0]!.signature;
      const entry = await store.accept(sig, 'known: zero page livelock, fixed in v6.0-rc3');
      expect(Object.keys(entry.moduleHashes).sort()).toEqual([...FIXTURE_POLICIES].sort());
      expect((await store.acceptedSignatures()).map((t) => t.signature)).toEqual([sig]);
      const run2 = await store.startRun();
      await store.recordPolicies(run2, [fixturePolicy('v5.19'), fixturePolicy('v6.0-rc3')]);
      await store.writeTraceResult(run2, r);
      await store.finishRun(run2, 'complete');
      const unaccepted = await store.divergences(run2, { unacceptedOnly: true }, { limit: 1000 });
      expect(unaccepted.rows.map((d) => d.signature)).not.toContain(sig);
      expect(unaccepted.rows.length).toBe(r.scenarios.flatMap((s) => s.divergences).length - 1);
      // A policy that is not in the newer run keeps its hash: still accepted.
      expect((await store.acceptedSignatures()).map((t) => t.signature)).toEqual([sig]);

      const run3 = await store.startRun();
      await store.recordPolicies(run3, [fixturePolicy('v6.0-rc1', 'v2: zero page pinnable again')]);
      await store.finishRun(run3, 'complete');
      expect(await store.acceptedSignatures()).toEqual([]);
      const [t] = await store.triage();
      expect(t).toMatchObject({ signature: sig, expired: true, changed: ['v6.0-rc1'] });
      // Against explicit current hashes, equal to the accepted ones: in force again.
      expect(await store.acceptedSignatures(entry.moduleHashes)).toHaveLength(1);
      // Re-accepting records the new hashes.
      await store.accept(sig, 'still expected after the v2 change');
      expect((await store.acceptedSignatures()).map((x) => x.note)).toEqual([
        'still expected after the v2 change',
      ]);
      await expectStoreError(store.accept('0123456789abcdef', 'x'), 'PB_STORE', /no stored divergence/);
      await expectStoreError(store.accept('not-hex', 'x'), 'PB_STORE', /not a divergence signature/);
    });

    it('pages divergences by keyset with filters, and finds one by signature with its classes', async () => {
      const store = await h.shared();
      const results = [
        makeTraceResult({ trace: 'traces/a.trace', content: 'paging a' }),
        makeTraceResult({ trace: 'traces/b.trace', content: 'paging b', scenarios: 4 }),
      ];
      const id = await storedRun(store, results);
      const all = results.flatMap((r) => r.scenarios.flatMap((s) => s.divergences));
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await store.divergences(id, {}, { after, limit: 2 });
        seen.push(...page.rows.map((d) => d.signature));
        after = page.next;
        pages++;
      } while (after);
      expect(seen.length).toBe(all.length);
      expect(new Set(seen).size).toBe(all.length);
      expect(pages).toBe(Math.ceil(all.length / 2));

      const roots = await store.divergences(id, { rootOnly: true }, { limit: 1000 });
      expect(roots.rows.length).toBe(all.filter((d) => d.root).length);
      const byPolicy = await store.divergences(id, { policy: 'v6.0-rc1' }, { limit: 1000 });
      expect(byPolicy.rows.length).toBe(all.length);
      expect((await store.divergences(id, { policy: 'v9.9' })).rows).toEqual([]);
      const bySha = await store.divergences(id, { trace: results[1]!.sha256, scenario: 'vfio-map-2' });
      expect(bySha.rows.map((d) => d.signature)).toEqual(
        results[1]!.scenarios[2]!.divergences.map((d) => d.signature),
      );

      const want = results[1]!.scenarios[2]!.divergences[0]!;
      const found = await store.divergence(want.signature);
      expect(found?.runId).toBe(id);
      const { matrix: _m, sha256: _s, kind: _k, identity, ...rec } = found!.occurrences[0]!;
      expect(rec).toEqual(want);
      expect(identity).toEqual({ source: 'traces/b.trace', name: 'b.trace', matrix: '' });
      expect(await store.divergence('ffffffffffffffff')).toBeNull();
      await expectStoreError(store.divergences(id, {}, { after: 'garbage' }), 'PB_STORE', /page cursor/);
    });

    it('marks an interrupted run incomplete, resumes it without duplicating rows', async () => {
      let store = await h.shared();
      const results = corpus();
      const id = await store.startRun({ options: { traces: results.map((r) => traceLabel(r.identity)) } });
      await store.recordPolicies(id, policies());
      await store.writeTraceResult(id, results[0]!);
      expect((await store.getRun(id)).status).toBe('running');
      store = await h.shared({ reopen: true });
      expect((await store.getRun(id)).status).toBe('incomplete');
      const { run, done } = await store.resumeRun(id);
      expect(run.status).toBe('running');
      expect(run.options).toEqual({ traces: results.map((r) => traceLabel(r.identity)) });
      const first = results[0]!;
      expect(done).toEqual([
        {
          trace: traceLabel(first.identity),
          source: first.identity.source,
          sha256: first.sha256,
          matrix: '',
        },
      ]);
      await store.recordPolicies(id, policies());
      for (const r of results) await store.writeTraceResult(id, r);
      await store.finishRun(id, 'complete');
      expect((await store.getRun(id)).traces).toBe(3);
      expect(await count(store, 'divergences', id)).toBe(
        results.flatMap((r) => r.scenarios.flatMap((s) => s.divergences)).length,
      );
      expect(await count(store, 'policies', id)).toBe(3);
      await expectStoreError(store.resumeRun(id), 'PB_STORE', /is complete: only an incomplete run/);
      await expectStoreError(store.writeTraceResult(id, results[0]!), 'PB_STORE', /not open for writing/);
      await expectStoreError(store.getRun(424242), 'PB_STORE', /no run 424242/);
      await expectStoreError(store.resolveRun('last-week'), 'PB_STORE', /not a run id/);
      expect((await store.resolveRun('latest')).id).toBe(id);
    });

    it('finds the previous complete run of the same config', async () => {
      const store = await h.shared();
      const r = [makeTraceResult({ trace: 'a.trace', scenarios: 1 })];
      const n1 = await storedRun(store, r, { configName: 'prev-nightly' });
      const other = await storedRun(store, r, { configName: 'prev-weekly' });
      const broken = await store.startRun({ configName: 'prev-nightly' });
      await store.finishRun(broken, 'incomplete');
      const n2 = await storedRun(store, r, { configName: 'prev-nightly' });
      expect((await store.previousCompletedRun(n2))?.id).toBe(n1);
      expect((await store.previousCompletedRun(n2, 'prev-weekly'))?.id).toBe(other);
      expect(await store.previousCompletedRun(n1)).toBeNull();
      expect((await store.listRuns({ configName: 'prev-nightly' })).map((x) => [x.id, x.status])).toEqual([
        [n2, 'complete'],
        [broken, 'incomplete'],
        [n1, 'complete'],
      ]);
    });

    it('stores unreadable traces and text PostgreSQL cannot hold', async () => {
      const store = await h.shared();
      const bad = makeTraceResult({ trace: 'broken.trace.gz', error: true });
      const nul = makeTraceResult({ trace: 'nul.trace', scenarios: 1 });
      nul.scenarios[0]!.divergences[0]!.text = 'pinbench_call: gup\0 addr=0x1';
      nul.scenarios[0]!.divergences[0]!.classes[0]!.why.push('odd \u0000 byte');
      const id = await storedRun(store, [bad, nul]);
      const traces = await store.traces(id);
      expect(traces[0]).toMatchObject({ trace: 'broken.trace.gz', error: bad.error, scenarios: 0 });
      expect(traces[0]!.sha256).toMatch(/^unread:[0-9a-f]{64}$/);
      const [d] = (await store.divergences(id, { trace: 'nul.trace' })).rows;
      expect(d!.text).toBe('pinbench_call: gup\uFFFD addr=0x1');
      expect(d!.classes[0]!.why.at(-1)).toBe('odd \uFFFD byte');
      expect((await store.runTotals(id)).traceErrors).toBe(1);
    });

    it('keeps every row when two runs write at once', async () => {
      const s1 = await h.shared();
      // PostgreSQL: a second client with its own pool, as another process; PGlite: one store.
      const s2 = kind === 'postgres' ? await h.open(await h.sharedDb()) : s1;
      const shared = Array.from({ length: 12 }, (_, i) =>
        makeTraceResult({ trace: `shared-${i}.trace`, scenarios: 2 }),
      );
      const own = (tag: string) =>
        Array.from({ length: 8 }, (_, i) => makeTraceResult({ trace: `${tag}-${i}.trace`, scenarios: 2 }));
      const write = async (store: Store, results: TraceReplayResult[]) => {
        const id = await store.startRun();
        await store.recordPolicies(id, policies());
        for (const r of results) await store.writeTraceResult(id, r);
        await store.finishRun(id, 'complete');
        return id;
      };
      const one = own('one');
      const two = own('two');
      const [id1, id2] = await Promise.all([
        write(s1, [...shared, ...one]),
        write(s2, [...two, ...[...shared].reverse()]),
      ]);
      const perTrace = shared[0]!.scenarios.flatMap((s) => s.divergences).length;
      for (const id of [id1!, id2!]) {
        expect(await count(s1, 'run_traces', id)).toBe(20);
        expect(await count(s1, 'divergences', id)).toBe(20 * perTrace);
        expect(await count(s1, 'scenario_results', id)).toBe(20 * 2 * 3);
        expect((await s1.getRun(id)).status).toBe('complete');
      }
      expect(await countTraces(s1, [...shared, ...one, ...two])).toBe(12 + 8 + 8);
    });
  });
}

describe('store errors that need no database', () => {
  it('names an unreachable PostgreSQL server without its password', async () => {
    const url = 'postgres://pinbench:s3cret@127.0.0.1:1/results';
    const e = await openStore({ db: url }).then(
      () => null,
      (err: unknown) => err as Error & { code: string },
    );
    expect(e?.code).toBe('PB_STORE');
    expect(e?.message).toContain('postgres://pinbench@127.0.0.1:1/results');
    expect(e?.message).not.toContain('s3cret');
    expect(e?.message).toMatch(/ECONNREFUSED/);
  });

  it('resolves --db, then PINBENCH_DB, then .pinbench/db under the working directory', () => {
    expect(resolveStoreLocation({ cwd: '/w', env: {} })).toEqual({
      kind: 'pglite',
      dir: '/w/.pinbench/db',
      display: '/w/.pinbench/db',
    });
    expect(resolveStoreLocation({ cwd: '/w', env: { PINBENCH_DB: 'results' } })).toMatchObject({
      dir: '/w/results',
    });
    expect(
      resolveStoreLocation({
        db: 'postgresql://u:pw@db:5433/pb?sslmode=require',
        cwd: '/w',
        env: { PINBENCH_DB: 'x' },
      }),
    ).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:pw@db:5433/pb?sslmode=require',
      display: 'postgresql://u@db:5433/pb?sslmode=require',
    });
  });

  it('refuses a --db that is neither a directory nor a PostgreSQL URL', async () => {
    await expectStoreError(
      openStore({ db: 'mysql://x@y/z' }),
      'PB_USAGE',
      /neither a directory nor a postgres/,
    );
  });
});
