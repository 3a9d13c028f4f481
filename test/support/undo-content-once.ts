/**
 * Turns a database back into the shape it had before migration 0007 (content-once-migration.ts),
 * rows included: `divergences`, `scenario_results` and `finals` become plain tables again with
 * one row per divergence, per scenario x policy, the payloads as the replay wrote them. Tests use
 * it to get a database "written before 0007" from rows written now, and check that opening it
 * converts them and every reader sees the same results.
 */
import { type Kysely, sql } from 'kysely';
import { MIGRATION_TABLE } from '../../src/store/store-migrations.ts';

// biome-ignore lint/suspicious/noExplicitAny: the schema as it was before 0007
export async function undoContentOnce(db: Kysely<any>): Promise<void> {
  await sql`create table divergences_legacy as select * from divergences`.execute(db);
  await sql`alter table divergences_legacy alter column context set not null`.execute(db);
  await sql`create table scenario_results_legacy as select * from scenario_results`.execute(db);
  await sql`create table finals_legacy as select * from finals`.execute(db);
  await sql`drop view divergences, scenario_results, finals`.execute(db);
  await sql`drop table divergence_rows, scenario_verdicts, scenario_finals, divergence_contents, trace_lines`.execute(
    db,
  );
  await sql`alter table divergences_legacy rename to divergences`.execute(db);
  await sql`alter table scenario_results_legacy rename to scenario_results`.execute(db);
  await sql`alter table finals_legacy rename to finals`.execute(db);
  await sql`create index divergences_run_kind on divergences (run_id, kind)`.execute(db);
  await sql`delete from ${sql.table(MIGRATION_TABLE)} where name >= '0007'`.execute(db);
}
