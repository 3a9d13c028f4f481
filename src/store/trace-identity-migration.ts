/**
 * Migration 0004 (issues 12 and 16), three columns on `run_traces`, nothing else changes:
 *   - `trace_source`, `trace_name`: the trace identity record `{source, name, matrix}` the replay
 *     carries (matrix already has its column). Until now only the label `source [matrix]` was
 *     stored, in `source`, and resume rebuilt that label to find what a run had; now it matches
 *     (trace_source, matrix). `source` keeps the label, so every reader that shows it is
 *     unchanged; readers may move to the identity columns. Rows stored before this migration get
 *     them from the label once, here: the matrix suffix cut off, the name being the last path part.
 *   - `complete`: a trace's rows are now written while it is replayed, a batch of scenarios per
 *     transaction (streaming), so a `run_traces` row no longer means "every row of this trace is
 *     stored": `complete` says so. A row with complete = false belongs to a run that was
 *     interrupted inside the trace; its scenario rows are whole scenarios (each batch commits
 *     whole scenarios), and `run --resume` continues at the first scenario it lacks. Older rows
 *     were written in one transaction per trace: they are complete (the default).
 * Registered in store-migrations.ts.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

export const traceIdentityMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('run_traces')
      .addColumn('trace_source', 'text')
      .addColumn('trace_name', 'text')
      .addColumn('complete', 'boolean', (c) => c.notNull().defaultTo(true))
      .execute();
    await sql`update run_traces set trace_source = case when matrix = '' then source
        else left(source, length(source) - length(matrix) - 3) end`.execute(db);
    await sql`update run_traces set trace_name = coalesce(
        nullif(regexp_replace(regexp_replace(trace_source, '[?#].*$', ''), '^.*[/\\\\]', ''), ''),
        trace_source)`.execute(db);
    await db.schema
      .alterTable('run_traces')
      .alterColumn('trace_source', (c) => c.setNotNull())
      .alterColumn('trace_name', (c) => c.setNotNull())
      .execute();
  },
};
