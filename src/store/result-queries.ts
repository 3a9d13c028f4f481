/**
 * Reads for the report stage, which works from stored results only: run summary, the scenario x
 * policy verdict matrix, divergences with filters and keyset pagination, one divergence by
 * signature with its classes, traces with ingest stats and integrity events, policy metadata.
 */
import { type Kysely, sql } from 'kysely';
import { StoreError } from '../errors.ts';
import { divergenceTitle, type TraceIdentity } from '../replay/divergence-identity.ts';
import type { DivergenceRecord, FinalRecord, Verdict, VerdictRecord } from '../replay/results.ts';
import { joinTraceScenario } from './join-trace-scenario.ts';
import type { StoreSchema } from './store-schema.ts';

export interface StoredDivergence extends DivergenceRecord {
  /** The trace as one record; `trace` is its display label (`source [matrix]`), never parsed back. */
  identity: TraceIdentity;
  matrix: string;
  sha256: string;
  /** Its divergence kind (replay/divergence-kind.ts). */
  kind: string | null;
}

export interface StoredVerdict extends VerdictRecord {
  matrix: string;
  sha256: string;
}

export interface StoredFinal extends FinalRecord {
  matrix: string;
  sha256: string;
}

export interface DivergenceFilter {
  /** A trace by its path in the run or its SHA-256. */
  trace?: string;
  matrix?: string;
  scenario?: string;
  /** Divergences where this policy is in one of the classes. */
  policy?: string;
  event?: string;
  signature?: string;
  /** Divergences of this kind. */
  kind?: string;
  rootOnly?: boolean;
  /** Leave out divergences accepted in triage (and not expired). */
  unacceptedOnly?: boolean;
}

export interface Page<T> {
  rows: T[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface PageRequest {
  /** The `next` of the previous page. */
  after?: string | null;
  /** Rows per page (default 100, at most 10,000). */
  limit?: number;
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

// A keyset cursor is the last row's sort key, opaque to callers.
type DivergenceKey = [traceId: number, matrix: string, sidx: number, seq: number];
type VerdictKey = [traceId: number, matrix: string, sidx: number, pord: number];

function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor<T extends unknown[]>(cursor: string | null | undefined, arity: number): T | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === arity) return key as T;
  } catch {}
  throw new StoreError('PB_STORE', `'${cursor}' is not a page cursor of this listing`);
}

function pageLimit(req: PageRequest): number {
  return Math.max(1, Math.min(10_000, Math.floor(req.limit ?? 100)));
}

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
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return {
    rows: shown.map((r) => {
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
    }),
    next: more && last ? encodeCursor([last.trace_id, last.matrix, last.sidx, last.pord]) : null,
  };
}

function divergenceQuery(db: Kysely<StoreSchema>) {
  return joinTraceScenario(db.selectFrom('divergences as d'), 'd').select([
    'd.run_id',
    'd.trace_id',
    'd.matrix',
    'd.sidx',
    'd.seq',
    'd.signature',
    'd.title',
    'd.kind',
    'd.line',
    'd.event',
    'd.text',
    'd.root',
    'd.classes',
    'd.unsupported',
    'd.context',
    'd.extra',
    'rt.source',
    'rt.trace_source',
    'rt.trace_name',
    't.sha256',
    's.name',
  ]);
}

type DivergenceRow = Awaited<ReturnType<ReturnType<typeof divergenceQuery>['execute']>>[number];

/** A stored divergence in the model.md `divergence` shape, plus `matrix` and `sha256`. */
export function toDivergence(r: DivergenceRow): StoredDivergence {
  return {
    type: 'divergence',
    trace: r.source,
    identity: { source: r.trace_source, name: r.trace_name, matrix: r.matrix },
    scenario: r.name,
    seq: r.seq,
    line: r.line,
    event: r.event,
    text: r.text,
    signature: r.signature,
    title: r.title ?? divergenceTitle(r.name, r.seq, r.event, r.classes as DivergenceRecord['classes']),
    root: r.root,
    classes: r.classes as DivergenceRecord['classes'],
    unsupported: r.unsupported,
    context: r.context,
    ...r.extra,
    matrix: r.matrix,
    sha256: r.sha256,
    kind: r.kind,
  };
}

/** Divergences of a run, filtered, in (trace, matrix, scenario, seq) order, one page at a time. */
export async function listDivergences(
  db: Kysely<StoreSchema>,
  runId: number,
  filter: DivergenceFilter = {},
  page: PageRequest = {},
  /** Signatures accepted in triage (unexpired): left out when `filter.unacceptedOnly`. */
  accepted: readonly string[] = [],
): Promise<Page<StoredDivergence>> {
  const limit = pageLimit(page);
  const after = decodeCursor<DivergenceKey>(page.after, 4);
  let q = divergenceQuery(db).where('d.run_id', '=', runId);
  if (filter.trace !== undefined)
    q = q.where((eb) => eb.or([eb('rt.source', '=', filter.trace!), eb('t.sha256', '=', filter.trace!)]));
  if (filter.matrix !== undefined) q = q.where('d.matrix', '=', filter.matrix);
  if (filter.scenario !== undefined) q = q.where('s.name', '=', filter.scenario);
  if (filter.event !== undefined) q = q.where('d.event', '=', filter.event);
  if (filter.signature !== undefined) q = q.where('d.signature', '=', filter.signature);
  if (filter.kind !== undefined) q = q.where('d.kind', '=', filter.kind);
  if (filter.rootOnly) q = q.where('d.root', '=', true);
  if (filter.policy !== undefined) {
    const probe = JSON.stringify([{ policies: [filter.policy] }]);
    q = q.where(sql<boolean>`d.classes::jsonb @> ${probe}::text::jsonb`);
  }
  if (filter.unacceptedOnly && accepted.length > 0) {
    q = q.where(sql<boolean>`d.signature <> all(${[...accepted]}::text[])`);
  }
  if (after) {
    q = q.where(
      sql<boolean>`(d.trace_id, d.matrix, d.sidx, d.seq) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`,
    );
  }
  const rows = await q
    .orderBy('d.trace_id')
    .orderBy('d.matrix')
    .orderBy('d.sidx')
    .orderBy('d.seq')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return {
    rows: shown.map(toDivergence),
    next: more && last ? encodeCursor([last.trace_id, last.matrix, last.sidx, last.seq]) : null,
  };
}

/**
 * Every occurrence of a signature in a run (several when the same trace content ran under more
 * than one matrix label); without a run, in the newest run that has it.
 */
export async function divergenceBySignature(
  db: Kysely<StoreSchema>,
  signature: string,
  runId?: number,
): Promise<{ runId: number; occurrences: StoredDivergence[] } | null> {
  let run = runId;
  if (run === undefined) {
    const r = await db
      .selectFrom('divergences')
      .where('signature', '=', signature)
      .select(sql<number>`max(run_id)`.as('run_id'))
      .executeTakeFirst();
    if (r?.run_id === null || r?.run_id === undefined) return null;
    run = Number(r.run_id);
  }
  const rows = await divergenceQuery(db)
    .where('d.run_id', '=', run)
    .where('d.signature', '=', signature)
    .orderBy('d.trace_id')
    .orderBy('d.matrix')
    .orderBy('d.sidx')
    .orderBy('d.seq')
    .execute();
  return rows.length ? { runId: run, occurrences: rows.map(toDivergence) } : null;
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
