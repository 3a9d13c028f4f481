/**
 * Migration 0004 on a database written before it: each run_traces row gets its trace identity
 * from the label it stored (`source [matrix]`), and counts as complete.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { expect, it } from 'vitest';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS, migrateStore } from './store-migrations.ts';

it('backfills the identity of traces stored before 0004 from their labels', async () => {
  const pglite = await PGlite.create();
  // biome-ignore lint/suspicious/noExplicitAny: the schema as it was before 0004
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  try {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    expect((await migrator.migrateTo('0003_divergence_title_expected')).error).toBeUndefined();
    const { id: runId } = await db
      .insertInto('runs')
      .values({ status: 'complete' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const labels = [
      ['traces/a b.trace', ''],
      ['traces/a b.trace [pte_special=0]', 'pte_special=0'],
      ['https://example.org/x/y.trace?raw=1 [gup_fast=0,pte_special=1]', 'gup_fast=0,pte_special=1'],
    ];
    for (const [i, [source, matrix]] of labels.entries()) {
      const { id } = await db
        .insertInto('traces')
        .values({ sha256: `h${i}`, bytes: 1, layout: 'tracefs', source, ingest: '{}' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('run_traces')
        .values({
          run_id: runId,
          trace_id: id,
          matrix,
          source,
          scenarios: 0,
          divergences: 0,
          ms: 0,
          events: '{}',
        })
        .execute();
    }
    await migrateStore(db, 'test');
    const rows = await db
      .selectFrom('run_traces')
      .select(['source', 'trace_source', 'trace_name', 'matrix', 'complete'])
      .orderBy('trace_id')
      .execute();
    expect(rows).toEqual([
      {
        source: 'traces/a b.trace',
        trace_source: 'traces/a b.trace',
        trace_name: 'a b.trace',
        matrix: '',
        complete: true,
      },
      {
        source: 'traces/a b.trace [pte_special=0]',
        trace_source: 'traces/a b.trace',
        trace_name: 'a b.trace',
        matrix: 'pte_special=0',
        complete: true,
      },
      {
        source: 'https://example.org/x/y.trace?raw=1 [gup_fast=0,pte_special=1]',
        trace_source: 'https://example.org/x/y.trace?raw=1',
        trace_name: 'y.trace',
        matrix: 'gup_fast=0,pte_special=1',
        complete: true,
      },
    ]);
  } finally {
    await db.destroy();
  }
});
