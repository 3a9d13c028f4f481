/**
 * Store tests loop over every backend against real databases (no mocks):
 *
 *   describe.each(STORE_BACKENDS)('%s', (kind) => {
 *     const h = useStoreBackend(kind);
 *     it('...', async () => { const store = await h.open(await h.newDb()); ... });
 *   });
 *
 * PGlite databases start from a template: one in-memory PGlite per test process is migrated and
 * dumped (`dumpDataDir`), and every new database directory loads that tarball (~0.8 s instead of
 * initdb's ~3 s). PostgreSQL databases are fresh `CREATE DATABASE`s on one throwaway server per
 * test file. Without PostgreSQL binaries (and outside CI) the PostgreSQL backend is skipped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type OpenStoreOptions, openStore, type Store } from '../../src/store/store.ts';
import { migrateStore } from '../../src/store/store-migrations.ts';
import { type PostgresServer, postgresSkipReason, startPostgresServer } from './postgres-server.ts';

export const STORE_BACKENDS = ['pglite', 'postgres'] as const;
export type StoreBackendKind = (typeof STORE_BACKENDS)[number];

let template: Promise<Blob> | null = null;

/** A migrated, empty PGlite data directory as a tarball, made once per test process. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const pglite = await PGlite.create();
    const db = new Kysely({ dialect: new PGliteDialect({ pglite }) });
    await migrateStore(db, 'template');
    const blob = await pglite.dumpDataDir('none');
    await db.destroy();
    return blob;
  })();
  return template;
}

export interface StoreHarness {
  kind: StoreBackendKind;
  /** Why this backend is skipped here, or null. */
  skip: string | null;
  /** A new, empty database: a directory path (PGlite) or a URL (PostgreSQL). */
  newDb(): Promise<string>;
  /** Opens a store on `db` (a new PGlite directory loads the template); closed after the test. */
  open(db: string, extra?: OpenStoreOptions): Promise<Store>;
  /**
   * One database for the whole describe block, opened once (a PGlite database costs ~1-2 s to
   * make): tests on it count per run, not per table. `reopen` closes and opens it again.
   */
  shared(opts?: { reopen?: boolean }): Promise<Store>;
  /** The shared database's directory or URL. */
  sharedDb(): Promise<string>;
  /** The server, for PostgreSQL. */
  server(): PostgresServer;
}

/** Why `kind` is skipped in this environment (printed once), or null: for describe.skipIf. */
export function backendSkip(kind: StoreBackendKind): string | null {
  const reason = kind === 'postgres' ? postgresSkipReason() : null;
  if (reason && !warned.has(kind)) {
    warned.add(kind);
    console.warn(reason);
  }
  return reason;
}
const warned = new Set<StoreBackendKind>();

/** Registers beforeAll/afterAll hooks for `kind` in the current describe block. */
export function useStoreBackend(kind: StoreBackendKind): StoreHarness {
  const skip = backendSkip(kind);
  let pg: PostgresServer | null = null;
  let tmp: string | null = null;
  let n = 0;
  const stores: Store[] = [];
  let shared: { db: string; store: Store | null } | null = null;
  beforeAll(async () => {
    if (skip) return;
    tmp = await mkdtemp(join(tmpdir(), 'pinbench-store-'));
    if (kind === 'postgres') pg = await startPostgresServer();
    else await pgliteTemplate();
  });
  // One PGlite instance costs ~300 MiB: close each test's stores when it ends.
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => {});
  });
  afterAll(async () => {
    await shared?.store?.close().catch(() => {});
    await pg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  return {
    kind,
    skip,
    async newDb() {
      n++;
      if (kind === 'postgres') return pg!.createDatabase(`t${process.pid}_${n}`);
      return join(tmp!, `db${n}`);
    },
    async open(db, extra = {}) {
      const store = await openStore({
        db,
        pgliteTemplate: kind === 'pglite' ? await pgliteTemplate() : undefined,
        ...extra,
      });
      stores.push(store);
      return store;
    },
    async sharedDb() {
      shared ??= { db: await this.newDb(), store: null };
      return shared.db;
    },
    async shared(opts = {}) {
      await this.sharedDb();
      if (!shared) throw new Error('unreachable');
      if (opts.reopen && shared.store) {
        await shared.store.close();
        shared.store = null;
      }
      shared.store ??= await openStore({
        db: shared.db,
        pgliteTemplate: kind === 'pglite' ? await pgliteTemplate() : undefined,
      });
      return shared.store;
    },
    server() {
      if (!pg) throw new Error('no PostgreSQL server in this harness');
      return pg;
    },
  };
}
