/**
 * One trace's replay result into the store, atomically: one transaction holds the trace content
 * (stored once per SHA-256, with its integrity events), the run_traces row that marks the trace
 * done for the run, and every scenario, verdict, final, divergence, fidelity record and (when the
 * run keeps them) outcome. A run killed at any point has each trace either wholly stored or not
 * at all, which is what lets `resume` skip stored traces without duplicating a row.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { TraceReplayResult } from '../replay/results.ts';
import { DivergenceKindsBatch } from './divergence-kinds-batch.ts';
import { pgJson, pgText, RecordsetBatch } from './recordset-insert.ts';
import type { StoreSchema } from './store-schema.ts';

/** The content key of a trace: its SHA-256, or for a source that could not be read, of its name. */
export function traceKey(result: Pick<TraceReplayResult, 'sha256' | 'trace'>): string {
  if (result.sha256) return result.sha256;
  return `unread:${createHash('sha256').update(result.trace).digest('hex')}`;
}

/** Stores the trace content if new; returns its id. Safe against concurrent writers of the same content. */
async function upsertTrace(trx: Transaction<StoreSchema>, result: TraceReplayResult): Promise<number> {
  const sha256 = traceKey(result);
  const inserted = await trx
    .insertInto('traces')
    .values({
      sha256,
      bytes: result.bytes,
      layout: pgText(result.layout),
      source: pgText(result.trace),
      ingest: pgJson(result.ingest),
    })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const row = await trx
      .selectFrom('traces')
      .select('id')
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    return row.id;
  }
  if (result.integrity.length > 0) {
    const events = new RecordsetBatch('integrity_events', [
      ['trace_id', 'int4'],
      ['ord', 'int4'],
      ['line', 'int4'],
      ['kind', 'text'],
      ['cpu', 'int4'],
      ['count', 'int4'],
      ['text', 'text'],
    ] as const);
    result.integrity.forEach((ev, i) => {
      events.push(inserted.id, i, ev.line, ev.kind, ev.cpu, ev.count, ev.text);
    });
    await events.insert(trx);
  }
  return inserted.id;
}

/** The columns that place a row in a scenario of a trace of a run (the per-scenario tables' key). */
const SCENARIO_KEY = [
  ['run_id', 'int4'],
  ['trace_id', 'int4'],
  ['matrix', 'text'],
  ['sidx', 'int4'],
] as const;

export interface WriteOptions {
  /** Store outcome records too (large; only for runs that asked for them). */
  outcomes: boolean;
}

/** Writes the result; false when this run already has this trace (same content and matrix). */
export async function writeTraceResult(
  db: Kysely<StoreSchema>,
  runId: number,
  result: TraceReplayResult,
  opts: WriteOptions,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const traceId = await upsertTrace(trx, result);
    const matrix = result.matrix;
    const divergenceCount = result.scenarios.reduce((n, s) => n + s.divergences.length, 0);
    const claimed = await trx
      .insertInto('run_traces')
      .values({
        run_id: runId,
        trace_id: traceId,
        matrix,
        source: pgText(result.trace),
        error_code: result.error?.code ?? null,
        error_message: result.error ? pgText(result.error.message) : null,
        scenarios: result.scenarios.length,
        divergences: divergenceCount,
        ms: result.ms,
        events: pgJson(result.events),
      })
      .onConflict((oc) => oc.columns(['run_id', 'trace_id', 'matrix']).doNothing())
      .returning('run_id')
      .executeTakeFirst();
    if (!claimed) return false;

    const key = (sidx: number) => [runId, traceId, matrix, sidx] as const;
    const scenarios = new RecordsetBatch('scenarios', [
      ...SCENARIO_KEY,
      ['name', 'text'],
      ['calls', 'int4'],
      ['coverage', 'jsonb'],
    ] as const);
    const verdicts = new RecordsetBatch('scenario_results', [
      ...SCENARIO_KEY,
      ['policy', 'text'],
      ['pord', 'int4'],
      ['verdict', 'text'],
      ['failed', 'json'],
      ['reason', 'text'],
      ['expected', 'text'],
      ['extra', 'json'],
    ] as const);
    const finals = new RecordsetBatch('finals', [
      ...SCENARIO_KEY,
      ['policy', 'text'],
      ['pord', 'int4'],
      ['leaks', 'json'],
      ['pins_acquired', 'int4'],
      ['pins_released', 'int4'],
      ['locked_vm', 'int8'],
      ['bugs', 'int4'],
      ['warnings', 'int4'],
      ['longterm_unpinnable', 'int4'],
      ['bad_page_maps', 'int4'],
      ['extra', 'json'],
    ] as const);
    const divergences = divergenceBatch();
    const kinds = new DivergenceKindsBatch();
    const fidelity = new RecordsetBatch('fidelity', [
      ...SCENARIO_KEY,
      ['seq', 'int4'],
      ['policy', 'text'],
      ['line', 'int4'],
      ['event', 'text'],
      ['observed', 'jsonb'],
      ['ret', 'jsonb'],
    ] as const);
    const outcomes = new RecordsetBatch('outcomes', [
      ...SCENARIO_KEY,
      ['seq', 'int4'],
      ['policy', 'text'],
      ['line', 'int4'],
      ['event', 'text'],
      ['outcome', 'json'],
    ] as const);

    result.scenarios.forEach((sc, sidx) => {
      scenarios.push(...key(sidx), sc.scenario, sc.calls, sc.coverage);
      // Policy order as the replay listed them, for exports in the same order.
      sc.verdicts.forEach((v, pord) => {
        const { type: _t, trace: _tr, scenario: _s, policy, verdict, failed, reason, expected, ...extra } = v;
        verdicts.push(...key(sidx), policy, pord, verdict, failed, reason, expected, extraOf(extra));
      });
      const pords = new Map(sc.verdicts.map((v, i) => [v.policy, i]));
      for (const f of sc.finals) {
        const { type: _t, trace: _tr, scenario: _s, policy, leaks, ...rest } = f;
        const {
          pinsAcquired,
          pinsReleased,
          lockedVm,
          bugs,
          warnings,
          longtermUnpinnable,
          badPageMaps,
          ...extra
        } = rest;
        finals.push(
          ...key(sidx),
          policy,
          pords.get(policy) ?? pords.size,
          leaks,
          pinsAcquired,
          pinsReleased,
          lockedVm,
          bugs,
          warnings,
          longtermUnpinnable,
          badPageMaps,
          extraOf(extra),
        );
      }
      for (const d of sc.divergences) pushDivergence(divergences, key(sidx), d, kinds);
      for (const f of sc.fidelity) {
        fidelity.push(...key(sidx), f.seq, f.policy, f.line, f.event, f.observed, f.ret);
      }
      if (opts.outcomes) {
        for (const o of sc.outcomes) {
          const { type: _t, trace: _tr, scenario: _s, seq, line, event, policy, ...outcome } = o;
          outcomes.push(...key(sidx), seq, policy, line, event, outcome);
        }
      }
    });
    for (const batch of [scenarios, verdicts, finals, divergences, fidelity, outcomes]) {
      if (batch.length > 0) await batch.insert(trx);
    }
    await kinds.insert(trx);
    return true;
  });
}

/** The divergences batch, shared with the benchmark so both time the same rows. */
export function divergenceBatch() {
  return new RecordsetBatch('divergences', [
    ...SCENARIO_KEY,
    ['seq', 'int4'],
    ['signature', 'text'],
    ['title', 'text'],
    ['kind', 'text'],
    ['partition', 'text'],
    ['line', 'int4'],
    ['event', 'text'],
    ['text', 'text'],
    ['root', 'bool'],
    ['classes', 'json'],
    ['unsupported', 'json'],
    ['context', 'json'],
    ['extra', 'json'],
  ] as const);
}

/** Keys a record has beyond the columns: stored so exports give them back. */
function extraOf(rest: object): object | null {
  return Object.keys(rest).length > 0 ? rest : null;
}

export function pushDivergence(
  batch: ReturnType<typeof divergenceBatch>,
  key: readonly [number, number, string, number],
  d: TraceReplayResult['scenarios'][number]['divergences'][number],
  kinds: DivergenceKindsBatch,
): void {
  const {
    type: _t,
    trace: _tr,
    scenario: _s,
    seq,
    signature,
    title,
    line,
    event,
    text,
    root,
    classes,
    ...rest
  } = d;
  const { unsupported, context, ...extra } = rest;
  batch.push(
    ...key,
    seq,
    signature,
    title,
    kinds.add(d),
    JSON.stringify(classes.map((c) => c.policies)),
    line,
    event,
    text,
    root,
    classes,
    unsupported,
    context,
    extraOf(extra),
  );
}
