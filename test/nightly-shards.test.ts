/**
 * Sharding over one real PostgreSQL server: three `pinbench run --shard I/3 --run-id R` processes'
 * worth of work (separate stores, separate sessions, started out of order and concurrently) form
 * one run equal to the unsharded run of the same corpus: the same verdicts, the same divergence
 * signatures. Plus the guard rails: a finished run takes no more shards, a shard count that
 * disagrees is refused, a sharded run cannot be `--resume`d, and `--create-run` hands out an id
 * (on both backends: PGlite runs shards one after another, its directory lock excluding others).
 *
 * Without PostgreSQL binaries this is skipped with a message, except in CI, where it fails.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../src/cli/command.ts';
import { main } from '../src/cli/main.ts';
import { listShards } from '../src/store/shard-runs.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from './support/store-backends.ts';

// A working directory of its own (the shipped traces linked in), so the reports the last shard
// writes land in a temp dir, not in the checkout.
const WORK = mkdtempSync(join(tmpdir(), 'pinbench-shards-'));
symlinkSync(resolve('traces'), join(WORK, 'traces'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const io: CommandIo = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: WORK };
  const code = await main(args, io);
  return { code, out, err };
}

async function verdicts(store: Store, runId: number): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  do {
    const page = await store.scenarioVerdicts(runId, {}, { after, limit: 5000 });
    for (const v of page.rows)
      out.push(`${v.trace}|${v.matrix}|${v.scenario}|${v.policy}|${v.verdict}|${v.failed.join(';')}`);
    after = page.next;
  } while (after);
  return out.sort();
}

async function signatures(store: Store, runId: number): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  do {
    const page = await store.divergences(runId, {}, { after, limit: 5000 });
    for (const d of page.rows) out.push(`${d.signature}|${d.trace}|${d.scenario}|${d.seq}|${d.root}`);
    after = page.next;
  } while (after);
  return out.sort();
}

const POLICIES = ['--policy', 'v5.19', '--policy', 'v6.0-rc1', '--policy', 'v6.0-rc3', '--policy', 'v6.11'];

describe.skipIf(backendSkip('postgres') !== null)('pinbench run --shard over PostgreSQL', () => {
  const h = useStoreBackend('postgres');

  it('three shards, started in any order, form one run equal to the unsharded run', async () => {
    const db = await h.newDb();
    const whole = await cli(['run', '--db', db, '--json', '-j', '1', ...POLICIES]);
    expect(whole.err).not.toMatch(/internal error/);
    expect(whole.code).toBe(0);
    const unsharded = JSON.parse(whole.out).run.id as number;

    const R = 1000;
    // Shard 3 first (it creates run R), then 1 and 2 at once, each with its own connections.
    const s3 = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '3/3',
      '--json',
      '-j',
      '1',
      ...POLICIES,
    ]);
    expect(s3.code).toBe(0);
    expect(JSON.parse(s3.out).shard).toMatchObject({
      index: 3,
      count: 3,
      done: 1,
      finishedRun: false,
      created: true,
    });
    const [s1, s2] = await Promise.all(
      ['1/3', '2/3'].map((s) =>
        cli(['run', '--db', db, '--run-id', String(R), '--shard', s, '--json', '-j', '1', ...POLICIES]),
      ),
    );
    expect([s1!.code, s2!.code]).toEqual([0, 0]);
    const finished = [JSON.parse(s1!.out).shard, JSON.parse(s2!.out).shard];
    expect(finished.filter((x) => x.finishedRun)).toHaveLength(1); // exactly one shard completes the run
    expect(finished.every((x) => x.created === false)).toBe(true);

    const store = await openStore({ db });
    try {
      const run = await store.getRun(R);
      expect(run).toMatchObject({ status: 'complete', recordedStatus: 'complete' });
      const plain = await store.getRun(unsharded);
      expect(run.traces).toBe(plain.traces);
      expect(run.counts).toMatchObject({ traces: plain.traces, shards: 3 });
      const shards = await listShards(store, R);
      expect(shards.map((s) => [s.shard, s.status])).toEqual([
        [1, 'done'],
        [2, 'done'],
        [3, 'done'],
      ]);
      // Every shard replayed a disjoint, non-empty slice.
      expect(shards.every((s) => Number(s.counts?.traces) > 0)).toBe(true);
      expect(shards.reduce((n, s) => n + Number(s.counts?.traces), 0)).toBe(plain.traces);
      expect(await verdicts(store, R)).toEqual(await verdicts(store, unsharded));
      expect(await signatures(store, R)).toEqual(await signatures(store, unsharded));
      expect((await store.policies(R)).map((p) => [p.id, p.moduleHash])).toEqual(
        (await store.policies(unsharded)).map((p) => [p.id, p.moduleHash]),
      );
      // A plain run after an explicit id gets a fresh id (the identity sequence moved past R).
      expect((await store.listRuns({ limit: 1 }))[0]!.id).toBe(R);
    } finally {
      await store.close();
    }

    const again = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '2/3',
      '-j',
      '1',
      ...POLICIES,
    ]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/run 1000 is already complete: all its shards are done \[PB_STORE\]/);
    const next = await cli([
      'run',
      '--db',
      db,
      '--json',
      '-j',
      '1',
      '--policy',
      'v6.11',
      'traces/06-remote-longterm.trace',
    ]);
    expect(next.code).toBe(0);
    expect(JSON.parse(next.out).run.id).toBeGreaterThan(R);
  });
});

describe.each(STORE_BACKENDS)('pinbench run --shard guards (%s)', (kind) => {
  const h = useStoreBackend(kind);
  if (backendSkip(kind) !== null) {
    it.skip(`${kind} is not available here`, () => {});
    return;
  }

  it('guards: --create-run, a disagreeing shard count, --resume of a sharded run, --shard without --run-id', async () => {
    const db = await h.newDb();
    if (kind === 'pglite') await (await h.open(db)).close(); // from the template: the CLI then only reopens it
    const created = await cli(['run', '--db', db, '--create-run']);
    expect(created.code).toBe(0);
    const R = Number(created.out.trim());
    expect(R).toBeGreaterThan(0);
    const one = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '1/2',
      '-j',
      '1',
      '--policy',
      'v6.11',
    ]);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(
      new RegExp(`shard 1/2 of run ${R} done \\(1/2 shards\\): run ${R} waits for 1 more shard\\(s\\)`),
    );
    const wrong = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '2/3',
      '-j',
      '1',
      '--policy',
      'v6.11',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/is split into 2 shards, not 3/);
    const other = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '2/2',
      '-j',
      '1',
      '--policy',
      'v6.1',
    ]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/was started with other policies than this shard's/);
    const resume = await cli(['run', '--db', db, '--resume', String(R)]);
    expect(resume.code).toBe(2);
    expect(resume.err).toMatch(
      new RegExp(`run ${R} is sharded: run its unfinished shards again with --run-id ${R} --shard I/2`),
    );
    const lonely = await cli(['run', '--db', db, '--shard', '1/2']);
    expect(lonely.code).toBe(2);
    expect(lonely.err).toMatch(/--shard needs --run-id R/);
    const last = await cli([
      'run',
      '--db',
      db,
      '--run-id',
      String(R),
      '--shard',
      '2/2',
      '-j',
      '1',
      '--policy',
      'v6.11',
    ]);
    expect(last.code).toBe(0);
    expect(last.out).toMatch(new RegExp(`run ${R} complete`));
  });
});
