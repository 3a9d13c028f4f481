/**
 * Reads of divergence kinds (replay/divergence-kind.ts, migration 0005): a run's kinds with
 * their counts and traces, a few example occurrences of each, and kinds compared between runs.
 * Rows stored before the backfill of 0005 have a kind like every other (the migration fills it).
 */
import { type Kysely, sql } from 'kysely';
import { type StoredDivergence, toDivergence } from './divergence-queries.ts';
import {
  type DivergenceRow,
  divergenceRow,
  PARTITION_SQL,
  parsePartition,
  ROW_TEXT_MAX,
} from './divergence-row.ts';
import type { StoreSchema } from './store-schema.ts';

export interface KindSummary {
  kind: string;
  title: string;
  event: string;
  /** Occurrences (divergences) of the kind in the run. */
  count: number;
  roots: number;
  /** Distinct divergence identities among the occurrences. */
  signatures: number;
  /** Trace paths the kind occurs in, sorted. */
  traces: string[];
}

/** A run's kinds, most frequent first (then by kind id, for a stable order). */
export async function runKinds(db: Kysely<StoreSchema>, runId: number): Promise<KindSummary[]> {
  const rows = await sql<{
    kind: string;
    title: string;
    event: string;
    n: number;
    roots: number;
    sigs: number;
    traces: string[];
  }>`
    select d.kind, k.title, k.event, count(*)::int as n, (count(*) filter (where d.root))::int as roots,
           count(distinct d.signature)::int as sigs, array_agg(distinct rt.source) as traces
    from divergences d
    join divergence_kinds k on k.kind = d.kind
    join run_traces rt on rt.run_id = d.run_id and rt.trace_id = d.trace_id and rt.matrix = d.matrix
    where d.run_id = ${runId}
    group by d.kind, k.title, k.event
    order by n desc, d.kind`.execute(db);
  return rows.rows.map((r) => ({
    kind: r.kind,
    title: r.title,
    event: r.event,
    count: Number(r.n),
    roots: Number(r.roots),
    signatures: Number(r.sigs),
    traces: [...r.traces].sort(),
  }));
}

/** A kind's first occurrence in full and its first few as rows. */
export interface KindExamples {
  /** Absent for a kind not asked for in full (`fullKinds`). */
  first?: StoredDivergence;
  /** The first `perKind` occurrences in list order, the first included. */
  rows: DivergenceRow[];
}

/**
 * The first occurrence in full (why paths, context) of each kind of a run (of `kinds`, when
 * given), in list order (trace, matrix, scenario, seq): the key of each kind's first occurrence
 * first (a sort of slim rows), then those rows in full. Keyed by kind.
 */
export async function kindFirsts(
  db: Kysely<StoreSchema>,
  runId: number,
  kinds?: readonly string[],
): Promise<Map<string, StoredDivergence>> {
  const full = await sql<Parameters<typeof toDivergence>[0]>`
    select x.*, rt.source, rt.trace_source, rt.trace_name, t.sha256, s.name from (
      select distinct on (d.kind) d.trace_id, d.matrix, d.sidx, d.seq from divergences d
      where d.run_id = ${runId} and d.kind is not null
        and (${kinds === undefined} or d.kind = any(${[...(kinds ?? [])]}::text[]))
      order by d.kind, d.trace_id, d.matrix, d.sidx, d.seq
    ) f
    join divergences x on x.run_id = ${runId} and x.trace_id = f.trace_id and x.matrix = f.matrix
      and x.sidx = f.sidx and x.seq = f.seq
    join run_traces rt on rt.run_id = x.run_id and rt.trace_id = x.trace_id and rt.matrix = x.matrix
    join traces t on t.id = x.trace_id
    join scenarios s on s.run_id = x.run_id and s.trace_id = x.trace_id and s.matrix = x.matrix and s.sidx = x.sidx`.execute(
    db,
  );
  return new Map(full.rows.map((r) => [r.kind!, toDivergence(r)]));
}

/**
 * The first `perKind` occurrences of each kind of a run in list order (trace, matrix, scenario,
 * seq), and the very first in full (why paths, context): two reads, the full one of one row per
 * kind only. Keyed by kind.
 */
export async function kindExamples(
  db: Kysely<StoreSchema>,
  runId: number,
  perKind: number,
  /** Kinds whose first occurrence is read in full (default: every kind). */
  fullKinds?: readonly string[],
): Promise<Map<string, KindExamples>> {
  const n = Math.max(1, Math.floor(perKind));
  const out = new Map<string, KindExamples>();
  for (const [kind, d] of await kindFirsts(db, runId, fullKinds))
    out.set(kind, { first: d, rows: [divergenceRow(d)] });
  if (n === 1 && fullKinds === undefined) return out;
  const rest = await sql<{
    rn: number;
    kind: string;
    signature: string;
    title: string | null;
    source: string;
    matrix: string;
    name: string;
    seq: number;
    line: number;
    event: string;
    root: boolean;
    text: string;
    policies: string[][] | string;
  }>`
    select x.rn::int as rn, x.kind, x.signature, x.title, rt.source, x.matrix, s.name, x.seq, x.line, x.event, x.root,
           left(x.text, ${ROW_TEXT_MAX}) as text, x.policies
    from (
      select d.run_id, d.trace_id, d.matrix, d.sidx, d.seq, d.kind, d.signature, d.title, d.line, d.event,
             d.root, d.text, ${sql.raw(PARTITION_SQL)} as policies,
             row_number() over (partition by d.kind order by d.trace_id, d.matrix, d.sidx, d.seq) as rn
      from divergences d where d.run_id = ${runId} and d.kind is not null
    ) x
    join run_traces rt on rt.run_id = x.run_id and rt.trace_id = x.trace_id and rt.matrix = x.matrix
    join scenarios s on s.run_id = x.run_id and s.trace_id = x.trace_id and s.matrix = x.matrix and s.sidx = x.sidx
    where x.rn between 1 and ${n}
    order by x.kind, x.rn`.execute(db);
  for (const r of rest.rows) {
    // A kind read in full has its first row already (from the full read).
    const known = out.get(r.kind);
    if (known?.first && Number(r.rn) === 1) continue;
    if (!known) out.set(r.kind, { rows: [] });
    out.get(r.kind)!.rows.push({
      signature: r.signature,
      kind: r.kind,
      title: r.title ?? '',
      trace: r.source,
      matrix: r.matrix,
      scenario: r.name,
      seq: r.seq,
      line: r.line,
      event: r.event,
      root: r.root,
      text: r.text,
      classes: parsePartition(r.policies),
    });
  }
  return out;
}

/** The kinds of run `of` absent from run `other`. */
export async function kindsNotIn(db: Kysely<StoreSchema>, of: number, other: number): Promise<string[]> {
  const rows = await sql<{ kind: string }>`
    select distinct d.kind from divergences d where d.run_id = ${of} and d.kind is not null
      and not exists (select 1 from divergences o where o.run_id = ${other} and o.kind = d.kind)
    order by d.kind`.execute(db);
  return rows.rows.map((r) => r.kind);
}

/** The signatures of a kind in the newest run that has it (for triage by kind). */
export async function kindSignatures(db: Kysely<StoreSchema>, kind: string): Promise<string[]> {
  const rows = await sql<{ signature: string }>`
    select distinct signature from divergences
    where kind = ${kind} and run_id = (select max(run_id) from divergences where kind = ${kind})
    order by signature`.execute(db);
  return rows.rows.map((r) => r.signature);
}

/** How many kinds a run's divergences fall into, and how many divergences it has. */
export async function kindCount(
  db: Kysely<StoreSchema>,
  runId: number,
): Promise<{ kinds: number; divergences: number }> {
  const r = await sql<{ kinds: number; n: number }>`
    select count(distinct kind)::int as kinds, count(*)::int as n from divergences where run_id = ${runId}`.execute(
    db,
  );
  return { kinds: Number(r.rows[0]?.kinds ?? 0), divergences: Number(r.rows[0]?.n ?? 0) };
}
