/**
 * Reads of a run for the report stage, which works from stored results only: run summary, the
 * scenario x policy verdict matrix, verdicts and final checks per scenario, traces with ingest
 * stats and integrity events, policy metadata. Divergences are in divergence-queries.ts.
 */
import { type Kysely, sql } from 'kysely';
import type { TraceIdentity } from '../replay/divergence-identity.ts';
import type { FinalRecord, Verdict, VerdictRecord } from '../replay/results.ts';
import { joinTraceScenario } from './join-trace-scenario.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, pageOf } from './paging.ts';
import type { StoreSchema } from './store-schema.ts';

export interface StoredVerdict extends VerdictRecord {
  matrix: string;
  sha256: string;
}

export interface StoredFinal extends FinalRecord {
  matrix: string;
  sha256: string;
}

export interface TraceInfo {
  /** Display label (`source [matrix]`). */
  trace: string;
  identity: TraceIdentity;
  sha256: string;
  matrix: string;
  bytes: number;
  layout: string;
  ingest: unknown;
  events: unknown;
  scenarios: number;
  divergences: number;
  ms: number;
  error: { code: string; message: string } | null;
  integrity: { line: number; kind: string; cpu: number | null; count: number | null; text: string }[];
}

export interface PolicyInfo {
  id: string;
  ord: number;
  kind: string;
  title: string;
  scopeRelease: string;
  moduleHash: string;
  sourceHash: string | null;
  source: string | null;
  commit: string | null;
  subject: string | null;
  summary: string | null;
  link: string | null;
  families: Record<string, { id: string; commit: string | null; release: string | null }>;
  overrides: string[];
}

export interface RunTotals {
  traces: number;
  traceErrors: number;
  scenarios: number;
  calls: number;
  divergences: number;
  rootDivergences: number;
  integrityEvents: number;
  verdicts: Record<Verdict, number>;
}

/** One row of the verdict matrix: a policy's verdict counts over all scenarios of the run. */
export interface PolicyVerdicts {
  policy: string;
  counts: Record<Verdict, number>;
}

// The keyset of the verdict listing.
type VerdictKey = [traceId: number, matrix: string, sidx: number, pord: number];

const emptyVerdicts = (): Record<Verdict, number> => ({
  pass: 0,
  fail: 0,
  inconclusive: 0,
  unsupported: 0,
  error: 0,
});

export async function runTotals(db: Kysely<StoreSchema>, runId: number): Promise<RunTotals> {
  const t = await db
    .selectFrom('run_traces')
    .where('run_id', '=', runId)
    .select((eb) => [
      sql<number>`count(*)::int`.as('traces'),
      sql<number>`count(${eb.ref('error_code')})::int`.as('errors'),
      sql<number>`coalesce(sum(${eb.ref('scenarios')}), 0)::int`.as('scenarios'),
      sql<number>`coalesce(sum(${eb.ref('divergences')}), 0)::int`.as('divergences'),
    ])
    .executeTakeFirstOrThrow();
  const calls = await db
    .selectFrom('scenarios')
    .where('run_id', '=', runId)
    .select(sql<number>`coalesce(sum(calls), 0)::int`.as('n'))
    .executeTakeFirstOrThrow();
  const roots = await db
    .selectFrom('divergences')
    .where('run_id', '=', runId)
    .where('root', '=', true)
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  const integrity = await db
    .selectFrom('integrity_events as i')
    .innerJoin('run_traces as rt', 'rt.trace_id', 'i.trace_id')
    .where('rt.run_id', '=', runId)
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  const verdicts = emptyVerdicts();
  const v = await db
    .selectFrom('scenario_results')
    .where('run_id', '=', runId)
    .groupBy('verdict')
    .select(['verdict', sql<number>`count(*)::int`.as('n')])
    .execute();
  for (const r of v) verdicts[r.verdict as Verdict] = Number(r.n);
  return {
    traces: Number(t.traces),
    traceErrors: Number(t.errors),
    scenarios: Number(t.scenarios),
    calls: Number(calls.n),
    divergences: Number(t.divergences),
    rootDivergences: Number(roots.n),
    integrityEvents: Number(integrity.n),
    verdicts,
  };
}

/** Verdict counts per policy, policies in run order. */
export async function verdictMatrix(db: Kysely<StoreSchema>, runId: number): Promise<PolicyVerdicts[]> {
  const rows = await db
    .selectFrom('scenario_results')
    .where('run_id', '=', runId)
    .groupBy(['policy', 'verdict'])
    .select(['policy', 'verdict', sql<number>`count(*)::int`.as('n'), sql<number>`min(pord)`.as('pord')])
    .execute();
  const byPolicy = new Map<string, PolicyVerdicts & { pord: number }>();
  for (const r of rows) {
    const p = byPolicy.get(r.policy) ?? { policy: r.policy, counts: emptyVerdicts(), pord: Number(r.pord) };
    byPolicy.set(r.policy, p);
    p.counts[r.verdict as Verdict] = Number(r.n);
    p.pord = Math.min(p.pord, Number(r.pord));
  }
  return [...byPolicy.values()]
    .sort((a, b) => a.pord - b.pord || (a.policy < b.policy ? -1 : 1))
    .map(({ policy, counts }) => ({ policy, counts }));
}

export interface VerdictFilter {
  trace?: string;
  matrix?: string;
  scenario?: string;
  policy?: string;
  verdict?: Verdict;
}

/** Scenario x policy verdicts, in trace, scenario and policy order, one page at a time. */
export async function scenarioVerdicts(
  db: Kysely<StoreSchema>,
  runId: number,
  filter: VerdictFilter = {},
  page: PageRequest = {},
): Promise<Page<StoredVerdict>> {
  const limit = pageLimit(page);
  const after = decodeCursor<VerdictKey>(page.after, 4);
  let q = joinTraceScenario(db.selectFrom('scenario_results as v'), 'v')
    .where('v.run_id', '=', runId)
    .select([
      'v.trace_id',
      'v.matrix',
      'v.sidx',
      'v.pord',
      'v.policy',
      'v.verdict',
      'v.failed',
      'v.reason',
      'v.expected',
      'v.extra',
      'rt.source',
      't.sha256',
      's.name',
    ]);
  if (filter.trace !== undefined)
    q = q.where((eb) => eb.or([eb('rt.source', '=', filter.trace!), eb('t.sha256', '=', filter.trace!)]));
  if (filter.matrix !== undefined) q = q.where('v.matrix', '=', filter.matrix);
  if (filter.scenario !== undefined) q = q.where('s.name', '=', filter.scenario);
  if (filter.policy !== undefined) q = q.where('v.policy', '=', filter.policy);
  if (filter.verdict !== undefined) q = q.where('v.verdict', '=', filter.verdict);
  if (after) {
    q = q.where(
      sql<boolean>`(v.trace_id, v.matrix, v.sidx, v.pord) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`,
    );
  }
  const rows = await q
    .orderBy('v.trace_id')
    .orderBy('v.matrix')
    .orderBy('v.sidx')
    .orderBy('v.pord')
    .limit(limit + 1)
    .execute();
  return pageOf(
    rows,
    limit,
    (last) => [last.trace_id, last.matrix, last.sidx, last.pord],
    (r) => {
      const rec: VerdictRecord = {
        type: 'verdict',
        trace: r.source,
        scenario: r.name,
        policy: r.policy,
        verdict: r.verdict as Verdict,
        failed: r.failed,
      };
      if (r.reason !== null) rec.reason = r.reason;
      if (r.expected !== null) rec.expected = r.expected as Verdict;
      return { ...rec, ...r.extra, matrix: r.matrix, sha256: r.sha256 };
    },
  );
}

/** Final checks of a run's scenarios, optionally for one trace or policy. */
export async function listFinals(
  db: Kysely<StoreSchema>,
  runId: number,
  filter: { trace?: string; policy?: string } = {},
): Promise<StoredFinal[]> {
  let q = joinTraceScenario(db.selectFrom('finals as f'), 'f')
    .where('f.run_id', '=', runId)
    .selectAll('f')
    .select(['rt.source', 't.sha256', 's.name']);
  if (filter.trace !== undefined)
    q = q.where((eb) => eb.or([eb('rt.source', '=', filter.trace!), eb('t.sha256', '=', filter.trace!)]));
  if (filter.policy !== undefined) q = q.where('f.policy', '=', filter.policy);
  const rows = await q
    .orderBy('f.trace_id')
    .orderBy('f.matrix')
    .orderBy('f.sidx')
    .orderBy('f.pord')
    .execute();
  return rows.map((r) => ({
    type: 'final',
    trace: r.source,
    scenario: r.name,
    policy: r.policy,
    leaks: r.leaks,
    pinsAcquired: r.pins_acquired,
    pinsReleased: r.pins_released,
    lockedVm: Number(r.locked_vm),
    bugs: r.bugs,
    warnings: r.warnings,
    longtermUnpinnable: r.longterm_unpinnable,
    badPageMaps: r.bad_page_maps,
    ...r.extra,
    matrix: r.matrix,
    sha256: r.sha256,
  }));
}

/** The traces a run covered, by path, with ingest stats and integrity events. */
export async function listTraces(db: Kysely<StoreSchema>, runId: number): Promise<TraceInfo[]> {
  const rows = await db
    .selectFrom('run_traces as rt')
    .innerJoin('traces as t', 't.id', 'rt.trace_id')
    .where('rt.run_id', '=', runId)
    .select([
      'rt.trace_id',
      'rt.source',
      'rt.trace_source',
      'rt.trace_name',
      'rt.matrix',
      'rt.scenarios',
      'rt.divergences',
      'rt.ms',
      'rt.events',
      'rt.error_code',
      'rt.error_message',
      't.sha256',
      't.bytes',
      't.layout',
      't.ingest',
    ])
    .orderBy('rt.source')
    .orderBy('rt.matrix')
    .execute();
  const ids = [...new Set(rows.map((r) => r.trace_id))];
  const events = ids.length
    ? await db
        .selectFrom('integrity_events')
        .where('trace_id', 'in', ids)
        .selectAll()
        .orderBy('trace_id')
        .orderBy('ord')
        .execute()
    : [];
  const byTrace = new Map<number, TraceInfo['integrity']>();
  for (const e of events) {
    const list = byTrace.get(e.trace_id) ?? [];
    byTrace.set(e.trace_id, list);
    list.push({ line: e.line, kind: e.kind, cpu: e.cpu, count: e.count, text: e.text });
  }
  return rows.map((r) => ({
    trace: r.source,
    identity: { source: r.trace_source, name: r.trace_name, matrix: r.matrix },
    sha256: r.sha256,
    matrix: r.matrix,
    bytes: Number(r.bytes),
    layout: r.layout,
    ingest: r.ingest,
    events: r.events,
    scenarios: r.scenarios,
    divergences: r.divergences,
    ms: r.ms,
    error: r.error_code !== null ? { code: r.error_code, message: r.error_message ?? '' } : null,
    integrity: byTrace.get(r.trace_id) ?? [],
  }));
}

export async function listPolicies(db: Kysely<StoreSchema>, runId: number): Promise<PolicyInfo[]> {
  const rows = await db
    .selectFrom('policies')
    .where('run_id', '=', runId)
    .selectAll()
    .orderBy('ord')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    ord: r.ord,
    kind: r.kind,
    title: r.title,
    scopeRelease: r.scope_release,
    moduleHash: r.module_hash,
    sourceHash: r.source_hash,
    source: r.source,
    commit: r.commit,
    subject: r.subject,
    summary: r.summary,
    link: r.link,
    families: r.families,
    overrides: r.overrides,
  }));
}
