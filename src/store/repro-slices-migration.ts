/**
 * Migration 0006: what `pinbench repro` needs to replay a stored divergence exactly, later and
 * elsewhere, whatever became of the trace file or a user's module:
 *   - `stored_texts`: text stored once per SHA-256 (a scenario's slice, a module's source); a run
 *     that replays the same corpus again adds no text;
 *   - `scenario_slices`: for each diverging scenario of a run, the slice it replayed (keyed by the
 *     trace's content, as `traces.sha256`, so it can be written before the trace's results);
 *   - `policy_sources`: the source of each user module a run replayed, as loaded;
 *   - `order_dependence`: calls of a sliced scenario that diverge in some orders of its
 *     equal-timestamp events and not in others (explore-ties), by trace content and line.
 * Runs stored before it have no slices: repro says so. Registered in store-migrations.ts.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

export const reproSlicesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('stored_texts')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('scenario_slices')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('trace_sha256', 'text', (c) => c.notNull())
      .addColumn('matrix', 'text', (c) => c.notNull())
      .addColumn('sidx', 'integer', (c) => c.notNull())
      .addColumn('text_sha256', 'text', (c) => c.notNull().references('stored_texts.sha256'))
      .addPrimaryKeyConstraint('scenario_slices_pk', ['run_id', 'trace_sha256', 'matrix', 'sidx'])
      .execute();
    await db.schema
      .createTable('policy_sources')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('text_sha256', 'text', (c) => c.notNull().references('stored_texts.sha256'))
      .addPrimaryKeyConstraint('policy_sources_pk', ['run_id', 'policy'])
      .execute();
    await db.schema
      .createTable('order_dependence')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('trace_sha256', 'text', (c) => c.notNull())
      .addColumn('matrix', 'text', (c) => c.notNull())
      .addColumn('line', 'integer', (c) => c.notNull())
      .addColumn('diverging', 'integer', (c) => c.notNull())
      .addColumn('orders', 'integer', (c) => c.notNull())
      .addColumn('sampled', 'boolean', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_dependence_pk', ['run_id', 'trace_sha256', 'matrix', 'line'])
      .execute();
  },
};
