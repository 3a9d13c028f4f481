/**
 * The one join every per-scenario read needs: a row keyed by (run_id, trace_id, matrix, sidx)
 * (a divergence, verdict or final) with its run's trace row `rt` (the path the run named it by,
 * its identity), the trace content `t` (its SHA-256) and its scenario `s` (its name).
 */
import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { StoreSchema } from './store-schema.ts';

/** The columns that place a row in a scenario of a trace under a matrix label in a run. */
interface ScenarioKey {
  run_id: number;
  trace_id: number;
  matrix: string;
  sidx: number;
}

/** The tables the join adds, under the aliases every read uses. */
export interface TraceScenarioTables {
  rt: StoreSchema['run_traces'];
  t: StoreSchema['traces'];
  s: StoreSchema['scenarios'];
}

/**
 * Joins `rt`, `t` and `s` onto the table aliased `alias` in `qb`. One generic helper rather than
 * a function per table: the signature keeps kysely's typing for callers (the result has the
 * three aliases, and `alias` must name a table with the scenario key columns), while the body
 * builds the `onRef` column names from `alias` at run time, which kysely's types cannot follow
 * through a generic alias, so it works on an untyped view of the same builder.
 */
export function joinTraceScenario<DB, TB extends keyof DB & string, O, A extends TB>(
  qb: SelectQueryBuilder<DB, TB, O> & (DB[A] extends ScenarioKey ? unknown : never),
  alias: A,
): SelectQueryBuilder<DB & TraceScenarioTables, TB | keyof TraceScenarioTables, O> {
  // biome-ignore lint/suspicious/noExplicitAny: see above; the typed signature is the contract.
  const untyped = qb as unknown as SelectQueryBuilder<any, any, O>;
  return untyped
    .innerJoin('run_traces as rt', (j) =>
      j
        .onRef('rt.run_id', '=', `${alias}.run_id`)
        .onRef('rt.trace_id', '=', `${alias}.trace_id`)
        .onRef('rt.matrix', '=', `${alias}.matrix`),
    )
    .innerJoin('traces as t', 't.id', `${alias}.trace_id`)
    .innerJoin('scenarios as s', (j) =>
      j
        .onRef('s.run_id', '=', `${alias}.run_id`)
        .onRef('s.trace_id', '=', `${alias}.trace_id`)
        .onRef('s.matrix', '=', `${alias}.matrix`)
        .onRef('s.sidx', '=', `${alias}.sidx`),
    ) as unknown as SelectQueryBuilder<DB & TraceScenarioTables, TB | keyof TraceScenarioTables, O>;
}

/**
 * The same join for the reads written as SQL text (diff-runs' `distinct on` and full-join CTEs,
 * which the builder would not make plainer): `run_traces rt` and `scenarios s` only, since those
 * reads join the trace content once, outside. Columns are passed as references, so `alias` is
 * quoted as an identifier, never spliced in as text.
 */
export function joinTraceScenarioSql(alias: string): RawBuilder<unknown> {
  const col = (c: keyof ScenarioKey) => sql.ref(`${alias}.${c}`);
  return sql`join run_traces rt on rt.run_id = ${col('run_id')} and rt.trace_id = ${col('trace_id')} and rt.matrix = ${col('matrix')}
    join scenarios s on s.run_id = ${col('run_id')} and s.trace_id = ${col('trace_id')} and s.matrix = ${col('matrix')} and s.sidx = ${col('sidx')}`;
}
