/**
 * Migration 0005: divergence kinds (replay/divergence-kind.ts).
 *   - `divergences.kind`: the kind of each stored divergence, indexed with the run for the
 *     report's per-kind reads and triage by kind;
 *   - `divergence_kinds`: each kind's readable title and event, stored once per kind;
 *   - `divergences.partition`: each class's policies as JSON text (`[["v5.4"],["v5.6","v6.1"]]`),
 *     which policies fall in which class being per occurrence: listings read it instead of
 *     parsing the classes' outcomes and why paths.
 * Rows stored before it get their kind here: a kind is a function of the identity, so one
 * computation per distinct signature covers every occurrence. Registered in store-migrations.ts.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { divergenceKind } from '../replay/divergence-kind.ts';
import type { DivergenceClass } from '../replay/results.ts';
import { pgJson } from './recordset-insert.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

const BACKFILL_BATCH = 2000;

export const divergenceKindMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('divergences').addColumn('kind', 'text').execute();
    await db.schema.alterTable('divergences').addColumn('partition', 'text').execute();
    await sql`update divergences set partition = jsonb_path_query_array(classes::jsonb, '$[*].policies')::text`.execute(
      db,
    );
    await db.schema
      .createTable('divergence_kinds')
      .addColumn('kind', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .execute();
    await backfill(db);
    await db.schema
      .createIndex('divergences_run_kind')
      .on('divergences')
      .columns(['run_id', 'kind'])
      .execute();
  },
};

async function backfill(db: AnyDb): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await sql<{ signature: string; event: string; text: string; classes: unknown }>`
      select distinct on (signature) signature, event, text, classes from divergences
      where signature > ${after} order by signature limit ${BACKFILL_BATCH}`.execute(db);
    if (rows.rows.length === 0) return;
    const updates = rows.rows.map((r) => {
      const classes = (
        typeof r.classes === 'string' ? JSON.parse(r.classes) : r.classes
      ) as DivergenceClass[];
      return {
        signature: r.signature,
        event: r.event,
        ...divergenceKind({ event: r.event, text: r.text, classes }),
      };
    });
    const doc = pgJson(updates);
    await sql`insert into divergence_kinds (kind, title, event)
      select distinct on (kind) kind, title, event from json_to_recordset(${doc}::json) as r(signature text, event text, kind text, title text)
      on conflict (kind) do nothing`.execute(db);
    await sql`update divergences d set kind = r.kind
      from json_to_recordset(${doc}::json) as r(signature text, event text, kind text, title text)
      where d.signature = r.signature`.execute(db);
    after = rows.rows.at(-1)!.signature;
  }
}
