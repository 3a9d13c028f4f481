/**
 * The database as a long-lived reader (`pinbench serve`) sees it without keeping others out.
 *
 * A PGlite data directory admits one process at a time (data-dir-lock.ts; PGlite itself would let
 * two in and lose writes). A browser left open for hours must not hold that lock, or `run` and
 * `runs` fail while someone reads. So the reader takes the lock only for as long as it takes to
 * copy the directory, and serves from the copy, a private snapshot it opens as a database of its
 * own. Before a request, at most once a second, it looks at the directory's files (names, sizes,
 * modification times): when they changed, and the lock is free, it takes a new snapshot; while a
 * writer holds the lock it keeps serving the last one. A snapshot in use by a request stays open
 * until that request is done.
 *
 * A PostgreSQL server has no such rule: its store is used as it is.
 */
import { cp, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPinbenchError } from '../errors.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { type OpenStoreOptions, openStore, type Store } from './store.ts';
import { resolveStoreLocation } from './store-location.ts';

/** A store lent for the length of one piece of work; `release()` when done. */
export interface StoreLease {
  store: Store;
  release(): void;
}

/** Where a reader gets the store for each piece of work. */
export interface StoreSource {
  /** Directory or URL without password, for messages. */
  readonly location: string;
  acquire(): Promise<StoreLease>;
  close(): Promise<void>;
}

/** One store for every request (PostgreSQL; tests). */
export function fixedStoreSource(store: Store): StoreSource {
  return {
    location: store.location,
    acquire: async () => ({ store, release: () => {} }),
    close: () => store.close(),
  };
}

interface Snapshot {
  store: Store;
  /** The copy's directory (removed when the snapshot closes). */
  dir: string;
  fingerprint: string;
  users: number;
  retired: boolean;
}

/** Milliseconds between looks at the data directory. */
const CHECK_INTERVAL_MS = 1000;

/** Names, sizes and modification times of every file under `dir`: changes when anything is written. */
async function dirFingerprint(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const parts: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const st = await lstat(path).catch(() => null);
    if (st) parts.push(`${path}\0${st.size}\0${st.mtimeMs}`);
  }
  return parts.sort().join('\n');
}

class PgliteSnapshots implements StoreSource {
  readonly location: string;
  private readonly dir: string;
  private readonly opts: OpenStoreOptions;
  private current: Snapshot | null = null;
  private refreshing: Promise<void> | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(dir: string, opts: OpenStoreOptions) {
    this.dir = dir;
    this.location = dir;
    this.opts = opts;
  }

  async acquire(): Promise<StoreLease> {
    if (this.closed) throw new Error('the snapshot source is closed');
    if (Date.now() - this.checkedAt >= CHECK_INTERVAL_MS) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    const snap = this.current!;
    snap.users++;
    let released = false;
    return {
      store: snap.store,
      release: () => {
        if (released) return;
        released = true;
        snap.users--;
        if (snap.retired && snap.users === 0) void this.dispose(snap);
      },
    };
  }

  /** A new snapshot when the directory changed and no writer holds it; else the current one. */
  private async refresh(): Promise<void> {
    this.checkedAt = Date.now();
    const before = this.current ? await dirFingerprint(this.dir) : null;
    if (this.current && before === this.current.fingerprint) return;
    let lock: DataDirLock;
    try {
      lock = DataDirLock.acquire(this.dir);
    } catch (e) {
      // A writer has it: keep serving what we have; without a snapshot yet, say who holds it.
      if (this.current && isPinbenchError(e) && e.code === 'PB_STORE_LOCKED') return;
      throw e;
    }
    let copy: string | null = null;
    let fingerprint: string;
    try {
      fingerprint = await dirFingerprint(this.dir);
      if (fingerprint === '') {
        // No database yet: create it (as opening it for reading would), then copy it.
        lock.release();
        await (await openStore({ ...this.opts, db: this.dir })).close();
        lock = DataDirLock.acquire(this.dir);
        fingerprint = await dirFingerprint(this.dir);
      }
      copy = await mkdtemp(join(tmpdir(), `pinbench-serve-${process.pid}-`));
      await cp(this.dir, join(copy, 'db'), { recursive: true });
    } catch (e) {
      if (copy) await rm(copy, { recursive: true, force: true });
      throw e;
    } finally {
      lock.release();
    }
    let store: Store;
    try {
      store = await openStore({ db: join(copy, 'db') });
    } catch (e) {
      await rm(copy, { recursive: true, force: true });
      throw e;
    }
    const old = this.current;
    this.current = { store, dir: copy, fingerprint, users: 0, retired: false };
    if (old) {
      old.retired = true;
      if (old.users === 0) await this.dispose(old);
    }
  }

  private async dispose(snap: Snapshot): Promise<void> {
    try {
      await snap.store.close();
    } finally {
      await rm(snap.dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.refreshing?.catch(() => {});
    const snap = this.current;
    this.current = null;
    if (snap) await this.dispose(snap);
  }
}

/**
 * The store for a long-lived reader: snapshots of a PGlite directory (the lock held only while
 * copying), or the PostgreSQL store itself. The first snapshot is taken here, so a database that
 * cannot be read is reported at once.
 */
export async function openStoreSnapshots(opts: OpenStoreOptions = {}): Promise<StoreSource> {
  const where = resolveStoreLocation(opts);
  if (where.kind === 'postgres') return fixedStoreSource(await openStore(opts));
  const source = new PgliteSnapshots(where.dir, opts);
  (await source.acquire()).release();
  return source;
}
