/**
 * The embedded backend: PGlite in a data directory through kysely's built-in PGliteDialect.
 *
 * - One process at a time: a DataDirLock is taken before PGlite touches the directory.
 * - The WAL is bounded (`max_wal_size`), or it grows to hundreds of MiB over a large run.
 * - A new directory can start from a `dumpDataDir()` tarball instead of initdb (~0.8 s instead of
 *   ~3 s; tests use this).
 * - Run claims are trivial: the directory lock already makes this process the only writer, so a
 *   run left `running` by anyone else belongs to a dead process.
 */
import { existsSync, readdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { StoreError } from '../errors.ts';
import { DataDirLock } from './data-dir-lock.ts';
import type { StoreBackend } from './store-backend.ts';
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

export interface PgliteBackendOptions {
  dir: string;
  /** A `dumpDataDir()` tarball to start a new (absent or empty) directory from. */
  template?: Blob | undefined;
}

export class PgliteBackend implements StoreBackend {
  readonly kind = 'pglite' as const;
  readonly location: string;
  readonly db: Kysely<StoreSchema>;
  private readonly pglite: PGlite;
  private readonly lock: DataDirLock;

  private constructor(dir: string, pglite: PGlite, lock: DataDirLock) {
    this.location = dir;
    this.pglite = pglite;
    this.db = new Kysely<StoreSchema>({ dialect: new PGliteDialect({ pglite }) });
    this.lock = lock;
  }

  static async open(opts: PgliteBackendOptions): Promise<PgliteBackend> {
    const { dir } = opts;
    const lock = DataDirLock.acquire(dir);
    try {
      const entries = existsSync(dir) ? readdirSync(dir) : [];
      const fresh = entries.length === 0;
      if (!fresh && !entries.includes('PG_VERSION')) {
        throw new StoreError(
          'PB_USAGE',
          `${dir} exists and is not a pinbench database (no PG_VERSION in it): ` +
            'give --db a new or empty directory, or the directory of an existing pinbench database',
        );
      }
      let pglite: PGlite;
      try {
        pglite = await PGlite.create({
          dataDir: dir,
          startParams: [...PGLITE_START_PARAMS],
          ...(fresh && opts.template ? { loadDataDir: opts.template } : {}),
        });
      } catch (e) {
        throw new StoreError(
          'PB_STORE',
          `cannot open the PGlite database in ${dir}: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      return new PgliteBackend(dir, pglite, lock);
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
