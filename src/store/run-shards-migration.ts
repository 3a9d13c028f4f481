/**
 * Migration 0002: `run_shards`, one row per shard of a sharded run (`pinbench run --shard I/N
 * --run-id R`). Shards on several machines write into one run; each records here that it started
 * and that it finished, and the shard that finishes last (the N-th `done` row) marks the run
 * complete. Registered in store-migrations.ts; the kysely types are in shard-runs.ts.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

export const runShardsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('run_shards')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('shard', 'integer', (c) => c.notNull())
      .addColumn('shards', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'done', 'failed')`))
      .addColumn('partial', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('host', 'text')
      .addColumn('pid', 'integer')
      .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('ended_at', 'timestamptz')
      .addColumn('counts', 'jsonb')
      .addPrimaryKeyConstraint('run_shards_pk', ['run_id', 'shard'])
      .addCheckConstraint('run_shards_range', sql`shard >= 1 and shard <= shards`)
      .execute();
  },
};
