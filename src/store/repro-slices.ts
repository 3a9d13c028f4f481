/**
 * What `pinbench repro` stores with a run and reads back (tables of migration 0006): the slice
 * of each diverging scenario and the source of each user module, text stored once by SHA-256;
 * and, for a divergence identity (or a unique prefix of one, as git takes commits), everything
 * needed to replay it: the occurrence, its slice, the run's policies with their identity hashes
 * and module sources, and the run's configurations.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { UsageError } from '../errors.ts';
import type { DivergenceClass } from '../replay/results.ts';
import { joinTraceScenario } from './join-trace-scenario.ts';
import { pgText } from './recordset-insert.ts';
import type { StoreSchema } from './store-schema.ts';

/** Rows per insert statement: slices are small; this bounds one statement's text. */
const CHUNK = 200;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Stores each text once; returns each one's hash, in order. */
async function storeTexts(db: Kysely<StoreSchema>, texts: readonly string[]): Promise<string[]> {
  const rows = new Map<string, string>();
  const hashes = texts.map((t) => {
    const text = pgText(t);
    const h = sha256(text);
    rows.set(h, text);
    return h;
  });
  const all = [...rows].map(([h, text]) => ({ sha256: h, text }));
  for (let i = 0; i < all.length; i += CHUNK) {
    await db
      .insertInto('stored_texts')
      .values(all.slice(i, i + CHUNK))
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }
  return hashes;
}

/**
 * Stores the slices of a trace's diverging scenarios for a run. Idempotent (a resumed run writes
 * them again), and independent of the trace's results rows, so it can run before them.
 */
export async function writeScenarioSlices(
  db: Kysely<StoreSchema>,
  runId: number,
  trace: { sha256: string; matrix: string },
  slices: readonly { sidx: number; text: string }[],
): Promise<void> {
  if (slices.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const hashes = await storeTexts(
      trx,
      slices.map((s) => s.text),
    );
    const rows = slices.map((s, i) => ({
      run_id: runId,
      trace_sha256: trace.sha256,
      matrix: trace.matrix,
      sidx: s.sidx,
      text_sha256: hashes[i]!,
    }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await trx
        .insertInto('scenario_slices')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['run_id', 'trace_sha256', 'matrix', 'sidx']).doNothing())
        .execute();
    }
  });
}

/**
 * The divergences of a stored trace in a run, by the trace's id (one read by its unique hash
 * first): so the primary key (run, trace, matrix, sidx) answers ranges and the minimum, where a
 * join on the hash made the planner scan every divergence.
 */
async function traceDivergences(
  db: Kysely<StoreSchema>,
  runId: number,
  trace: { sha256: string; matrix: string },
) {
  const t = await db.selectFrom('traces').where('sha256', '=', trace.sha256).select('id').executeTakeFirst();
  if (!t) return null;
  return db
    .selectFrom('divergences as d')
    .where('d.run_id', '=', runId)
    .where('d.trace_id', '=', t.id)
    .where('d.matrix', '=', trace.matrix);
}

/** The first scenario (sidx) of a stored trace that diverges, or null when none does. */
export async function firstDivergingScenario(
  db: Kysely<StoreSchema>,
  runId: number,
  trace: { sha256: string; matrix: string },
): Promise<number | null> {
  const row = await (await traceDivergences(db, runId, trace))
    ?.select('d.sidx')
    .orderBy('d.sidx')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.sidx) : null;
}

/**
 * The scenarios (sidx) in [from, to) of a stored trace that diverge, the first one of each
 * signature: those whose slices a run keeps. Ascending, each once. Reads the divergences of
 * those scenarios only (a range of the primary key) and, for each, whether an earlier scenario
 * of the trace has its signature (a probe of the signature index), so that a window costs what
 * its scenarios hold, not what the trace does (a 4 GiB trace has millions of divergences).
 */
export async function divergingScenarios(
  db: Kysely<StoreSchema>,
  runId: number,
  trace: { sha256: string; matrix: string },
  from: number,
  to: number,
): Promise<Int32Array> {
  const divergences = await traceDivergences(db, runId, trace);
  if (!divergences) return new Int32Array(0);
  const rows = await divergences
    .where('d.sidx', '>=', from)
    .where('d.sidx', '<', to)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('divergences as e')
            .select(sql`1`.as('one'))
            .whereRef('e.run_id', '=', 'd.run_id')
            .whereRef('e.signature', '=', 'd.signature')
            // `+ 0` keeps the primary key out of the probe: a run's divergences have no planner
            // statistics before the run ends (finishRun analyzes them), and with none the planner
            // probed by (run, trace, matrix, sidx < d.sidx), every earlier divergence of the trace
            // for each one (51 s for a window of 4,096 scenarios at 64 MiB, 0.6 s by signature).
            .where((eb) => eb(sql`${sql.ref('e.trace_id')} + 0`, '=', eb.ref('d.trace_id')))
            .whereRef('e.matrix', '=', 'd.matrix')
            .whereRef('e.sidx', '<', 'd.sidx')
            // A fence: the probe stays one per divergence of the window (an index lookup), where
            // the planner would rather hash every divergence of the run once the window is large.
            .offset(0),
        ),
      ),
    )
    .select('d.sidx')
    .distinct()
    .orderBy('d.sidx')
    .execute();
  return Int32Array.from(rows, (r) => Number(r.sidx));
}

/** Stores the source of each user module of a run (a resumed run keeps the first). */
export async function writePolicySources(
  db: Kysely<StoreSchema>,
  runId: number,
  sources: readonly { policy: string; path: string; text: string }[],
): Promise<void> {
  if (sources.length === 0) return;
  await db.transaction().execute(async (trx) => {
    const hashes = await storeTexts(
      trx,
      sources.map((s) => s.text),
    );
    await trx
      .insertInto('policy_sources')
      .values(
        sources.map((s, i) => ({
          run_id: runId,
          policy: s.policy,
          path: pgText(s.path),
          text_sha256: hashes[i]!,
        })),
      )
      .onConflict((oc) => oc.columns(['run_id', 'policy']).doNothing())
      .execute();
  });
}

export interface OrderDependence {
  line: number;
  diverging: number;
  orders: number;
  sampled: boolean;
}

/** Stores which calls of a trace diverge in some orders of their tied events only. */
export async function writeOrderDependence(
  db: Kysely<StoreSchema>,
  runId: number,
  trace: { sha256: string; matrix: string },
  rows: readonly OrderDependence[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('order_dependence')
    .values(rows.map((r) => ({ run_id: runId, trace_sha256: trace.sha256, matrix: trace.matrix, ...r })))
    .onConflict((oc) => oc.columns(['run_id', 'trace_sha256', 'matrix', 'line']).doNothing())
    .execute();
}

export interface OrderDependentDivergence {
  signature: string;
  title: string | null;
  scenario: string;
  /** The trace as the run named it, and the call's line. */
  trace: string;
  line: number;
  /** Orders (of `orders` replayed) in which the call diverged; `sampled`: more orders exist. */
  diverging: number;
  orders: number;
  sampled: boolean;
}

/** A run's order-dependent divergences (every occurrence), in trace and line order. */
export async function orderDependentDivergences(
  db: Kysely<StoreSchema>,
  runId: number,
): Promise<OrderDependentDivergence[]> {
  // The divergences at the calls found order dependent (order_dependence names its trace by content).
  const rows = await joinTraceScenario(db.selectFrom('divergences as d'), 'd')
    .innerJoin('order_dependence as od', (j) =>
      j
        .onRef('od.run_id', '=', 'd.run_id')
        .onRef('od.trace_sha256', '=', 't.sha256')
        .onRef('od.matrix', '=', 'd.matrix')
        .onRef('od.line', '=', 'd.line'),
    )
    .where('od.run_id', '=', runId)
    .select([
      'd.signature',
      'd.title',
      's.name',
      'rt.source',
      'd.line',
      'od.diverging',
      'od.orders',
      'od.sampled',
    ])
    .orderBy('rt.source')
    .orderBy('d.matrix')
    .orderBy('d.line')
    // Ties (divergences at one call) in stored order, which no longer hangs on the join order.
    .orderBy('d.sidx')
    .orderBy('d.seq')
    .execute();
  return rows.map((r) => ({
    signature: r.signature,
    title: r.title,
    scenario: r.name,
    trace: r.source,
    line: r.line,
    diverging: r.diverging,
    orders: r.orders,
    sampled: r.sampled,
  }));
}

export interface ReproPolicy {
  id: string;
  kind: string;
  /** The policy's identity hash in the run (policies.module_hash). */
  identityHash: string;
  /** A user module's path as given to the run. */
  path: string | null;
  /** A user module's source as the run loaded it (runs since migration 0006). */
  moduleText: string | null;
}

export interface ReproTarget {
  runId: number;
  signature: string;
  title: string | null;
  /** The trace as the run named it, its content hash, and the matrix label. */
  trace: string;
  sha256: string;
  matrix: string;
  scenario: string;
  line: number;
  event: string;
  text: string;
  classes: DivergenceClass[];
  /** The scenario's slice, or null when the run stored none (before migration 0006, or not a file). */
  slice: string | null;
  /** How many times the divergence occurs in the run. */
  occurrences: number;
  policies: ReproPolicy[];
  /** The run's configurations (`--config`/`--matrix`), as its options recorded them. */
  configs: { label: string; overrides: Record<string, unknown> }[];
}

/** The full signature a prefix names; UsageError when none or several do. */
async function resolveIdentity(db: Kysely<StoreSchema>, identity: string, runId?: number): Promise<string> {
  if (!/^[0-9a-f]{4,}$/i.test(identity))
    throw new UsageError(
      `'${identity}' is not a divergence identity: give its signature or a prefix of at least 4 hex digits`,
    );
  let q = db
    .selectFrom('divergences')
    .where('signature', 'like', `${identity.toLowerCase()}%`)
    .select('signature')
    .distinct()
    .orderBy('signature')
    .limit(6);
  if (runId !== undefined) q = q.where('run_id', '=', runId);
  const rows = await q.execute();
  const where = runId !== undefined ? `run ${runId}` : 'any run';
  if (rows.length === 0)
    throw new UsageError(`no divergence ${identity} in ${where}: \`pinbench report\` lists them`);
  if (rows.length > 1)
    throw new UsageError(
      `divergence ${identity} is ambiguous in ${where}: ${rows
        .slice(0, 5)
        .map((r) => r.signature)
        .join(', ')}${rows.length > 5 ? ', ...' : ''}`,
    );
  return rows[0]!.signature;
}

/**
 * The divergence an identity names, in run `runId` or else the newest run that has it, with its
 * first occurrence that has a stored slice (or its first occurrence, with `slice: null`).
 */
export async function findReproTarget(
  db: Kysely<StoreSchema>,
  identity: string,
  runId?: number,
): Promise<ReproTarget> {
  const signature = await resolveIdentity(db, identity, runId);
  let run = runId;
  if (run === undefined) {
    const r = await db
      .selectFrom('divergences')
      .where('signature', '=', signature)
      .select(sql<number>`max(run_id)`.as('run_id'))
      .executeTakeFirstOrThrow();
    run = Number(r.run_id);
  }
  const rows = await occurrencesWithSlices(db, run, [signature]);
  const first = rows[0];
  if (!first) throw new UsageError(`no divergence ${identity} in run ${run}`);
  const [policies, configs] = await Promise.all([runPolicies(db, run), runConfigs(db, run)]);
  return toReproTarget(run, first, rows.length, policies, configs);
}

/**
 * `findReproTarget` of many full signatures of one run at once (the report's minimised slices:
 * three reads for a batch instead of five per divergence). A signature the run does not have is
 * left out of the map.
 */
export async function findReproTargets(
  db: Kysely<StoreSchema>,
  runId: number,
  signatures: readonly string[],
): Promise<Map<string, ReproTarget>> {
  const out = new Map<string, ReproTarget>();
  if (signatures.length === 0) return out;
  const rows = await occurrencesWithSlices(db, runId, signatures);
  const [policies, configs] = await Promise.all([runPolicies(db, runId), runConfigs(db, runId)]);
  const bySignature = new Map<string, OccurrenceRow[]>();
  for (const r of rows) {
    const list = bySignature.get(r.signature);
    if (list) list.push(r);
    else bySignature.set(r.signature, [r]);
  }
  // Within a signature, rows come in findReproTarget's order: its first is the one it takes.
  for (const [signature, list] of bySignature)
    out.set(signature, toReproTarget(runId, list[0]!, list.length, policies, configs));
  return out;
}

/** Every occurrence of the signatures in the run: by signature, those with a stored slice first, then in list order. */
function occurrencesWithSlices(db: Kysely<StoreSchema>, run: number, signatures: readonly string[]) {
  return joinTraceScenario(db.selectFrom('divergences as d'), 'd')
    .leftJoin('scenario_slices as sl', (j) =>
      j
        .onRef('sl.run_id', '=', 'd.run_id')
        .onRef('sl.trace_sha256', '=', 't.sha256')
        .onRef('sl.matrix', '=', 'd.matrix')
        .onRef('sl.sidx', '=', 'd.sidx'),
    )
    .leftJoin('stored_texts as st', 'st.sha256', 'sl.text_sha256')
    .where('d.run_id', '=', run)
    .where('d.signature', 'in', [...signatures])
    .select([
      'd.signature',
      'd.title',
      'd.line',
      'd.event',
      'd.text',
      'd.classes',
      'd.matrix',
      'rt.source',
      't.sha256',
      's.name',
      'st.text as slice',
    ])
    .orderBy('d.signature')
    .orderBy(sql`st.text is null`)
    .orderBy('d.trace_id')
    .orderBy('d.matrix')
    .orderBy('d.sidx')
    .orderBy('d.seq')
    .execute();
}

type OccurrenceRow = Awaited<ReturnType<typeof occurrencesWithSlices>>[number];

async function runPolicies(db: Kysely<StoreSchema>, run: number): Promise<ReproPolicy[]> {
  const rows = await db
    .selectFrom('policies as p')
    .leftJoin('policy_sources as ps', (j) =>
      j.onRef('ps.run_id', '=', 'p.run_id').onRef('ps.policy', '=', 'p.id'),
    )
    .leftJoin('stored_texts as st', 'st.sha256', 'ps.text_sha256')
    .where('p.run_id', '=', run)
    .select(['p.id', 'p.kind', 'p.module_hash', 'p.source', 'st.text'])
    .orderBy('p.ord')
    .execute();
  return rows.map((p) => ({
    id: p.id,
    kind: p.kind,
    identityHash: p.module_hash,
    path: p.source,
    moduleText: p.text ?? null,
  }));
}

async function runConfigs(db: Kysely<StoreSchema>, run: number): Promise<ReproTarget['configs']> {
  const runRow = await db
    .selectFrom('runs')
    .where('id', '=', run)
    .select('options')
    .executeTakeFirstOrThrow();
  return Array.isArray(runRow.options.configs) ? (runRow.options.configs as ReproTarget['configs']) : [];
}

function toReproTarget(
  runId: number,
  first: OccurrenceRow,
  occurrences: number,
  policies: ReproPolicy[],
  configs: ReproTarget['configs'],
): ReproTarget {
  return {
    runId,
    signature: first.signature,
    title: first.title,
    trace: first.source,
    sha256: first.sha256,
    matrix: first.matrix,
    scenario: first.name,
    line: first.line,
    event: first.event,
    text: first.text,
    classes: first.classes as DivergenceClass[],
    slice: first.slice ?? null,
    occurrences,
    policies,
    configs,
  };
}
