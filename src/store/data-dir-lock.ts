/**
 * An exclusive lock on a PGlite data directory, held by one process while it has the directory
 * open. PGlite itself takes no lock: two processes on one data dir both "work" and one's writes
 * are silently lost (measured, see stack.md), so pinbench takes this one first.
 *
 * The lock is a file beside the directory (`<dir>.lock`; inside it would make initdb refuse the
 * directory) created with O_EXCL, holding the owner's pid, host and process start time. A lock
 * whose process is gone (crash, kill -9) is stale and is taken over; a pid that was reused by an
 * unrelated process is caught by the start time (Linux /proc). A lock from another host cannot be
 * checked and counts as held.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StoreError } from '../errors.ts';
import { pidAlive, procStat } from '../process-alive.ts';

interface LockOwner {
  pid: number;
  host: string;
  /** Clock ticks since boot at which the process started (Linux /proc/<pid>/stat field 22). */
  start: string | null;
  since: string;
}

function processStart(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** Whether the lock's owner still runs: same host, pid alive, and (where known) same start time. */
function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid <= 0 || !pidAlive(owner.pid)) return false;
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return null;
    return { pid: o.pid, host: o.host, start: o.start ?? null, since: o.since ?? '?' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // A lock file cut short by a crash while it was written: no live owner can be named.
    return { pid: 0, host: hostname(), start: null, since: '?' };
  }
}

export class DataDirLock {
  readonly path: string;
  private readonly token: string;
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(path: string, token: string) {
    this.path = path;
    this.token = token;
    process.once('exit', this.onExit);
  }

  /** Takes the lock for `dir` or throws PB_STORE_LOCKED naming the holder. */
  static acquire(dir: string): DataDirLock {
    const path = `${dir.replace(/\/+$/, '')}.lock`;
    mkdirSync(dirname(path), { recursive: true });
    const me: LockOwner = {
      pid: process.pid,
      host: hostname(),
      start: processStart(process.pid),
      since: new Date().toISOString(),
    };
    const token = JSON.stringify(me);
    // Write the whole content to a private file first, then link it into place: the lock file
    // appears atomically and complete, or not at all.
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, token);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(tmp, path);
          return new DataDirLock(path, token);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const owner = readOwner(path);
        if (owner && ownerAlive(owner)) throw lockedError(dir, path, owner);
        // Stale: move it aside under a name of our own (rename is atomic, so of two processes
        // recovering at once only one moves any given file), check that what we moved really
        // was the stale lock, and try again.
        const aside = `${path}.stale.${process.pid}`;
        try {
          renameSync(path, aside);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw e;
        }
        const moved = readOwner(aside);
        if (moved && ownerAlive(moved)) {
          // Another process took over between our read and our rename: give its lock back.
          try {
            linkSync(aside, path);
          } catch {}
          unlinkQuiet(aside);
          throw lockedError(dir, path, moved);
        }
        unlinkQuiet(aside);
      }
      throw new StoreError('PB_STORE_LOCKED', `cannot take the lock ${path}: it keeps changing hands`);
    } finally {
      unlinkQuiet(tmp);
    }
  }

  /** Removes the lock if it is still ours. Idempotent; also runs at process exit. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (readFileSync(this.path, 'utf8') === this.token) unlinkSync(this.path);
    } catch {}
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

function lockedError(dir: string, path: string, owner: LockOwner): StoreError {
  const who = owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
  return new StoreError(
    'PB_STORE_LOCKED',
    `the database ${dir} is in use by another pinbench process (${who}, since ${owner.since}): ` +
      `wait for it to finish, or use another --db; if that process is gone, remove ${path}`,
  );
}
