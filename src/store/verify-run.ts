/**
 * Row counts of a run, stored when it finishes and checked by `pinbench verify` (and before an
 * export). PostgreSQL checks page headers, but a page that became all zeros reads as a valid empty
 * page (no data checksums in PGlite): its rows vanish silently and `export` would print the rest
 * and exit 0. Counting every row of the run against counts written with it catches that; a
 * damaged page header is caught by the scan itself (XX001, a StoreFailure).
 *
 * Two layers of counts: each `run_traces` row holds its trace's scenario and divergence counts,
 * written in the same transaction as those rows; the run's `counts.rows` holds the number of rows
 * of every per-trace table (and of `run_traces`) at the moment the run finished.
 */
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import type { StoreSchema } from './store-schema.ts';

/** The tables holding a run's results, one row set per trace. */
export const RUN_TABLES = [
  'run_traces',
  'scenarios',
  'scenario_results',
  'finals',
  'divergences',
  'fidelity',
  'outcomes',
] as const;
export type RunTable = (typeof RUN_TABLES)[number];

export type RowCounts = Record<RunTable, number>;

/** How many rows of each table belong to `runId` (a full scan of the run's part of each). */
export async function countRunRows(db: QueryExecutorProvider, runId: number): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const table of RUN_TABLES) {
    const r = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)} where run_id = ${runId}`.execute(db);
    counts[table] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}

export interface VerifyProblem {
  /** What was counted: a table, or `<table> of <trace>`. */
  what: string;
  expected: number;
  found: number;
}

export interface RunVerification {
  runId: number;
  /** Whether the run stored table counts when it finished (runs finished before they were kept do not). */
  hadRowCounts: boolean;
  rows: RowCounts;
  problems: VerifyProblem[];
}

export async function verifyRun(
  db: Kysely<StoreSchema>,
  runId: number,
  storedCounts: Record<string, unknown> | null,
): Promise<RunVerification> {
  const rows = await countRunRows(db, runId);
  const problems: VerifyProblem[] = [];
  const stored = (storedCounts?.rows ?? null) as Partial<Record<string, unknown>> | null;
  if (stored) {
    for (const table of RUN_TABLES) {
      const expected = stored[table];
      if (typeof expected === 'number' && expected !== rows[table]) {
        problems.push({ what: table, expected, found: rows[table] });
      }
    }
  }
  // Per trace: the counts each run_traces row was written with, against the rows there are.
  const perTrace = await sql<{
    source: string;
    matrix: string;
    scenarios: number;
    divergences: number;
    found_scenarios: number;
    found_divergences: number;
  }>`
    select rt.source, rt.matrix, rt.scenarios, rt.divergences,
      (select count(*)::int from scenarios s
        where s.run_id = rt.run_id and s.trace_id = rt.trace_id and s.matrix = rt.matrix) as found_scenarios,
      (select count(*)::int from divergences d
        where d.run_id = rt.run_id and d.trace_id = rt.trace_id and d.matrix = rt.matrix) as found_divergences
    from run_traces rt where rt.run_id = ${runId}
    order by rt.source, rt.matrix`.execute(db);
  for (const t of perTrace.rows) {
    const name = t.matrix ? `${t.source} [${t.matrix}]` : t.source;
    if (Number(t.found_scenarios) !== Number(t.scenarios)) {
      problems.push({
        what: `scenarios of ${name}`,
        expected: Number(t.scenarios),
        found: Number(t.found_scenarios),
      });
    }
    if (Number(t.found_divergences) !== Number(t.divergences)) {
      problems.push({
        what: `divergences of ${name}`,
        expected: Number(t.divergences),
        found: Number(t.found_divergences),
      });
    }
  }
  return { runId, hadRowCounts: stored !== null, rows, problems };
}

/** `divergences: 80 of 123 rows; scenarios of a.trace: 3 of 4 rows` */
export function formatProblems(problems: readonly VerifyProblem[]): string {
  return problems.map((p) => `${p.what}: ${p.found} of ${p.expected} rows`).join('; ');
}
