/**
 * What changed between two runs: divergences by identity (signature: new in B, gone since A,
 * still there) and verdicts by (trace content, matrix, scenario, policy). A signature hashes the
 * configuration, the scenario's own events, the call and the set of class outcomes (see
 * replay/divergence-identity.ts), so a policy added to B whose outcome matches an existing class
 * leaves that divergence unchanged, and a trace that moved or was edited elsewhere keeps it.
 */
import { type Kysely, sql } from 'kysely';
import { divergenceTitle } from '../replay/divergence-identity.ts';
import type { DivergenceClass, Verdict } from '../replay/results.ts';
import type { DivergenceRow } from './divergence-row.ts';
import { ROW_TEXT_MAX } from './divergence-row.ts';
import { joinTraceScenarioSql } from './join-trace-scenario.ts';
import type { StoreSchema } from './store-schema.ts';

export interface VerdictChange {
  trace: string;
  sha256: string;
  matrix: string;
  scenario: string;
  policy: string;
  /** null: the scenario x policy was not in that run. */
  before: Verdict | null;
  after: Verdict | null;
}

/** A divergence kind in a comparison: its occurrences in each run (0: absent). */
export interface KindChange {
  kind: string;
  title: string;
  before: number;
  after: number;
}

export interface RunDiff {
  a: number;
  b: number;
  /** Divergence kinds new in B, gone since A, and in both (still), most frequent first. */
  kinds: { new: KindChange[]; gone: KindChange[]; still: KindChange[] };
  new: DivergenceRow[];
  fixed: DivergenceRow[];
  unchanged: DivergenceRow[];
  /** Verdicts that differ, including scenario x policy pairs present in one run only. */
  verdictChanges: VerdictChange[];
}

/** Signatures of run `of`, each once (its first occurrence), split by presence in run `other`. */
async function signatures(
  db: Kysely<StoreSchema>,
  of: number,
  other: number,
  inOther: boolean,
): Promise<DivergenceRow[]> {
  const rows = await sql<{
    signature: string;
    source: string;
    matrix: string;
    name: string;
    seq: number;
    line: number;
    event: string;
    title: string | null;
    root: boolean;
    classes: DivergenceClass[];
    kind: string | null;
    text: string;
  }>`
    select distinct on (d.signature) d.signature, d.title, d.kind, left(d.text, ${ROW_TEXT_MAX}) as text, rt.source, d.matrix, s.name, d.seq, d.line, d.event, d.root, d.classes
    from divergences d
    ${joinTraceScenarioSql('d')}
    where d.run_id = ${of}
      and ${sql.raw(inOther ? '' : 'not')} exists (
        select 1 from divergences o where o.run_id = ${other} and o.signature = d.signature)
    order by d.signature, rt.source, d.matrix, d.sidx, d.seq`.execute(db);
  return rows.rows
    .map((r) => ({
      signature: r.signature,
      title: r.title ?? divergenceTitle(r.name, r.seq, r.event, r.classes),
      trace: r.source,
      matrix: r.matrix,
      scenario: r.name,
      seq: r.seq,
      line: r.line,
      event: r.event,
      root: r.root,
      text: r.text,
      classes: r.classes.map((c) => c.policies),
      kind: r.kind,
    }))
    .sort(
      (x, y) =>
        cmp(x.trace, y.trace) || cmp(x.matrix, y.matrix) || cmp(x.scenario, y.scenario) || x.seq - y.seq,
    );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function diffRuns(db: Kysely<StoreSchema>, a: number, b: number): Promise<RunDiff> {
  const added = await signatures(db, b, a, false);
  const fixed = await signatures(db, a, b, false);
  const unchanged = await signatures(db, b, a, true);
  const changes = await sql<{
    source_a: string | null;
    source_b: string | null;
    sha256: string;
    matrix: string;
    name_a: string | null;
    name_b: string | null;
    policy: string;
    before: Verdict | null;
    after: Verdict | null;
  }>`
    with va as (
      select v.trace_id, v.matrix, v.sidx, v.policy, v.verdict, rt.source, s.name
      from scenario_results v
      ${joinTraceScenarioSql('v')}
      where v.run_id = ${a}
    ), vb as (
      select v.trace_id, v.matrix, v.sidx, v.policy, v.verdict, rt.source, s.name
      from scenario_results v
      ${joinTraceScenarioSql('v')}
      where v.run_id = ${b}
    )
    select va.source as source_a, vb.source as source_b, t.sha256,
           coalesce(va.matrix, vb.matrix) as matrix, va.name as name_a, vb.name as name_b,
           coalesce(va.policy, vb.policy) as policy, va.verdict as before, vb.verdict as after
    from va full join vb
      on va.trace_id = vb.trace_id and va.matrix = vb.matrix and va.sidx = vb.sidx and va.policy = vb.policy
    join traces t on t.id = coalesce(va.trace_id, vb.trace_id)
    where va.verdict is distinct from vb.verdict
    order by coalesce(vb.source, va.source), coalesce(va.matrix, vb.matrix),
             coalesce(va.sidx, vb.sidx), coalesce(va.policy, vb.policy)`.execute(db);
  return {
    a,
    b,
    kinds: await kindChanges(db, a, b),
    new: added,
    fixed,
    unchanged,
    verdictChanges: changes.rows.map((r) => ({
      trace: r.source_b ?? r.source_a ?? '',
      sha256: r.sha256,
      matrix: r.matrix,
      scenario: r.name_b ?? r.name_a ?? '',
      policy: r.policy,
      before: r.before,
      after: r.after,
    })),
  };
}

/** Kinds of two runs side by side, split into new, gone and still. */
async function kindChanges(db: Kysely<StoreSchema>, a: number, b: number): Promise<RunDiff['kinds']> {
  const rows = await sql<{ kind: string; title: string; na: number | null; nb: number | null }>`
    with ka as (select kind, count(*)::int as n from divergences where run_id = ${a} and kind is not null group by kind),
         kb as (select kind, count(*)::int as n from divergences where run_id = ${b} and kind is not null group by kind)
    select coalesce(ka.kind, kb.kind) as kind, k.title, ka.n as na, kb.n as nb
    from ka full join kb on ka.kind = kb.kind
    join divergence_kinds k on k.kind = coalesce(ka.kind, kb.kind)
    order by coalesce(kb.n, 0) + coalesce(ka.n, 0) desc, 1`.execute(db);
  const out: RunDiff['kinds'] = { new: [], gone: [], still: [] };
  for (const r of rows.rows) {
    const k = { kind: r.kind, title: r.title, before: Number(r.na ?? 0), after: Number(r.nb ?? 0) };
    (k.before === 0 ? out.new : k.after === 0 ? out.gone : out.still).push(k);
  }
  return out;
}
