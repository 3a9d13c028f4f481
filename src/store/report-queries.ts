/**
 * Reads only the report stage needs, beside `run-queries.ts` and `divergence-queries.ts` (whose listings it reuses):
 * scenarios with their divergence counts and every verdict keyed by scenario position (the
 * matrix), a divergence page by offset (`pinbench serve` answers "page N" without walking
 * cursors), and a slim divergence listing for the list page's client-side index (no why paths,
 * no context: the columns a filter needs).
 */
import { type Kysely, sql } from 'kysely';
import type { TraceIdentity } from '../replay/divergence-identity.ts';
import type { Verdict } from '../replay/results.ts';
import { type StoredDivergence, toDivergence } from './divergence-queries.ts';
import { type DivergenceRow, PARTITION_SQL, parsePartition, ROW_TEXT_MAX } from './divergence-row.ts';
import {
  type KindExamples,
  type KindSummary,
  kindExamples,
  kindFirsts,
  kindsNotIn,
  runKinds,
} from './kind-queries.ts';
import type { Store } from './store.ts';
import type { StoreSchema } from './store-schema.ts';

export interface ReportScenario {
  /** Position of the scenario in the run: (trace, matrix, sidx) order. */
  traceId: number;
  /** Display label (`source [matrix]`). */
  trace: string;
  identity: TraceIdentity;
  sha256: string;
  matrix: string;
  sidx: number;
  name: string;
  calls: number;
  divergences: number;
  roots: number;
}

export interface ReportVerdict {
  traceId: number;
  matrix: string;
  sidx: number;
  policy: string;
  verdict: Verdict;
  failed: string[];
  reason: string | null;
  /** What the trace header expects (null: it states nothing, or a run stored before it was kept). */
  expected: Verdict | null;
}

/** The run's scenarios in (trace, matrix, sidx) order, with divergence and root counts. */
export async function reportScenarios(db: Kysely<StoreSchema>, runId: number): Promise<ReportScenario[]> {
  const rows = await sql<{
    trace_id: number;
    source: string;
    trace_source: string;
    trace_name: string;
    sha256: string;
    matrix: string;
    sidx: number;
    name: string;
    calls: number;
    divergences: number;
    roots: number;
  }>`
    select s.trace_id, rt.source, rt.trace_source, rt.trace_name, t.sha256, s.matrix, s.sidx, s.name, s.calls,
           coalesce(d.n, 0)::int as divergences, coalesce(d.roots, 0)::int as roots
    from scenarios s
    join run_traces rt on rt.run_id = s.run_id and rt.trace_id = s.trace_id and rt.matrix = s.matrix
    join traces t on t.id = s.trace_id
    left join (
      select trace_id, matrix, sidx, count(*) as n, count(*) filter (where root) as roots
      from divergences where run_id = ${runId}
      group by trace_id, matrix, sidx
    ) d on d.trace_id = s.trace_id and d.matrix = s.matrix and d.sidx = s.sidx
    where s.run_id = ${runId}
    order by rt.source, s.matrix, s.sidx`.execute(db);
  return rows.rows.map((r) => ({
    traceId: r.trace_id,
    trace: r.source,
    identity: { source: r.trace_source, name: r.trace_name, matrix: r.matrix },
    sha256: r.sha256,
    matrix: r.matrix,
    sidx: r.sidx,
    name: r.name,
    calls: r.calls,
    divergences: Number(r.divergences),
    roots: Number(r.roots),
  }));
}

/**
 * Every verdict of the run, keyed by scenario position, policies in run order: read as the
 * stored rows, one per scenario (migration 0007), not as the view's row per scenario x policy.
 */
export async function reportVerdicts(db: Kysely<StoreSchema>, runId: number): Promise<ReportVerdict[]> {
  const rows = await db
    .selectFrom('scenario_verdicts')
    .where('run_id', '=', runId)
    .select(['trace_id', 'matrix', 'sidx', 'policies', 'verdicts', 'failed', 'reasons', 'expected'])
    .orderBy('trace_id')
    .orderBy('matrix')
    .orderBy('sidx')
    .execute();
  const out: ReportVerdict[] = [];
  for (const r of rows) {
    const failed = typeof r.failed === 'string' ? (JSON.parse(r.failed) as string[][]) : r.failed;
    r.policies.forEach((policy, i) => {
      out.push({
        traceId: r.trace_id,
        matrix: r.matrix,
        sidx: r.sidx,
        policy,
        verdict: r.verdicts[i] as Verdict,
        failed: failed?.[i] ?? [],
        reason: r.reasons?.[i] ?? null,
        expected: (r.expected?.[i] ?? null) as Verdict | null,
      });
    });
  }
  return out;
}

/** A run's scenarios with divergences, in list order (trace id, matrix, sidx) as the database sorts them. */
async function divergentScenarioKeys(
  db: Kysely<StoreSchema>,
  runId: number,
): Promise<{ trace_id: number; matrix: string; sidx: number; n: number }[]> {
  const rows = await sql<{ trace_id: number; matrix: string; sidx: number; n: number }>`
    select trace_id, matrix, sidx, count(*)::int as n from divergences where run_id = ${runId}
    group by trace_id, matrix, sidx order by trace_id, matrix, sidx`.execute(db);
  return rows.rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/**
 * Batches of whole scenarios holding about `target` divergences, in list order. Reading a batch
 * by its scenario keys never asks the database to sort the run: without statistics (a run just
 * written), the planner answers a keyset page with a bitmap scan and a sort of every remaining
 * row, which makes reading a run in pages quadratic.
 */
async function scenarioBatches(db: Kysely<StoreSchema>, runId: number, target: number) {
  const keys = await divergentScenarioKeys(db, runId);
  const batches: (typeof keys)[] = [];
  let cur: typeof keys = [];
  let n = 0;
  for (const k of keys) {
    if (cur.length && n + k.n > target) {
      batches.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(k);
    n += k.n;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

function batchFilter(batch: readonly { trace_id: number; matrix: string; sidx: number }[]) {
  return sql<boolean>`(d.trace_id, d.matrix, d.sidx) in (${sql.join(
    batch.map((k) => sql`(${k.trace_id}, ${k.matrix}, ${k.sidx})`),
  )})`;
}

type ScenarioKey = { trace_id: number; matrix: string; sidx: number };

function keyOf(k: ScenarioKey): string {
  return `${k.trace_id}\0${k.matrix}\0${k.sidx}`;
}

/** Sorts rows of one batch into list order: the batch's scenario order, then seq. */
function inBatchOrder<R extends ScenarioKey & { seq: number }>(
  rows: R[],
  batch: readonly ScenarioKey[],
): R[] {
  const pos = new Map(batch.map((k, i) => [keyOf(k), i]));
  const at = (r: R) => pos.get(keyOf(r)) ?? 0;
  return rows.sort((a, b) => at(a) - at(b) || a.seq - b.seq);
}

/**
 * A run's scenarios by (trace, matrix, scenario index): their trace path, hash and name. `known`:
 * the run's scenarios as the caller already read them (`reportScenarios`), not read again.
 */
async function scenariosByKey(
  db: Kysely<StoreSchema>,
  runId: number,
  known?: readonly ReportScenario[],
): Promise<Map<string, ReportScenario>> {
  const names = new Map<string, ReportScenario>();
  for (const s of known ?? (await reportScenarios(db, runId)))
    names.set(keyOf({ trace_id: s.traceId, matrix: s.matrix, sidx: s.sidx }), s);
  return names;
}

/** The divergences of a batch of whole scenarios, in list order, named from `names`. */
async function readBatch(
  db: Kysely<StoreSchema>,
  runId: number,
  batch: readonly ScenarioKey[],
  names: ReadonlyMap<string, ReportScenario>,
): Promise<StoredDivergence[]> {
  const rows = await db
    .selectFrom('divergences as d')
    .where('d.run_id', '=', runId)
    .where(batchFilter(batch))
    .selectAll('d')
    .execute();
  return inBatchOrder(rows, batch).map((r) => {
    const s = names.get(keyOf(r));
    return toDivergence({
      ...r,
      source: s?.trace ?? '',
      trace_source: s?.identity.source ?? '',
      trace_name: s?.identity.name ?? '',
      sha256: s?.sha256 ?? '',
      name: s?.name ?? '',
    });
  });
}

/**
 * Every divergence of a run in list order (that of `listDivergences`: trace id, matrix,
 * scenario, seq), in batches of whole scenarios of about `pageSize` divergences: O(n) for the
 * whole run. Trace paths, hashes and scenario names come from one read of the run's scenarios.
 */
export async function* streamDivergences(
  db: Kysely<StoreSchema>,
  runId: number,
  pageSize = 5000,
): AsyncGenerator<StoredDivergence[]> {
  const names = await scenariosByKey(db, runId);
  for (const batch of await scenarioBatches(db, runId, pageSize)) {
    yield await readBatch(db, runId, batch, names);
  }
}

/**
 * `limit` divergences from position `offset` in list order (a list page): only the scenarios
 * that hold them are read, found from the per-scenario counts, so page 500 costs what page 1 does.
 */
export async function divergencesAt(
  db: Kysely<StoreSchema>,
  runId: number,
  offset: number,
  limit: number,
): Promise<StoredDivergence[]> {
  const from = Math.max(0, Math.floor(offset));
  const to = from + Math.max(1, Math.floor(limit));
  const batch: { trace_id: number; matrix: string; sidx: number; n: number }[] = [];
  let start = 0;
  let skipped = 0;
  for (const k of await divergentScenarioKeys(db, runId)) {
    if (start + k.n > from && start < to) {
      if (batch.length === 0) skipped = start;
      batch.push(k);
    }
    start += k.n;
    if (start >= to) break;
  }
  if (batch.length === 0) return [];
  const names = await scenariosByKey(db, runId);
  return (await readBatch(db, runId, batch, names)).slice(from - skipped, to - skipped);
}

/** Every divergence of a run as the list's index needs it, in list order, batch by batch. */
export async function* streamDivergenceRows(
  db: Kysely<StoreSchema>,
  runId: number,
  // 20,000 rows a batch fails on PGlite ("unnamed prepared statement does not exist": a
  // statement with ~13k parameters); 5,000 works and costs no more in total.
  pageSize = 5000,
  /** The run's scenarios, when the caller has them (a report's context): not read again. */
  scenarios?: readonly ReportScenario[],
): AsyncGenerator<DivergenceRow[]> {
  const names = await scenariosByKey(db, runId, scenarios);
  for (const batch of await scenarioBatches(db, runId, pageSize)) {
    const rows = await db
      .selectFrom('divergences as d')
      .where('d.run_id', '=', runId)
      .where(batchFilter(batch))
      .select([
        'd.trace_id',
        'd.matrix',
        'd.sidx',
        'd.seq',
        'd.signature',
        'd.kind',
        sql<string>`coalesce(d.title, '')`.as('title'),
        'd.line',
        'd.event',
        'd.root',
        sql<string>`left(d.text, ${ROW_TEXT_MAX})`.as('text'),
        sql<string[][] | string>`${sql.raw(PARTITION_SQL)}`.as('classes'),
      ])
      .execute();
    yield inBatchOrder(rows, batch).map((r) => {
      const s = names.get(keyOf(r));
      return {
        signature: r.signature,
        kind: r.kind,
        title: r.title,
        trace: s?.trace ?? '',
        matrix: r.matrix,
        scenario: s?.name ?? '',
        seq: r.seq,
        line: r.line,
        event: r.event,
        root: r.root,
        text: r.text,
        classes: parsePartition(r.classes),
      };
    });
  }
}

/** The report's extra reads bound to a store (the kysely instance stays inside src/store). */
export interface ReportReads {
  scenarios(runId: number): Promise<ReportScenario[]>;
  verdicts(runId: number): Promise<ReportVerdict[]>;
  divergencesAt(runId: number, offset: number, limit: number): Promise<StoredDivergence[]>;
  streamDivergences(runId: number, pageSize?: number): AsyncGenerator<StoredDivergence[]>;
  /** `scenarios`: the run's scenarios as `scenarios(runId)` gave them, when the caller has them. */
  streamDivergenceRows(
    runId: number,
    pageSize?: number,
    scenarios?: readonly ReportScenario[],
  ): AsyncGenerator<DivergenceRow[]>;
  /** The run's divergence kinds, most frequent first. */
  kinds(runId: number): Promise<KindSummary[]>;
  /** The first `perKind` occurrences of every kind, by kind. */
  kindExamples(
    runId: number,
    perKind: number,
    fullKinds?: readonly string[],
  ): Promise<Map<string, KindExamples>>;
  /** The first occurrence in full of each kind (of `kinds`, when given), by kind. */
  kindFirsts(runId: number, kinds?: readonly string[]): Promise<Map<string, StoredDivergence>>;
  /** Kinds of run `of` that run `other` lacks. */
  kindsNotIn(of: number, other: number): Promise<string[]>;
}

export function reportReads(store: Store): ReportReads {
  return {
    scenarios: (runId) => reportScenarios(store.db, runId),
    verdicts: (runId) => reportVerdicts(store.db, runId),
    divergencesAt: (runId, offset, limit) => divergencesAt(store.db, runId, offset, limit),
    streamDivergences: (runId, pageSize) => streamDivergences(store.db, runId, pageSize),
    streamDivergenceRows: (runId, pageSize, scenarios) =>
      streamDivergenceRows(store.db, runId, pageSize, scenarios),
    kinds: (runId) => runKinds(store.db, runId),
    kindExamples: (runId, perKind, fullKinds) => kindExamples(store.db, runId, perKind, fullKinds),
    kindFirsts: (runId, kinds) => kindFirsts(store.db, runId, kinds),
    kindsNotIn: (of, other) => kindsNotIn(store.db, of, other),
  };
}
