import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWriter } from '../../test/support/spawn-writer.ts';
import { useStoreBackend } from '../../test/support/store-backends.ts';
import { isPinbenchError } from '../errors.ts';
import { DataDirLock } from './data-dir-lock.ts';

function lockError(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isPinbenchError(e)) return e;
    throw e;
  }
  throw new Error('expected PB_STORE_LOCKED');
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('data directory lock', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pinbench-lock-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('is exclusive, names the holder, and is released', () => {
    const dir = join(tmp, 'a', 'db');
    const lock = DataDirLock.acquire(dir);
    expect(lock.path).toBe(`${dir}.lock`);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    const e = lockError(() => DataDirLock.acquire(dir));
    expect(e.code).toBe('PB_STORE_LOCKED');
    expect(e.message).toContain(`pid ${process.pid}`);
    expect(e.message).toContain(`remove ${dir}.lock`);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    DataDirLock.acquire(dir).release();
  });

  it('takes over a stale lock: dead pid, reused pid, unreadable file', () => {
    const dir = join(tmp, 'b');
    const stale = [
      { pid: deadPid(), host: hostname(), start: null, since: 'earlier' },
      // Our own pid, but a process that started at another time: the pid was reused.
      { pid: process.pid, host: hostname(), start: '1', since: 'earlier' },
    ];
    for (const owner of stale) {
      writeFileSync(`${dir}.lock`, JSON.stringify(owner));
      const lock = DataDirLock.acquire(dir);
      expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
      lock.release();
    }
    writeFileSync(`${dir}.lock`, '{"pid": 12');
    DataDirLock.acquire(dir).release();
  });

  it('counts a lock from another host as held', () => {
    const dir = join(tmp, 'c');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 1, host: 'build-7', start: null, since: 'x' }));
    const e = lockError(() => DataDirLock.acquire(dir));
    expect(e.message).toContain('pid 1 on host build-7');
  });
});

describe('PGlite database held by another process', () => {
  const h = useStoreBackend('pglite');

  it('refuses a second opener with PB_STORE_LOCKED and the pid, and recovers once the holder is killed', async () => {
    const db = await h.newDb();
    await (await h.open(db)).close();
    const holder = spawnWriter({ db, mode: 'hold' });
    await holder.until((l) => l.startsWith('open '));
    const e = await h.open(db).then(
      () => null,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(e?.code).toBe('PB_STORE_LOCKED');
    expect(e?.message).toContain(`pid ${holder.pid}`);
    await holder.kill();
    const store = await h.open(db);
    expect(await store.listRuns()).toEqual([]);
  });
});
