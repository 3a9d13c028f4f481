/**
 * Reads of stored divergences for the report stage: a run's divergences with filters and keyset
 * pagination, every occurrence of one signature, and the row shape other reads reuse.
 */
import { type Kysely, sql } from 'kysely';
import { divergenceTitle, type TraceIdentity } from '../replay/divergence-identity.ts';
import type { DivergenceRecord } from '../replay/results.ts';
import { joinTraceScenario } from './join-trace-scenario.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, pageOf } from './paging.ts';
import type { StoreSchema } from './store-schema.ts';

export interface StoredDivergence extends DivergenceRecord {
  /** The trace as one record; `trace` is its display label (`source [matrix]`), never parsed back. */
  identity: TraceIdentity;
  matrix: string;
  sha256: string;
  /** Its divergence kind (replay/divergence-kind.ts). */
  kind: string | null;
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

// The keyset of the divergence listing.
type DivergenceKey = [traceId: number, matrix: string, sidx: number, seq: number];

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
    // The partition (each class's policies) holds what the classes would, without their outcomes.
    const probe = JSON.stringify([[filter.policy]]);
    q = q.where(sql<boolean>`d.partition::jsonb @> ${probe}::text::jsonb`);
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
  return pageOf(rows, limit, (last) => [last.trace_id, last.matrix, last.sidx, last.seq], toDivergence);
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
