/**
 * One fetch at a time per cache directory. `record` keeps its apt lists, packages and unpacked
 * kernels under the cache, and two records started together (the README's two boots of a kernel)
 * once raced: one refreshed the private apt lists while the other read them half-written, found
 * no kernel and exited 3. The fetch (lists, download, unpack) now runs under a lock directory in
 * the cache; the boots themselves still run at once.
 *
 * The lock is a directory made with mkdir (atomic) holding the owner's pid. A lock whose process
 * is gone (crash, kill -9; process-alive.ts) is stale and taken over; one held by a live process
 * is waited for.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PinbenchError } from '../errors.ts';
import { pidAlive } from '../process-alive.ts';

export interface FetchLockOptions {
  /** How long to wait for another process's fetch before giving up (default 20 minutes). */
  timeoutMs?: number;
  /** Told once when the lock is held by another process. */
  log?: (line: string) => void;
}

function ownerPid(dir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Runs `fn` holding `<cache>/fetch.lock`, waiting while another live process holds it. */
export async function withFetchLock<T>(
  cache: string,
  fn: () => Promise<T>,
  opts: FetchLockOptions = {},
): Promise<T> {
  const dir = join(cache, 'fetch.lock');
  const deadline = Date.now() + (opts.timeoutMs ?? 20 * 60_000);
  mkdirSync(cache, { recursive: true });
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = ownerPid(dir);
    if (pid !== null && !pidAlive(pid)) {
      // Stale: move it aside under a name of our own (of two processes recovering at once, only
      // one moves it), then try again.
      const aside = `${dir}.stale.${process.pid}`;
      try {
        renameSync(dir, aside);
        rmSync(aside, { recursive: true, force: true });
      } catch {}
      continue;
    }
    if (Date.now() > deadline) {
      throw new PinbenchError(
        'PB_IO',
        `${dir} is held by ${pid === null ? 'a process that left no pid' : `pid ${pid}`}: another pinbench record is fetching into the same cache; if no such process runs, remove ${dir}`,
      );
    }
    if (!told) {
      opts.log?.(
        `waiting for ${pid === null ? 'another process' : `pid ${pid}`}, fetching into the same cache (${dir})`,
      );
      told = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    if (ownerPid(dir) === process.pid) rmSync(dir, { recursive: true, force: true });
  }
}
