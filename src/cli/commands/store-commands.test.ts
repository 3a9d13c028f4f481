import { describe, expect, it } from 'vitest';
import { captureIo } from '../../../test/support/cli-io.ts';
import { backendSkip, useStoreBackend } from '../../../test/support/store-backends.ts';
import {
  exportedRecords,
  FIXTURE_POLICIES,
  fixturePolicy,
  makeTraceResult,
} from '../../../test/support/trace-results.ts';
import type { TraceReplayResult } from '../../replay/results.ts';
import type { Store } from '../../store/store.ts';
import { main } from '../main.ts';

function capture(env: NodeJS.ProcessEnv = {}) {
  return captureIo({ env });
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const c = capture(env);
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

async function store2Runs(store: Store) {
  const first = [makeTraceResult({ trace: 'a.trace' }), makeTraceResult({ trace: 'b.trace', scenarios: 1 })];
  const second = [
    makeTraceResult({ trace: 'a.trace' }),
    makeTraceResult({ trace: 'b.trace', scenarios: 1, flavor: 2 }),
  ];
  const ids: number[] = [];
  for (const [i, results] of [first, second].entries()) {
    const id = await store.startRun({
      configName: 'nightly',
      gitRevision: `deadbeef${i}cafe0000`,
      gitDirty: i === 1,
    });
    await store.recordPolicies(
      id,
      FIXTURE_POLICIES.map((p) => fixturePolicy(p)),
    );
    for (const r of results) await store.writeTraceResult(id, r);
    await store.finishRun(id, 'complete');
    ids.push(id);
  }
  return { ids, first, second };
}

const sigs = (rs: TraceReplayResult[]) =>
  rs.flatMap((r) => r.scenarios.flatMap((s) => s.divergences.map((d) => d.signature)));

describe('runs, diff, accept, export on PGlite', () => {
  const h = useStoreBackend('pglite');

  it('lists, compares, accepts and exports stored runs', async () => {
    const db = await h.newDb();
    const store = await h.open(db);
    expect((await cli(['runs', '--db', db])).code).toBe(3); // still open here: locked (the environment)
    await store.close();
    expect((await cli(['runs', '--db', db])).out).toMatch(/^no runs in .* yet/);
    const again = await h.open(db);
    const { ids, first, second } = await store2Runs(again);
    await again.close();
    const [r1, r2] = ids as [number, number];

    const runs = await cli(['runs', '--db', db]);
    expect(runs.code).toBe(0);
    const lines = runs.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+STARTED \(UTC\)\s+STATUS\s+CONFIG\s+POLICIES AT\s+TRACES\s+DIVERGENCES\s+FAILS$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^\\s*${r2}\\s.*complete\\s+nightly\\s+deadbeef1caf\\+dirty\\s+2\\s`),
    );
    expect(lines[2]).toMatch(new RegExp(`^\\s*${r1}\\s.*complete\\s+nightly\\s+deadbeef0caf\\s`));
    // PINBENCH_DB names the database when --db does not.
    const json = await cli(['runs', '--json', '--limit', '1'], { PINBENCH_DB: db });
    const objs = json.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(1);
    expect(objs[0]).toMatchObject({ id: r2, status: 'complete', configName: 'nightly', traces: 2 });

    const diff = await cli(['diff', String(r1), String(r2), '--db', db]);
    expect(diff.code).toBe(0);
    const changed = sigs(second.slice(1));
    expect(diff.out).toContain(`run ${r1} -> run ${r2}: ${changed.length} new, ${changed.length} gone`);
    for (const s of changed) expect(diff.out).toContain(s);
    expect(diff.out).toContain('{v5.19,v6.0-rc3} != {v6.0-rc1}');
    const diffJson = JSON.parse((await cli(['diff', String(r2), '--json', '--db', db])).out) as {
      a: number;
      new: { signature: string }[];
      fixed: { signature: string }[];
    };
    expect(diffJson.a).toBe(r1);
    expect(diffJson.fixed.map((d) => d.signature).sort()).toEqual(sigs(first.slice(1)).sort());
    const missing = await cli(['diff', String(r1), '999', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no run 999');

    const sig = changed[0]!;
    const noNote = await cli(['accept', sig, '--db', db]);
    expect(noNote.code).toBe(2);
    expect(noNote.err).toContain('--note');
    const ok = await cli(['accept', sig, '--note', 'expected: zero page change', '--db', db]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`accepted ${sig} until one of v5.19, v6.0-rc1, v6.0-rc3 changes`);
    expect((await cli(['accept', 'abcdef0123456789', '--note', 'x', '--db', db])).code).toBe(2);
    expect((await cli(['accept', '--list', '--db', db])).out).toContain(`${sig}  accepted`);

    // Divergence kinds: diff counts them; accept --kind accepts every identity of one kind.
    expect(diff.out).toMatch(/^kinds: \d+ new, \d+ gone, \d+ still$/m);
    const check = await h.open(db);
    const kind = (await check.divergences(r2, { signature: changed[1] ?? sig })).rows[0]!.kind!;
    const ofKind = await check.kindSignatures(kind);
    await check.close();
    expect(ofKind.length).toBeGreaterThan(0);
    const byKind = await cli(['accept', '--kind', kind, '--note', 'one kind, reviewed', '--db', db]);
    expect(byKind.code, byKind.err).toBe(0);
    expect(byKind.out).toContain(`accepted ${ofKind.length} divergence identit`);
    const listed = (await cli(['accept', '--list', '--db', db])).out;
    for (const s of ofKind) expect(listed).toContain(`${s}  accepted`);
    expect((await cli(['accept', '--kind', 'ffffffffffffffff', '--note', 'x', '--db', db])).code).toBe(2);
    expect((await cli(['accept', '--kind', 'nothex', '--note', 'x', '--db', db])).code).toBe(2);

    const exp = await cli(['export', '--db', db]);
    expect(exp.code).toBe(0);
    expect(exp.out.trimEnd().split('\n')).toEqual(
      second.flatMap(exportedRecords).map((r) => JSON.stringify(r)),
    );
    const exp1 = await cli(['export', '--format', 'ndjson', '--run', String(r1), '--db', db]);
    expect(exp1.out.trimEnd().split('\n').length).toBe(first.flatMap(exportedRecords).length);
    const csv = await cli(['export', '--format', 'csv', '--db', db]);
    expect(csv.code).toBe(2);
    expect(csv.err).toContain('only export format is ndjson');
    expect((await cli(['export', '--outcomes', '--db', db])).err).toContain('stored without outcomes');
  });
});

describe.skipIf(backendSkip('postgres') !== null)('runs on PostgreSQL', () => {
  const h = useStoreBackend('postgres');

  it('reads a server database with --db postgres://', async () => {
    const db = await h.newDb();
    const store = await h.open(db);
    await store2Runs(store);
    const runs = await cli(['runs', '--json', '--db', db]);
    expect(runs.code).toBe(0);
    expect(runs.out.trimEnd().split('\n')).toHaveLength(2);
  });
});

describe('bad --db', () => {
  it('exits 3 (the environment) naming an unreachable server without its password', async () => {
    const r = await cli(['runs', '--db', 'postgres://bench:hunter2@127.0.0.1:1/results']);
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      'cannot connect to the PostgreSQL server at postgres://bench@127.0.0.1:1/results',
    );
    expect(r.err).not.toContain('hunter2');
  });
});
