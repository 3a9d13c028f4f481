/**
 * The shared backend: a PostgreSQL server through `pg` and kysely's PostgresDialect. Several
 * pinbench processes (on several machines) may write to one server at once.
 *
 * Who writes a run is a session-level advisory lock (classid 'pinb', objid = run id) held on a
 * connection of its own for as long as the run is being written: PostgreSQL drops it when that
 * process dies, however it dies, so a run left `running` with no lock holder is incomplete, and
 * `resume` takes the lock with pg_try_advisory_lock so two resumers cannot both win.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { StoreFailure } from '../errors.ts';
import { FailureTranslatingDialect } from './failure-translating-dialect.ts';
import type { StoreBackend } from './store-backend.ts';
import { storeFailure } from './store-failure.ts';
import type { StoreSchema } from './store-schema.ts';

/** Advisory lock class for run claims: 'pinb' as a 32-bit integer. */
const RUN_LOCK_CLASS = 0x70696e62;
const CONNECT_TIMEOUT_MS = 10_000;

export interface PostgresBackendOptions {
  url: string;
  /** The URL without its password. */
  display: string;
}

/** Why a connection failed, in words (pg's AggregateError for multi-address hosts has no message). */
function connectReason(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: { message?: string }[] };
  const inner = err.errors?.[0]?.message;
  const text = err.message || inner || String(e);
  return err.code && !text.includes(err.code) ? `${err.code} ${text}` : text;
}

export class PostgresBackend implements StoreBackend {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly db: Kysely<StoreSchema>;
  private readonly url: string;
  private lockClient: pg.Client | null = null;

  private constructor(opts: PostgresBackendOptions, pool: pg.Pool) {
    this.location = opts.display;
    this.url = opts.url;
    this.db = new Kysely<StoreSchema>({
      dialect: new FailureTranslatingDialect(new PostgresDialect({ pool }), {
        kind: 'postgres',
        location: opts.display,
      }),
    });
  }

  static async open(opts: PostgresBackendOptions): Promise<PostgresBackend> {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'pinbench',
    });
    // A client losing its server must not crash the process with an unhandled 'error' event; the
    // query that was running, or the next one, reports it. The pool listens on idle clients only:
    // one checked out (kysely holds one through a transaction) needs its own listener.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    try {
      const client = await pool.connect();
      client.release();
    } catch (e) {
      await pool.end().catch(() => {});
      throw new StoreFailure(
        `cannot connect to the PostgreSQL server at ${opts.display}: ${connectReason(e)}. ` +
          'Check that the server runs and accepts connections there and that the URL is right, ' +
          'or leave out --db to use the embedded database',
        { cause: e },
      );
    }
    return new PostgresBackend(opts, pool);
  }

  private async claimConnection(): Promise<pg.Client> {
    if (this.lockClient) return this.lockClient;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'pinbench run claims',
    });
    client.on('error', () => {
      // The server went away: the claims went with it. The next claim reconnects.
      if (this.lockClient === client) this.lockClient = null;
    });
    await client.connect();
    this.lockClient = client;
    return client;
  }

  async claimRun(runId: number): Promise<boolean> {
    try {
      const client = await this.claimConnection();
      const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
        RUN_LOCK_CLASS,
        runId,
      ]);
      return r.rows[0]?.ok === true;
    } catch (e) {
      throw storeFailure(e, { kind: 'postgres', location: this.location });
    }
  }

  async releaseRun(runId: number): Promise<void> {
    await this.lockClient
      ?.query('select pg_advisory_unlock($1, $2)', [RUN_LOCK_CLASS, runId])
      .catch(() => {});
  }

  async claimedElsewhere(runIds: readonly number[]): Promise<Set<number>> {
    if (runIds.length === 0) return new Set();
    const r = await sql<{ id: number }>`
      select objid::int as id from pg_locks
      where locktype = 'advisory' and granted and objsubid = 2
        and database = (select oid from pg_database where datname = current_database())
        and classid::bigint = ${RUN_LOCK_CLASS} and objid::bigint = any(${[...runIds]}::bigint[])`.execute(
      this.db,
    );
    return new Set(r.rows.map((x) => Number(x.id)));
  }

  /** The server's checkpointer keeps its write-ahead log in bounds. */
  async afterBatch(): Promise<void> {}

  async close(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = null;
    await client?.end().catch(() => {});
    await this.db.destroy();
  }
}
