/**
 * Migration 0003: two columns issue 12 needs, both nullable so databases written before it keep
 * working (readers fall back for old rows):
 *   - `divergences.title`: the readable one-line title beside a divergence's signature;
 *   - `scenario_results.expected`: the verdict the trace header expects for that scenario and
 *     policy (its base release's row for a user's candidate), so "known" and "unexpected"
 *     failures can be told apart in every report.
 * Registered in store-migrations.ts.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

export const divergenceTitleMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('divergences').addColumn('title', 'text').execute();
    await db.schema.alterTable('scenario_results').addColumn('expected', 'text').execute();
  },
};
