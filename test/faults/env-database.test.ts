/**
 * A results database that is killed while being created or damaged afterwards: never refused for
 * good after a killed setup, never a hang after an error, never an export that exits 0 with rows
 * missing. kill -9 rounds: a few by default, PINBENCH_FAULT_ROUNDS for more.
 */
import { closeSync, cpSync, openSync, readdirSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { pgliteTemplate } from '../support/store-backends.ts';
import { faultRounds, runCli } from './env-support.ts';

const LIMIT = { timeout: 300_000 };
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pinbench-envdb-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('kill -9 during first-time setup', LIMIT, () => {
  it('leaves a directory the next command sets up (never "not a pinbench database")', async () => {
    const rounds = faultRounds(2);
    for (let round = 0; round < rounds; round++) {
      const db = join(tmp, `killed-${round}`, 'db');
      // Somewhere inside initdb: it takes seconds; the kill lands at a different point each round.
      const delay = 300 + Math.floor(Math.random() * 2500);
      const killed = await runCli(['runs', '--db', db], {
        onSpawn: (child) => setTimeout(() => child.kill('SIGKILL'), delay),
      });
      expect(killed.timedOut).toBe(false);
      const r = await runCli(['runs', '--db', db]);
      expect(r.err, `round ${round}, killed after ${delay} ms`).toBe('');
      expect(r.code).toBe(0);
      // Nothing of the killed setup is left beside it.
      expect(readdirSync(join(tmp, `killed-${round}`)).sort()).toEqual(['db']);
    }
  });
});

describe('a damaged database', LIMIT, () => {
  let good: string;
  let divergencesFile: string;

  beforeAll(async () => {
    good = join(tmp, 'good');
    const store = await openStore({ db: good, pgliteTemplate: await pgliteTemplate() });
    await store.close();
    const r = await runCli([
      'run',
      '--db',
      good,
      '--no-report',
      'traces/01-vfio-zero-ro.trace',
      'traces/real/tracefs-6.18/a_default_io_uring_mmap_kmem.trace',
    ]);
    expect(r.code).toBe(0);
    const s = await openStore({ db: good });
    const p = await sql<{ p: string }>`select pg_relation_filepath('divergence_rows') as p`.execute(s.db);
    await s.close();
    divergencesFile = p.rows[0]!.p;
  }, 240_000);

  function copy(name: string): string {
    const dir = join(tmp, name);
    cpSync(good, dir, { recursive: true });
    return dir;
  }

  function overwrite(file: string, at: number, bytes: Buffer): void {
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, bytes, 0, bytes.length, at);
    } finally {
      closeSync(fd);
    }
  }

  it('a corrupt global/pg_filenode.map: a clean error, exit 3, and the process exits', async () => {
    const db = copy('filenode');
    overwrite(join(db, 'global', 'pg_filenode.map'), 0, Buffer.alloc(512, 0x5a));
    for (const cmd of [['runs'], ['export'], ['verify']]) {
      const r = await runCli([...cmd, '--db', db], { timeoutMs: 60_000 });
      expect(r.timedOut, `${cmd[0]} hung`).toBe(false);
      expect(r.err).toContain(db);
      expect(r.err).not.toContain('internal error');
      expect(r.code).toBe(3);
    }
  });

  it('a zeroed heap page: verify and export fail with exit 3 naming the missing rows', async () => {
    const db = copy('zeroed');
    overwrite(join(db, divergencesFile), 0, Buffer.alloc(8192));
    const v = await runCli(['verify', '--db', db]);
    expect(v.out).toMatch(/run 1: MISSING ROWS: divergences: \d+ of \d+ rows/);
    expect(v.code).toBe(3);
    const e = await runCli(['export', '--db', db]);
    expect(e.out).toBe('');
    expect(e.err).toContain('has lost rows');
    expect(e.code).toBe(3);
    // The undamaged original verifies.
    const ok = await runCli(['verify', '--db', good]);
    expect(ok.out).toMatch(/^run 1: ok, \d+ rows\n$/);
    expect(ok.code).toBe(0);
  });

  it('a garbled page header: PostgreSQL reports it, exit 3', async () => {
    const db = copy('garbled');
    overwrite(join(db, divergencesFile), 0, Buffer.from('garbage garbage garbage'));
    const e = await runCli(['export', '--db', db]);
    expect(e.err).toContain(`the database ${db}: corrupt data: invalid page`);
    expect(e.code).toBe(3);
  });
});
