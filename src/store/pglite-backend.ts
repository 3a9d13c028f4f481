/**
 * The embedded backend: PGlite in a data directory through kysely's built-in PGliteDialect.
 *
 * - One process at a time: a DataDirLock is taken before PGlite touches the directory.
 * - The WAL is bounded (`max_wal_size`), or it grows to hundreds of MiB over a large run.
 * - A new directory can start from a `dumpDataDir()` tarball instead of initdb (~0.8 s instead of
 *   ~3 s; tests use this).
 * - Run claims are trivial: the directory lock already makes this process the only writer, so a
 *   run left `running` by anyone else belongs to a dead process.
 * - A new database is created in a temporary directory beside `dir` and renamed into place once
 *   PGlite has finished setting it up: a setup killed part-way, or stopped by a full disk, leaves
 *   no half-made `dir` that could never be opened, only a temporary directory that the next
 *   setup (holding the lock, so no one else's) removes.
 * - Errors of the database (disk full, read-only, corrupt) become StoreFailures naming the
 *   directory (FailureTranslatingDialect).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { StoreError, StoreFailure } from '../errors.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { FailureTranslatingDialect } from './failure-translating-dialect.ts';
import type { StoreBackend } from './store-backend.ts';
import { failureText, storeFailure } from './store-failure.ts';
import type { StoreSchema } from './store-schema.ts';

/** Startup settings on top of PGlite's own: checkpoint often enough that the WAL stays small. */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  '-c',
  'max_wal_size=32MB',
  '-c',
  'min_wal_size=32MB',
  '-c',
  'checkpoint_timeout=60s',
];

/**
 * Write-ahead log written between explicit checkpoints. PGlite runs PostgreSQL as a single
 * process, with no checkpointer: `max_wal_size` and `checkpoint_timeout` above never trigger
 * one, and the log only grows until a CHECKPOINT or close (measured: a 4 GiB synthetic run had
 * 4.9 GiB of pg_wal beside 3.7 GiB of tables after 40 minutes; a CHECKPOINT takes it back to
 * min_wal_size). A run asks after each batch (`afterBatch`).
 */
export const PGLITE_CHECKPOINT_EVERY_BYTES = 256 * 1024 * 1024;

export interface PgliteBackendOptions {
  dir: string;
  /** Checkpoint once this much WAL was written since the last one (default PGLITE_CHECKPOINT_EVERY_BYTES). */
  checkpointEveryBytes?: number;
  /** A `dumpDataDir()` tarball to start a new (absent or empty) directory from. */
  template?: Blob | undefined;
}

export class PgliteBackend implements StoreBackend {
  readonly kind = 'pglite' as const;
  readonly location: string;
  readonly db: Kysely<StoreSchema>;
  private readonly pglite: PGlite;
  private readonly lock: DataDirLock;
  private readonly checkpointEveryBytes: number;
  /** WAL position (bytes) at the last checkpoint this process asked for; null until first asked. */
  private checkpointedAt: number | null = null;

  private constructor(dir: string, pglite: PGlite, lock: DataDirLock, checkpointEveryBytes: number) {
    this.location = dir;
    this.pglite = pglite;
    this.checkpointEveryBytes = checkpointEveryBytes;
    this.db = new Kysely<StoreSchema>({
      dialect: new FailureTranslatingDialect(new PGliteDialect({ pglite }), {
        kind: 'pglite',
        location: dir,
      }),
    });
    this.lock = lock;
  }

  static async open(opts: PgliteBackendOptions): Promise<PgliteBackend> {
    const { dir } = opts;
    const lock = acquireLock(dir);
    try {
      removeStaleSetups(dir);
      const entries = listDir(dir);
      const fresh = entries.length === 0;
      if (!fresh && !entries.includes('PG_VERSION')) {
        throw new StoreError(
          'PB_USAGE',
          `${dir} exists and is not a pinbench database (no PG_VERSION in it): ` +
            'give --db a new or empty directory, or the directory of an existing pinbench database',
        );
      }
      if (fresh) await createDatabase(dir, opts.template);
      let pglite: PGlite;
      try {
        pglite = await PGlite.create({ dataDir: dir, startParams: [...PGLITE_START_PARAMS] });
      } catch (e) {
        throw openFailure(dir, e);
      }
      return new PgliteBackend(dir, pglite, lock, opts.checkpointEveryBytes ?? PGLITE_CHECKPOINT_EVERY_BYTES);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  async claimRun(): Promise<boolean> {
    return true;
  }

  async releaseRun(): Promise<void> {}

  async claimedElsewhere(): Promise<Set<number>> {
    return new Set();
  }

  async afterBatch(): Promise<void> {
    const lsn = await sql<{
      at: number;
    }>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as at`.execute(this.db);
    const at = lsn.rows[0]!.at;
    if (this.checkpointedAt === null) this.checkpointedAt = at;
    else if (at - this.checkpointedAt >= this.checkpointEveryBytes) {
      await sql`checkpoint`.execute(this.db);
      this.checkpointedAt = at;
    }
  }

  async close(): Promise<void> {
    try {
      await this.db.destroy();
      // kysely closes PGlite only if it ever ran a query through it.
      if (!this.pglite.closed) await this.pglite.close();
    } finally {
      this.lock.release();
    }
  }
}

const SETUP_PREFIX = (dir: string) => `.${basename(dir)}.setup-`;

function listDir(dir: string): string[] {
  try {
    return existsSync(dir) ? readdirSync(dir) : [];
  } catch (e) {
    throw storeFailure(e, { kind: 'pglite', location: dir });
  }
}

function acquireLock(dir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dir);
  } catch (e) {
    const failure = storeFailure(e, { kind: 'pglite', location: dirname(dir) });
    if (failure instanceof StoreFailure) {
      throw new StoreFailure(
        `cannot take the lock beside ${dir} (in ${dirname(dir)}): ${failureText(e)}: ` +
          'pinbench needs to write there; give --db a directory on a writable file system with free space',
        { cause: e },
      );
    }
    throw e;
  }
}

/** Temporary setup directories of earlier setups that were killed: only a lock holder makes them. */
function removeStaleSetups(dir: string): void {
  const parent = dirname(dir);
  const prefix = SETUP_PREFIX(dir);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** initdb (or the template) into a temporary directory beside `dir`, then renamed into place. */
async function createDatabase(dir: string, template: Blob | undefined): Promise<void> {
  const tmp = join(dirname(dir), `${SETUP_PREFIX(dir)}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    let pglite: PGlite;
    try {
      pglite = await PGlite.create({
        dataDir: tmp,
        startParams: [...PGLITE_START_PARAMS],
        ...(template ? { loadDataDir: template } : {}),
      });
    } catch (e) {
      throw setupFailure(dir, e);
    }
    try {
      await pglite.close();
    } catch (e) {
      throw setupFailure(dir, e);
    }
    // rename(2) replaces an empty directory, so an empty `dir` given on purpose is fine too.
    try {
      renameSync(tmp, dir);
    } catch (e) {
      throw setupFailure(dir, e);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function setupFailure(dir: string, e: unknown): unknown {
  const failure = storeFailure(e, { kind: 'pglite', location: dir });
  if (failure instanceof StoreError) return failure;
  return new StoreFailure(`cannot create the PGlite database ${dir}: ${failureText(e)}`, { cause: e });
}

/** Opening an existing directory failed: damaged (or unreadable) files, whatever PGlite says. */
function openFailure(dir: string, e: unknown): unknown {
  const failure = storeFailure(e, { kind: 'pglite', location: dir });
  if (failure instanceof StoreError) return failure;
  // PGlite says only "failed to initialize" when it cannot write its files: say why, if that is it.
  try {
    accessSync(dir, constants.W_OK);
  } catch (denied) {
    return storeFailure(denied, { kind: 'pglite', location: dir });
  }
  return new StoreFailure(
    `cannot open the PGlite database in ${dir}: ${failureText(e)}: its files may be damaged; ` +
      'restore it from a backup, or move it aside and let pinbench start a new one',
    { cause: e },
  );
}
