import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { withFetchLock } from './fetch-lock.ts';

const root = mkdtempSync(join(tmpdir(), 'pinbench-fetch-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('withFetchLock', () => {
  it('runs two fetches into one cache one after the other, and leaves no lock', async () => {
    const cache = join(root, 'serial');
    const events: string[] = [];
    const fetch = (name: string) => async () => {
      events.push(`${name} start`);
      await sleep(60);
      events.push(`${name} end`);
    };
    await Promise.all([withFetchLock(cache, fetch('a')), withFetchLock(cache, fetch('b'))]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(existsSync(join(cache, 'fetch.lock'))).toBe(false);
  });

  it('takes over the lock of a process that is gone', async () => {
    const cache = join(root, 'stale');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(cache, 'fetch.lock'), { recursive: true });
    writeFileSync(join(cache, 'fetch.lock', 'pid'), String(gone));
    expect(await withFetchLock(cache, async () => 'fetched', { timeoutMs: 1000 })).toBe('fetched');
  });

  it('waits for a live holder, then names it when the wait runs out (exit 3 material: PB_IO)', async () => {
    const cache = join(root, 'held');
    mkdirSync(join(cache, 'fetch.lock'), { recursive: true });
    writeFileSync(join(cache, 'fetch.lock', 'pid'), String(process.ppid));
    const told: string[] = [];
    await expect(
      withFetchLock(cache, async () => 'never', { timeoutMs: 300, log: (l) => told.push(l) }),
    ).rejects.toThrow(new RegExp(`held by pid ${process.ppid}: another pinbench record`));
    expect(told).toEqual([expect.stringContaining(`waiting for pid ${process.ppid}`)]);
    // The holder's lock is left as it was.
    expect(existsSync(join(cache, 'fetch.lock', 'pid'))).toBe(true);
  });
});
