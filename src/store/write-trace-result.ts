/**
 * A trace's replay results into the store, two ways:
 *   - whole (writeTraceResult): one transaction holds the trace content (stored once per
 *     SHA-256, with its integrity events), the run_traces row and every scenario, verdict, final,
 *     divergence, fidelity record and (when the run keeps them) outcome. For sources read only
 *     once (URLs, standard input) and results that failed.
 *   - streamed (beginTrace, writeScenarios, finishTrace): the content hash is known first (the
 *     file was hashed), so the run_traces row is opened incomplete, whole scenarios are written a
 *     batch per transaction while the trace is replayed, and finishTrace completes the row. A run
 *     killed at any point has each trace complete, absent, or incomplete with whole scenarios:
 *     `resume` skips the complete ones and continues the incomplete one after its last scenario.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type TraceIdentity, traceLabel } from '../replay/divergence-identity.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { contentKey } from './content-once-migration.ts';
import { DivergenceKindsBatch } from './divergence-kinds-batch.ts';
import { pgJson, pgText, RecordsetBatch } from './recordset-insert.ts';
import type { StoreSchema } from './store-schema.ts';

/** The content key of a trace: its SHA-256, or for a source that could not be read, of its name. */
export function traceKey(result: Pick<TraceReplayResult, 'sha256' | 'identity'>): string {
  if (result.sha256) return result.sha256;
  return `unread:${createHash('sha256').update(traceLabel(result.identity)).digest('hex')}`;
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
      source: pgText(traceLabel(result.identity)),
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
    // A row a streamed trace opened and never finished (its replay failed): this result fills it.
    if (result.sha256) await fillTrace(trx, row.id, result);
    return row.id;
  }
  await insertIntegrity(trx, inserted.id, result);
  return inserted.id;
}

/** A trace content's integrity events (gaps), stored once with the content. */
async function insertIntegrity(trx: Transaction<StoreSchema>, traceId: number, result: TraceReplayResult) {
  if (result.integrity.length === 0) return;
  {
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
      events.push(traceId, i, ev.line, ev.kind, ev.cpu, ev.count, ev.text);
    });
    await events.insert(trx);
  }
}

/** Layout, ingest counts and integrity events of a content row still waiting for them (layout ''). */
async function fillTrace(trx: Transaction<StoreSchema>, traceId: number, result: TraceReplayResult) {
  const filled = await trx
    .updateTable('traces')
    .set({ layout: pgText(result.layout), ingest: pgJson(result.ingest) })
    .where('id', '=', traceId)
    .where('layout', '=', '')
    .returning('id')
    .executeTakeFirst();
  if (filled) await insertIntegrity(trx, traceId, result);
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

type ScenarioResult = TraceReplayResult['scenarios'][number];

/** The label results show for a trace (`source [matrix]`), stored in run_traces.source. */
function runTraceRow(runId: number, traceId: number, result: TraceReplayResult) {
  const id = result.identity;
  return {
    run_id: runId,
    trace_id: traceId,
    matrix: id.matrix,
    source: pgText(traceLabel(id)),
    trace_source: pgText(id.source),
    trace_name: pgText(id.name),
    error_code: result.error?.code ?? null,
    error_message: result.error ? pgText(result.error.message) : null,
    ms: result.ms,
    events: pgJson(result.events),
  };
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
    const divergenceCount = result.scenarios.reduce((n, s) => n + s.divergences.length, 0);
    const claimed = await trx
      .insertInto('run_traces')
      .values({
        ...runTraceRow(runId, traceId, result),
        scenarios: result.scenarios.length,
        divergences: divergenceCount,
        complete: true,
      })
      .onConflict((oc) => oc.columns(['run_id', 'trace_id', 'matrix']).doNothing())
      .returning('run_id')
      .executeTakeFirst();
    if (!claimed) return false;
    await insertScenarios(trx, [runId, traceId, result.identity.matrix], 0, result.scenarios, opts);
    return true;
  });
}

/** Where a streamed trace stands in a run: its content id, and the scenarios already stored. */
export interface TraceProgress {
  traceId: number;
  /** Whole scenarios stored (a resumed trace continues after them). */
  stored: number;
  /** The run has every scenario of it already: nothing to write. */
  complete: boolean;
}

/**
 * Opens a trace for streaming into a run, its content hash known before it is replayed (a
 * local file hashed first): the content row (layout and ingest counts filled in by finishTrace)
 * and an incomplete run_traces row. A run interrupted inside this trace has an incomplete row
 * already: the scenarios it holds are counted, and the replay continues after them.
 */
export async function beginTrace(
  db: Kysely<StoreSchema>,
  runId: number,
  start: { identity: TraceIdentity; sha256: string; bytes: number },
): Promise<TraceProgress> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('traces')
      .values({
        sha256: start.sha256,
        bytes: start.bytes,
        // Known once the trace is read (finishTrace); '' marks a row still waiting for them.
        layout: '',
        source: pgText(traceLabel(start.identity)),
        ingest: 'null',
      })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    const { id: traceId } = await trx
      .selectFrom('traces')
      .select('id')
      .where('sha256', '=', start.sha256)
      .executeTakeFirstOrThrow();
    const claimed = await trx
      .insertInto('run_traces')
      .values({
        ...runTraceRow(runId, traceId, {
          identity: start.identity,
          ms: 0,
          events: { modelEvents: 0, calls: 0, generic: {}, foreignMarkers: 0, observedReturns: 0 },
        } as TraceReplayResult),
        scenarios: 0,
        divergences: 0,
        complete: false,
      })
      .onConflict((oc) => oc.columns(['run_id', 'trace_id', 'matrix']).doNothing())
      .returning('run_id')
      .executeTakeFirst();
    if (claimed) return { traceId, stored: 0, complete: false };
    const row = await trx
      .selectFrom('run_traces')
      .select('complete')
      .where('run_id', '=', runId)
      .where('trace_id', '=', traceId)
      .where('matrix', '=', start.identity.matrix)
      .executeTakeFirstOrThrow();
    const n = await trx
      .selectFrom('scenarios')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('run_id', '=', runId)
      .where('trace_id', '=', traceId)
      .where('matrix', '=', start.identity.matrix)
      .executeTakeFirstOrThrow();
    return { traceId, stored: Number(n.n), complete: row.complete };
  });
}

/** One batch of whole scenarios of a streamed trace, `from` its position: one transaction. */
export async function writeScenarios(
  db: Kysely<StoreSchema>,
  key: readonly [runId: number, traceId: number, matrix: string],
  from: number,
  scenarios: readonly ScenarioResult[],
  opts: WriteOptions,
): Promise<void> {
  if (scenarios.length === 0) return;
  await db.transaction().execute((trx) => insertScenarios(trx, key, from, scenarios, opts));
}

/**
 * Completes a streamed trace: its ingest counts and integrity events on the content row (when
 * no earlier run filled them), a trace-wide cut applied to every stored verdict (markCut's rule:
 * pass and fail become inconclusive), and the run_traces row's totals, marked complete.
 */
export async function finishTrace(
  db: Kysely<StoreSchema>,
  key: readonly [runId: number, traceId: number, matrix: string],
  result: TraceReplayResult,
): Promise<void> {
  const [runId, traceId, matrix] = key;
  await db.transaction().execute(async (trx) => {
    await fillTrace(trx, traceId, result);
    const inRun = (t: 'scenarios' | 'divergence_rows') =>
      trx
        .selectFrom(t)
        .where('run_id', '=', runId)
        .where('trace_id', '=', traceId)
        .where('matrix', '=', matrix);
    if (result.cut) {
      // Element by element over the scenario's policy arrays (every SET sees the old row).
      await sql`update scenario_verdicts v set
          failed = (select json_agg(case when u.v in ('pass', 'fail') then '[]'::json
                      else coalesce(v.failed -> (u.i - 1)::int, '[]'::json) end order by u.i)
                    from unnest(v.verdicts) with ordinality as u(v, i)),
          reasons = array(select case when u.v in ('pass', 'fail') then ${pgText(result.cut.reason)} else v.reasons[u.i] end
                    from unnest(v.verdicts) with ordinality as u(v, i) order by u.i),
          verdicts = array(select case when u.v in ('pass', 'fail') then 'inconclusive' else u.v end
                    from unnest(v.verdicts) with ordinality as u(v, i) order by u.i)
        where v.run_id = ${runId} and v.trace_id = ${traceId} and v.matrix = ${matrix}
          and v.verdicts && array['pass', 'fail']`.execute(trx);
    }
    const scenarios = await inRun('scenarios')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    const divergences = await inRun('divergence_rows')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('run_traces')
      .set({
        scenarios: Number(scenarios.n),
        divergences: Number(divergences.n),
        ms: result.ms,
        events: pgJson(result.events),
        complete: true,
      })
      .where('run_id', '=', runId)
      .where('trace_id', '=', traceId)
      .where('matrix', '=', matrix)
      .execute();
  });
}

/** Drops a streamed trace's rows from a run (it failed part-way: its error result is stored instead). */
export async function abandonTrace(
  db: Kysely<StoreSchema>,
  key: readonly [runId: number, traceId: number, matrix: string],
): Promise<void> {
  const [runId, traceId, matrix] = key;
  // The per-scenario tables reference run_traces with `on delete cascade`.
  await db
    .deleteFrom('run_traces')
    .where('run_id', '=', runId)
    .where('trace_id', '=', traceId)
    .where('matrix', '=', matrix)
    .where('complete', '=', false)
    .execute();
}

/** Every row of `scenarios` (positions from `from` on), in one transaction the caller holds. */
async function insertScenarios(
  trx: Transaction<StoreSchema>,
  [runId, traceId, matrix]: readonly [number, number, string],
  from: number,
  list: readonly ScenarioResult[],
  opts: WriteOptions,
): Promise<void> {
  const key = (sidx: number) => [runId, traceId, matrix, sidx] as const;
  const scenarios = new RecordsetBatch('scenarios', [
    ...SCENARIO_KEY,
    ['name', 'text'],
    ['calls', 'int4'],
    ['coverage', 'jsonb'],
  ] as const);
  // One row per scenario (migration 0007): each field an array in the replay's policy order.
  const verdicts = new RecordsetBatch('scenario_verdicts', [
    ...SCENARIO_KEY,
    ['policies', 'text[]'],
    ['verdicts', 'text[]'],
    ['failed', 'json'],
    ['reasons', 'text[]'],
    ['expected', 'text[]'],
    ['extra', 'json'],
  ] as const);
  const finals = new RecordsetBatch('scenario_finals', [
    ...SCENARIO_KEY,
    ['policies', 'text[]'],
    ['pords', 'int4[]'],
    ['leaks', 'json'],
    ['pins_acquired', 'int4[]'],
    ['pins_released', 'int4[]'],
    ['locked_vm', 'int8[]'],
    ['bugs', 'int4[]'],
    ['warnings', 'int4[]'],
    ['longterm_unpinnable', 'int4[]'],
    ['bad_page_maps', 'int4[]'],
    ['extra', 'json'],
  ] as const);
  const divergences = divergenceBatch();
  const kinds = new DivergenceKindsBatch();
  const contents = new DivergenceContents(traceId);
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

  list.forEach((sc, i) => {
    const sidx = from + i;
    scenarios.push(...key(sidx), sc.scenario, sc.calls, sc.coverage);
    // Policy order as the replay listed them, for exports in the same order.
    if (sc.verdicts.length > 0) pushVerdicts(verdicts, key(sidx), sc.verdicts);
    if (sc.finals.length > 0) pushFinals(finals, key(sidx), sc.finals, sc.verdicts);
    for (const d of sc.divergences) pushDivergence(divergences, key(sidx), d, kinds, contents);
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
  await contents.insert(trx);
  await kinds.insert(trx);
}

/** The divergences batch (migration 0007's compact rows). */
export function divergenceBatch() {
  return new RecordsetBatch('divergence_rows', [
    ...SCENARIO_KEY,
    ['seq', 'int4'],
    ['signature', 'text'],
    ['title', 'text'],
    ['kind', 'text'],
    ['partition_key', 'text'],
    ['line', 'int4'],
    ['event', 'text'],
    ['text', 'text'],
    ['root', 'bool'],
    ['classes', 'json'],
    ['unsupported', 'json'],
    ['context', 'json'],
    ['context_from', 'int4'],
    ['context_to', 'int4'],
    ['extra', 'json'],
  ] as const);
}

/** Keys a record has beyond the columns: stored so exports give them back. */
function extraOf(rest: object): object | null {
  return Object.keys(rest).length > 0 ? rest : null;
}

/** `list` when some element is set, else null (a column that is null when no policy has one). */
function ifAny<T>(list: readonly T[], set: (v: T) => boolean): readonly T[] | null {
  return list.some(set) ? list : null;
}

type VerdictList = ScenarioResult['verdicts'];
type FinalList = ScenarioResult['finals'];

function pushVerdicts(
  batch: RecordsetBatch<string>,
  key: readonly [number, number, string, number],
  list: VerdictList,
): void {
  const extras = list.map((v) => {
    const {
      type: _t,
      trace: _tr,
      scenario: _s,
      policy: _p,
      verdict: _v,
      failed: _f,
      reason: _r,
      expected: _e,
      ...extra
    } = v;
    return extraOf(extra);
  });
  batch.push(
    ...key,
    list.map((v) => v.policy),
    list.map((v) => v.verdict),
    ifAny(
      list.map((v) => v.failed),
      (f) => f.length > 0,
    ),
    ifAny(
      list.map((v) => v.reason ?? null),
      (r) => r !== null,
    ),
    ifAny(
      list.map((v) => v.expected ?? null),
      (e) => e !== null,
    ),
    ifAny(extras, (e) => e !== null),
  );
}

function pushFinals(
  batch: RecordsetBatch<string>,
  key: readonly [number, number, string, number],
  list: FinalList,
  verdicts: VerdictList,
): void {
  const pords = new Map(verdicts.map((v, i) => [v.policy, i]));
  const extras = list.map((f) => {
    const {
      type: _t,
      trace: _tr,
      scenario: _s,
      policy: _p,
      leaks: _l,
      pinsAcquired: _a,
      pinsReleased: _r,
      lockedVm: _v,
      bugs: _b,
      warnings: _w,
      longtermUnpinnable: _u,
      badPageMaps: _m,
      ...extra
    } = f;
    return extraOf(extra);
  });
  batch.push(
    ...key,
    list.map((f) => f.policy),
    list.map((f) => pords.get(f.policy) ?? pords.size),
    list.map((f) => f.leaks),
    list.map((f) => f.pinsAcquired),
    list.map((f) => f.pinsReleased),
    list.map((f) => f.lockedVm),
    list.map((f) => f.bugs),
    list.map((f) => f.warnings),
    list.map((f) => f.longtermUnpinnable),
    list.map((f) => f.badPageMaps),
    ifAny(extras, (e) => e !== null),
  );
}

/**
 * What a batch of divergences stores once by content (migration 0007): class outcomes, why
 * paths and partitions by content key, and the trace lines their context windows show.
 */
export class DivergenceContents {
  private readonly traceId: number;
  private readonly values = new Map<string, string>();
  /** Keys by JSON text: a why path repeated in a batch is hashed once. */
  private readonly keys = new Map<string, string>();
  private readonly lines = new Map<number, string>();

  constructor(traceId: number) {
    this.traceId = traceId;
  }

  /** The key of `value`, kept for `insert`. */
  key(value: unknown): string {
    const json = pgJson(value);
    let k = this.keys.get(json);
    if (k === undefined) {
      k = contentKey(json);
      this.keys.set(json, k);
      this.values.set(k, json);
    }
    return k;
  }

  /**
   * A context window as a range of the trace's lines, when its lines are consecutive and agree
   * with the text this batch has for them; null (store the lines in the row) otherwise.
   */
  range(context: readonly { line: number; text: string }[]): [number, number] | null {
    const first = context[0]?.line;
    if (first === undefined) return null;
    for (let i = 0; i < context.length; i++) {
      const l = context[i]!;
      if (l.line !== first + i) return null;
      const known = this.lines.get(l.line);
      if (known !== undefined && known !== pgText(l.text)) return null;
    }
    for (const l of context) this.lines.set(l.line, pgText(l.text));
    return [first, first + context.length - 1];
  }

  async insert(trx: Transaction<StoreSchema>): Promise<void> {
    if (this.values.size > 0) {
      // In key order (and lines in line order): writers of the same content at once then wait
      // on each other's keys in one order, and never deadlock.
      const sorted = [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const doc = pgJson(sorted.map(([key, value]) => ({ key, value })));
      // The value travels as JSON text inside the document, so it is stored as written.
      await sql`insert into divergence_contents (key, value)
        select key, value::json from json_to_recordset(${doc}::json) as r(key text, value text)
        on conflict (key) do nothing`.execute(trx);
    }
    if (this.lines.size > 0) {
      const lines = new RecordsetBatch(
        'trace_lines',
        [
          ['trace_id', 'int4'],
          ['line', 'int4'],
          ['text', 'text'],
        ] as const,
        { skipStored: true },
      );
      for (const [line, text] of [...this.lines].sort(([a], [b]) => a - b))
        lines.push(this.traceId, line, text);
      await lines.insert(trx);
    }
  }
}

export function pushDivergence(
  batch: ReturnType<typeof divergenceBatch>,
  key: readonly [number, number, string, number],
  d: TraceReplayResult['scenarios'][number]['divergences'][number],
  kinds: DivergenceKindsBatch,
  contents: DivergenceContents,
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
  const range = contents.range(context);
  batch.push(
    ...key,
    seq,
    signature,
    title,
    kinds.add(d),
    contents.key(classes.map((c) => c.policies)),
    line,
    event,
    text,
    root,
    classes.map((c) => [contents.key(c.outcome), contents.key(c.why)]),
    unsupported,
    range ? null : context,
    range?.[0],
    range?.[1],
    extraOf(extra),
  );
}
