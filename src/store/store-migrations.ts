/**
 * The schema as in-code kysely migrations, applied on open and recorded in `pinbench_migration`.
 * Migrations are append-only: never edit one that shipped; add the next (`0002_...`) and extend
 * `store-schema.ts`. The SQL stays within what PostgreSQL 15 (Debian) and PGlite (18) both accept.
 *
 * Result payloads (divergence classes, leaks, failed assertions, outcomes) are `json`, not
 * `jsonb`: json keeps the text as written, so an export reproduces the replay's records key for
 * key in the same order, and it is cheaper to insert. Columns that are queried into are `jsonb`.
 * Record keys the replay adds later (model.md: "add keys freely") and this schema has no column
 * for go to `extra` and come back in exports, after the known keys.
 *
 * A database that records a migration this code does not know was written by a newer pinbench:
 * opening it fails with PB_STORE_SCHEMA rather than running old code against a newer schema.
 */
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { StoreError } from '../errors.ts';
import { contentOnceMigration } from './content-once-migration.ts';
import { divergenceKindMigration } from './divergence-kind-migration.ts';
import { divergenceTitleMigration } from './divergence-title-migration.ts';
import { reproSlicesMigration } from './repro-slices-migration.ts';
import { runShardsMigration } from './run-shards-migration.ts';
import { traceIdentityMigration } from './trace-identity-migration.ts';

export const MIGRATION_TABLE = 'pinbench_migration';
export const MIGRATION_LOCK_TABLE = 'pinbench_migration_lock';

/** Columns shared by every per-trace result table, and its reference to run_traces. */
const TRACE_KEY = ['run_id', 'trace_id', 'matrix'] as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

const m0001: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('runs')
      .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('ended_at', 'timestamptz')
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('running', 'complete', 'incomplete', 'partial')`),
      )
      .addColumn('config_name', 'text')
      .addColumn('git_revision', 'text')
      .addColumn('git_dirty', 'boolean')
      .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('counts', 'jsonb')
      .addColumn('store_outcomes', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('owner_pid', 'integer')
      .addColumn('owner_host', 'text')
      .addColumn('pinbench_version', 'text')
      .execute();
    await db.schema.createIndex('runs_config_name').on('runs').columns(['config_name', 'id']).execute();

    await db.schema
      .createTable('traces')
      .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('layout', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('ingest', 'jsonb', (c) => c.notNull())
      .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();

    await db.schema
      .createTable('integrity_events')
      .addColumn('trace_id', 'integer', (c) => c.notNull().references('traces.id').onDelete('cascade'))
      .addColumn('ord', 'integer', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('cpu', 'integer')
      .addColumn('count', 'integer')
      .addColumn('text', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('integrity_events_pk', ['trace_id', 'ord'])
      .execute();

    await db.schema
      .createTable('run_traces')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('trace_id', 'integer', (c) => c.notNull().references('traces.id'))
      .addColumn('matrix', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('scenarios', 'integer', (c) => c.notNull())
      .addColumn('divergences', 'integer', (c) => c.notNull())
      .addColumn('ms', 'double precision', (c) => c.notNull())
      .addColumn('events', 'jsonb', (c) => c.notNull())
      .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('run_traces_pk', [...TRACE_KEY])
      .execute();

    await db.schema
      .createTable('policies')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('ord', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('scope_release', 'text', (c) => c.notNull())
      .addColumn('module_hash', 'text', (c) => c.notNull())
      .addColumn('source_hash', 'text')
      .addColumn('source', 'text')
      .addColumn('commit', 'text')
      .addColumn('subject', 'text')
      .addColumn('summary', 'text')
      .addColumn('link', 'text')
      .addColumn('families', 'jsonb', (c) => c.notNull())
      .addColumn('overrides', 'jsonb', (c) => c.notNull())
      .addPrimaryKeyConstraint('policies_pk', ['run_id', 'id'])
      .execute();

    const perTrace = (name: string) =>
      db.schema
        .createTable(name)
        .addColumn('run_id', 'integer', (c) => c.notNull())
        .addColumn('trace_id', 'integer', (c) => c.notNull())
        .addColumn('matrix', 'text', (c) => c.notNull())
        .addColumn('sidx', 'integer', (c) => c.notNull())
        .addForeignKeyConstraint(`${name}_run_trace_fk`, [...TRACE_KEY], 'run_traces', [...TRACE_KEY], (fk) =>
          fk.onDelete('cascade'),
        );

    await perTrace('scenarios')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addColumn('coverage', 'jsonb', (c) => c.notNull())
      .addPrimaryKeyConstraint('scenarios_pk', [...TRACE_KEY, 'sidx'])
      .execute();

    await perTrace('scenario_results')
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('pord', 'integer', (c) => c.notNull())
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('failed', 'json', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('extra', 'json')
      .addPrimaryKeyConstraint('scenario_results_pk', [...TRACE_KEY, 'sidx', 'policy'])
      .execute();

    await perTrace('finals')
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('pord', 'integer', (c) => c.notNull())
      .addColumn('leaks', 'json', (c) => c.notNull())
      .addColumn('pins_acquired', 'integer', (c) => c.notNull())
      .addColumn('pins_released', 'integer', (c) => c.notNull())
      .addColumn('locked_vm', 'bigint', (c) => c.notNull())
      .addColumn('bugs', 'integer', (c) => c.notNull())
      .addColumn('warnings', 'integer', (c) => c.notNull())
      .addColumn('longterm_unpinnable', 'integer', (c) => c.notNull())
      .addColumn('bad_page_maps', 'integer', (c) => c.notNull())
      .addColumn('extra', 'json')
      .addPrimaryKeyConstraint('finals_pk', [...TRACE_KEY, 'sidx', 'policy'])
      .execute();

    await perTrace('divergences')
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('root', 'boolean', (c) => c.notNull())
      .addColumn('classes', 'json', (c) => c.notNull())
      .addColumn('unsupported', 'json', (c) => c.notNull())
      .addColumn('context', 'json', (c) => c.notNull())
      .addColumn('extra', 'json')
      .addPrimaryKeyConstraint('divergences_pk', [...TRACE_KEY, 'sidx', 'seq'])
      .execute();
    await db.schema
      .createIndex('divergences_run_signature')
      .on('divergences')
      .columns(['run_id', 'signature'])
      .execute();
    await db.schema.createIndex('divergences_signature').on('divergences').column('signature').execute();

    await perTrace('fidelity')
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('observed', 'jsonb', (c) => c.notNull())
      .addColumn('ret', 'jsonb', (c) => c.notNull())
      .addPrimaryKeyConstraint('fidelity_pk', [...TRACE_KEY, 'sidx', 'seq', 'policy'])
      .execute();

    await perTrace('outcomes')
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('outcome', 'json', (c) => c.notNull())
      .addPrimaryKeyConstraint('outcomes_pk', [...TRACE_KEY, 'sidx', 'seq', 'policy'])
      .execute();

    await db.schema
      .createTable('triage')
      .addColumn('signature', 'text', (c) => c.primaryKey())
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('module_hashes', 'jsonb', (c) => c.notNull())
      .execute();
  },
};

/** Every migration this pinbench knows, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_results_store': m0001,
  '0002_run_shards': runShardsMigration,
  '0003_divergence_title_expected': divergenceTitleMigration,
  '0004_trace_identity_streaming': traceIdentityMigration,
  '0005_divergence_kinds': divergenceKindMigration,
  '0006_repro_slices': reproSlicesMigration,
  '0007_content_once': contentOnceMigration,
};

/** Names recorded in the database, or [] when it has never been migrated. */
async function appliedMigrations(db: AnyDb): Promise<string[]> {
  const exists = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.tables
    where table_schema = current_schema() and table_name = ${MIGRATION_TABLE}`.execute(db);
  if (!exists.rows[0]?.n) return [];
  const rows = await db.selectFrom(MIGRATION_TABLE).select('name').execute();
  return rows.map((r) => String(r.name));
}

/**
 * Brings the schema to the newest this code knows, refusing a database from a newer pinbench.
 * Concurrent openers on one PostgreSQL server are serialized by kysely's migration lock.
 */
export async function migrateStore(db: AnyDb, location: string): Promise<string[]> {
  const known = new Set(Object.keys(MIGRATIONS));
  const unknown = (await appliedMigrations(db)).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new StoreError(
      'PB_STORE_SCHEMA',
      `the database at ${location} was written by a newer pinbench (schema migration ${unknown.join(', ')} ` +
        `is unknown to this version, which knows up to ${[...known].sort().at(-1)}): upgrade pinbench, ` +
        'or point --db (or PINBENCH_DB) at another database',
    );
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError(
      'PB_STORE',
      `cannot migrate the database at ${location}${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
