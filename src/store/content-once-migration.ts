/**
 * Migration 0007: results stored once by content (issue 16). Before it, a 64 MiB synthetic run
 * stored 230k verdict and 230k final rows (one per scenario x policy) and 42k divergence rows of
 * ~2.7 KB of JSON each, most of it repeated: the same why paths and outcomes in many calls, the
 * same class partitions everywhere, and trace lines copied into every overlapping context window.
 *
 *   - `divergence_contents`: JSON stored once by content, keyed by `contentKey` (the first 16 hex
 *     digits of its SHA-256): class outcomes, why paths and class partitions.
 *   - `divergence_rows` (the former `divergences` table): `classes` holds each class as
 *     `[outcome key, why key]`, `partition_key` its policies per class; `context` is null where
 *     the lines are a range of `trace_lines` (`context_from`..`context_to`), and keeps the lines
 *     itself otherwise (not consecutive in the file, or not the text stored for those lines).
 *   - `trace_lines`: a trace content's lines that some context shows, once per content (a second
 *     run of the same trace adds none).
 *   - `scenario_verdicts` / `scenario_finals`: one row per scenario, each field an array in the
 *     replay's policy order (`policies[i]` is the policy of position i, its `pord`); `failed`,
 *     `reasons`, `expected` and `extra` are null when no policy has one.
 *   - `divergences`, `scenario_results` and `finals` are views giving the rows in their old shape,
 *     so every reader (report, exports, diff, nightly, triage, verify, repro) reads what it did.
 *
 * Rows stored before it are converted here, set-based in SQL. Registered in store-migrations.ts.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now
type AnyDb = Kysely<any>;

/** Hex digits of SHA-256 kept as a content key: 64 bits, like signatures and kinds. */
export const CONTENT_KEY_HEX = 16;

/** The content key of a JSON text, as the writer and this migration's SQL compute it. */
export function contentKey(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, CONTENT_KEY_HEX);
}

/** The same key in SQL, over a text expression. */
const keySql = (expr: string) =>
  `left(encode(sha256(convert_to(${expr}, 'UTF8')), 'hex'), ${CONTENT_KEY_HEX})`;

/** The views readers use: each gives the rows of the table it replaces, column for column. */
export const DIVERGENCES_VIEW = sql`
create view divergences as
select d.run_id, d.trace_id, d.matrix, d.sidx, d.seq, d.signature, d.title, d.kind,
  pc.value::text as partition,
  d.line, d.event, d.text, d.root,
  coalesce((
    select json_agg(json_build_object('policies', pc.value -> (c.i - 1)::int, 'outcome', o.value, 'why', w.value) order by c.i)
    from json_array_elements(d.classes) with ordinality as c(e, i)
    join divergence_contents o on o.key = c.e ->> 0
    join divergence_contents w on w.key = c.e ->> 1
  ), '[]'::json) as classes,
  d.unsupported,
  coalesce(d.context, (
    select json_agg(json_build_object('line', l.line, 'text', l.text) order by l.line)
    from trace_lines l
    where l.trace_id = d.trace_id and l.line between d.context_from and d.context_to
  ), '[]'::json) as context,
  d.extra
from divergence_rows d
left join divergence_contents pc on pc.key = d.partition_key`;

/** Element i of a per-policy JSON array column, SQL null where the element (or the column) is null. */
const jsonElement = (col: string) =>
  sql.raw(
    `case when json_typeof(${col} -> (p.i - 1)::int) = 'null' then null else ${col} -> (p.i - 1)::int end`,
  );

const SCENARIO_RESULTS_VIEW = sql`
create view scenario_results as
select v.run_id, v.trace_id, v.matrix, v.sidx, p.policy, (p.i - 1)::int as pord,
  v.verdicts[p.i] as verdict,
  coalesce(v.failed -> (p.i - 1)::int, '[]'::json) as failed,
  v.reasons[p.i] as reason,
  v.expected[p.i] as expected,
  ${jsonElement('v.extra')} as extra
from scenario_verdicts v
cross join lateral unnest(v.policies) with ordinality as p(policy, i)`;

const FINALS_VIEW = sql`
create view finals as
select f.run_id, f.trace_id, f.matrix, f.sidx, p.policy, f.pords[p.i] as pord,
  f.leaks -> (p.i - 1)::int as leaks,
  f.pins_acquired[p.i] as pins_acquired,
  f.pins_released[p.i] as pins_released,
  f.locked_vm[p.i] as locked_vm,
  f.bugs[p.i] as bugs,
  f.warnings[p.i] as warnings,
  f.longterm_unpinnable[p.i] as longterm_unpinnable,
  f.bad_page_maps[p.i] as bad_page_maps,
  ${jsonElement('f.extra')} as extra
from scenario_finals f
cross join lateral unnest(f.policies) with ordinality as p(policy, i)`;

const TRACE_KEY = ['run_id', 'trace_id', 'matrix'] as const;

function perScenario(db: AnyDb, name: string) {
  return db.schema
    .createTable(name)
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('trace_id', 'integer', (c) => c.notNull())
    .addColumn('matrix', 'text', (c) => c.notNull())
    .addColumn('sidx', 'integer', (c) => c.notNull())
    .addColumn('policies', sql`text[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, [...TRACE_KEY, 'sidx'])
    .addForeignKeyConstraint(`${name}_run_trace_fk`, [...TRACE_KEY], 'run_traces', [...TRACE_KEY], (fk) =>
      fk.onDelete('cascade'),
    );
}

export const contentOnceMigration: Migration = {
  async up(db: AnyDb) {
    await divergencesByContent(db);
    await verdictsPerScenario(db);
    await finalsPerScenario(db);
    // Every row was rewritten: without statistics the planner reads the views' joins badly
    // (a report's kind examples took 25 s instead of 2 s on a converted 64 MiB run).
    await sql`analyze divergence_rows, divergence_contents, trace_lines, scenario_verdicts, scenario_finals`.execute(
      db,
    );
  },
};

async function divergencesByContent(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('divergence_contents')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'json', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('trace_lines')
    .addColumn('trace_id', 'integer', (c) => c.notNull().references('traces.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('trace_lines_pk', ['trace_id', 'line'])
    .execute();
  await sql`alter table divergences rename to divergence_rows`.execute(db);
  await sql`alter table divergence_rows
    add column partition_key text,
    add column context_from integer,
    add column context_to integer,
    alter column context drop not null`.execute(db);

  // Class outcomes, why paths and partitions of the rows stored so far, once each.
  const part = "coalesce(d.partition, jsonb_path_query_array(d.classes::jsonb, '$[*].policies')::text)";
  await sql
    .raw(`
    insert into divergence_contents (key, value)
    select distinct on (k) k, v::json from (
      select ${keySql("(c.e -> 'outcome')::text")} as k, (c.e -> 'outcome')::text as v
        from divergence_rows d, json_array_elements(d.classes) as c(e)
      union all
      select ${keySql("(c.e -> 'why')::text")}, (c.e -> 'why')::text
        from divergence_rows d, json_array_elements(d.classes) as c(e)
      union all
      select ${keySql(part)}, ${part} from divergence_rows d
    ) x order by k
    on conflict (key) do nothing`)
    .execute(db);
  await sql
    .raw(`
    update divergence_rows d set
      partition_key = ${keySql(part)},
      classes = (
        select json_agg(json_build_array(${keySql("(c.e -> 'outcome')::text")}, ${keySql("(c.e -> 'why')::text")}) order by c.i)
        from json_array_elements(d.classes) with ordinality as c(e, i)
      )`)
    .execute(db);
  await sql`alter table divergence_rows drop column partition`.execute(db);

  // Context windows that are consecutive lines become ranges of the trace's lines.
  await sql`
    insert into trace_lines (trace_id, line, text)
    select distinct on (d.trace_id, (l ->> 'line')::int) d.trace_id, (l ->> 'line')::int, l ->> 'text'
    from divergence_rows d, json_array_elements(d.context) as l
    where ${CONSECUTIVE}
    order by d.trace_id, (l ->> 'line')::int
    on conflict do nothing`.execute(db);
  await sql`
    update divergence_rows d set
      context_from = (d.context -> 0 ->> 'line')::int,
      context_to = (d.context -> 0 ->> 'line')::int + json_array_length(d.context) - 1,
      context = null
    where ${CONSECUTIVE}
      and not exists (
        select 1 from json_array_elements(d.context) as l
        left join trace_lines t on t.trace_id = d.trace_id and t.line = (l ->> 'line')::int
        where t.text is distinct from l ->> 'text'
      )`.execute(db);
  await DIVERGENCES_VIEW.execute(db);
}

/** A stored context (`d.context`) whose lines are consecutive in the file. */
const CONSECUTIVE = sql`json_array_length(d.context) > 0 and not exists (
  select 1 from json_array_elements(d.context) with ordinality as x(l, i)
  where (x.l ->> 'line')::int <> (d.context -> 0 ->> 'line')::int + x.i - 1)`;

async function verdictsPerScenario(db: AnyDb): Promise<void> {
  await perScenario(db, 'scenario_verdicts')
    .addColumn('verdicts', sql`text[]`, (c) => c.notNull())
    .addColumn('failed', 'json')
    .addColumn('reasons', sql`text[]`)
    .addColumn('expected', sql`text[]`)
    .addColumn('extra', 'json')
    .execute();
  await sql`
    insert into scenario_verdicts (run_id, trace_id, matrix, sidx, policies, verdicts, failed, reasons, expected, extra)
    select run_id, trace_id, matrix, sidx,
      array_agg(policy order by pord), array_agg(verdict order by pord),
      case when bool_or(failed::text <> '[]') then json_agg(failed order by pord) end,
      case when bool_or(reason is not null) then array_agg(reason order by pord) end,
      case when bool_or(expected is not null) then array_agg(expected order by pord) end,
      case when bool_or(extra is not null) then json_agg(extra order by pord) end
    from scenario_results
    group by run_id, trace_id, matrix, sidx`.execute(db);
  await sql`drop table scenario_results`.execute(db);
  await SCENARIO_RESULTS_VIEW.execute(db);
}

async function finalsPerScenario(db: AnyDb): Promise<void> {
  await perScenario(db, 'scenario_finals')
    .addColumn('pords', sql`integer[]`, (c) => c.notNull())
    .addColumn('leaks', 'json', (c) => c.notNull())
    .addColumn('pins_acquired', sql`integer[]`, (c) => c.notNull())
    .addColumn('pins_released', sql`integer[]`, (c) => c.notNull())
    .addColumn('locked_vm', sql`bigint[]`, (c) => c.notNull())
    .addColumn('bugs', sql`integer[]`, (c) => c.notNull())
    .addColumn('warnings', sql`integer[]`, (c) => c.notNull())
    .addColumn('longterm_unpinnable', sql`integer[]`, (c) => c.notNull())
    .addColumn('bad_page_maps', sql`integer[]`, (c) => c.notNull())
    .addColumn('extra', 'json')
    .execute();
  await sql`
    insert into scenario_finals (run_id, trace_id, matrix, sidx, policies, pords, leaks, pins_acquired,
      pins_released, locked_vm, bugs, warnings, longterm_unpinnable, bad_page_maps, extra)
    select run_id, trace_id, matrix, sidx,
      array_agg(policy order by pord, policy), array_agg(pord order by pord, policy),
      json_agg(leaks order by pord, policy),
      array_agg(pins_acquired order by pord, policy), array_agg(pins_released order by pord, policy),
      array_agg(locked_vm order by pord, policy), array_agg(bugs order by pord, policy),
      array_agg(warnings order by pord, policy), array_agg(longterm_unpinnable order by pord, policy),
      array_agg(bad_page_maps order by pord, policy),
      case when bool_or(extra is not null) then json_agg(extra order by pord, policy) end
    from finals
    group by run_id, trace_id, matrix, sidx`.execute(db);
  await sql`drop table finals`.execute(db);
  await FINALS_VIEW.execute(db);
}
