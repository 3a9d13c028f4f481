/**
 * Sharded runs: N processes (on N machines, one PostgreSQL server) write one run. Beside the
 * Store's own run lifecycle (startRun/finishRun, one writer per run), this file gives the
 * many-writers lifecycle:
 *
 * - `createShardedRun`: `pinbench run --create-run` makes the run and prints its id.
 * - `withShardRun`: a shard joins run R, creating it with that explicit id if no one has yet
 *   (INSERT ... ON CONFLICT DO NOTHING), so shards may start in any order; it records the
 *   policies (every shard must bring the same ones), registers itself in `run_shards`, and while
 *   `fn` runs holds two advisory locks on a connection of its own: run R in shared mode (the run
 *   shows as being written, and `resume` cannot take it) and (shard, R) exclusively (no two
 *   processes write one shard).
 * - `finishShard`: marks the shard done; whoever finishes the last shard marks the run complete
 *   (or partial) with the summed counts, under a row lock on the run so exactly one does.
 *
 * A shard that dies leaves its row `running` (or `failed`) and the run unfinished; running that
 * shard again takes over the row and skips the traces already stored.
 */
import { hostname } from 'node:os';
import { type ColumnType, type Kysely, sql } from 'kysely';
import { StoreError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import type { TraceIdentity } from '../replay/divergence-identity.ts';
import { policyIdentityHash } from '../replay/policy-info.ts';
import type { ScenarioResult } from '../replay/replay-scenario.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { pgJson } from './recordset-insert.ts';
import { type DoneTrace, policyRows, type RunInfo, type Store } from './store.ts';
import type { StoreSchema } from './store-schema.ts';
import { countRunRows } from './verify-run.ts';
import {
  abandonTrace,
  beginTrace,
  finishTrace,
  writeScenarios,
  writeTraceResult,
} from './write-trace-result.ts';

export const SHARD_STATUSES = ['running', 'done', 'failed'] as const;
export type ShardStatus = (typeof SHARD_STATUSES)[number];

export interface RunShardsTable {
  run_id: number;
  shard: number;
  shards: number;
  status: ShardStatus;
  partial: ColumnType<boolean, boolean | undefined, boolean>;
  host: string | null;
  pid: number | null;
  started_at: ColumnType<Date, never, Date>;
  ended_at: ColumnType<Date | null, never, Date | null>;
  counts: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

type ShardDb = Kysely<StoreSchema & { run_shards: RunShardsTable }>;

function shardDb(store: Store): ShardDb {
  return store.db.withTables<{ run_shards: RunShardsTable }>();
}

/** Advisory lock class of run claims; the same value as postgres-backend.ts's RUN_LOCK_CLASS. */
const RUN_LOCK_CLASS = 0x70696e62;
/** Shard claims: class 'pi' << 16 | shard (shards <= 4096, so never RUN_LOCK_CLASS), objid = run. */
const SHARD_LOCK_BASE = 0x70690000;

export interface ShardRef {
  index: number;
  count: number;
}

export interface ShardRunMeta {
  configName?: string | null;
  gitRevision?: string | null;
  gitDirty?: boolean | null;
  /** What the run replays: sources (the whole list), policies, configs... */
  options?: Record<string, unknown>;
  outcomes?: boolean;
  /** sourcesHash() of the whole source list: every shard must see the same list. */
  sourcesHash: string;
  pinbenchVersion?: string | null;
}

export interface ShardInfo {
  shard: number;
  shards: number;
  status: ShardStatus;
  partial: boolean;
  host: string | null;
  pid: number | null;
  startedAt: Date;
  endedAt: Date | null;
  counts: Record<string, unknown> | null;
}

function runRow(meta: ShardRunMeta, shards: number | null) {
  return {
    status: 'running' as const,
    config_name: meta.configName ?? null,
    git_revision: meta.gitRevision ?? null,
    git_dirty: meta.gitDirty ?? null,
    options: pgJson({
      ...(meta.options ?? {}),
      sharded: true,
      sourcesHash: meta.sourcesHash,
      ...(shards !== null ? { shards } : {}),
    }),
    store_outcomes: meta.outcomes === true,
    owner_pid: null,
    owner_host: null,
    pinbench_version: meta.pinbenchVersion ?? null,
  };
}

/** `pinbench run --create-run`: an empty sharded run (shard count set by the first shard). */
export async function createShardedRun(store: Store, meta: ShardRunMeta): Promise<number> {
  const row = await store.db
    .insertInto('runs')
    .values(runRow(meta, null))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Creates run `runId` unless it exists; true when this call created it. */
async function ensureRun(store: Store, runId: number, meta: ShardRunMeta, shards: number): Promise<boolean> {
  const created = await store.db
    .insertInto('runs')
    .values({ id: runId, ...runRow(meta, shards) })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!created) return false;
  // An explicit id does not move the identity sequence: move it past the id, or a later
  // `startRun` would be handed this id and fail. (A startRun that already drew exactly this id
  // between our insert and here still collides; ids from --create-run avoid that altogether.)
  await sql`select setval(pg_get_serial_sequence('runs', 'id'), (select max(id) from runs))`.execute(
    store.db,
  );
  return true;
}

/**
 * Records the shard's policies, or checks them against the run's: every shard must bring the same
 * ids with the same logic. Under a row lock on the run, so the first shard's set is the run's and
 * a disagreeing shard writes nothing.
 */
async function recordShardPolicies(store: Store, runId: number, policies: readonly Policy[]): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.selectFrom('runs').where('id', '=', runId).select('id').forUpdate().executeTakeFirstOrThrow();
    const stored = await trx
      .selectFrom('policies')
      .where('run_id', '=', runId)
      .select(['id', 'module_hash'])
      .execute();
    if (stored.length === 0) {
      if (policies.length > 0) await trx.insertInto('policies').values(policyRows(runId, policies)).execute();
      return;
    }
    const mine = new Map(policies.map((p) => [p.id, policyIdentityHash(p)]));
    const differ = new Set([
      ...stored.filter((r) => mine.get(r.id) !== r.module_hash).map((r) => r.id),
      ...[...mine.keys()].filter((id) => !stored.some((r) => r.id === id)),
    ]);
    if (differ.size > 0) {
      throw new StoreError(
        'PB_STORE',
        `run ${runId} was started with other policies than this shard's (differing: ${[...differ].join(', ')}): ` +
          'every shard of a run must run the same policies at the same revision',
      );
    }
  });
}

/** Sets `options[key]` when the run has none; returns the value the run has now. */
async function claimOption(store: Store, runId: number, key: string, value: unknown): Promise<unknown> {
  await sql`update runs set options = options || jsonb_build_object(${key}::text, ${JSON.stringify(value)}::jsonb)
            where id = ${runId} and not (options ? ${key}::text)`.execute(store.db);
  const row = await store.db
    .selectFrom('runs')
    .where('id', '=', runId)
    .select('options')
    .executeTakeFirstOrThrow();
  return (row.options as Record<string, unknown>)[key];
}

export interface JoinedShard {
  run: RunInfo;
  /** This call created the run (the first shard to arrive). */
  created: boolean;
  /** Traces the run already has (stored by an earlier attempt at this shard, or by others). */
  done: DoneTrace[];
}

export interface ShardJoinRequest {
  runId: number;
  shard: ShardRef;
  meta: ShardRunMeta;
  policies: readonly Policy[];
}

async function validateJoin(store: Store, req: ShardJoinRequest): Promise<RunInfo> {
  const { runId, shard, meta } = req;
  const run = await store.getRun(runId);
  if (run.options.sharded !== true) {
    throw new StoreError(
      'PB_STORE',
      `run ${runId} is not a sharded run (it was made by a plain \`pinbench run\`): give shards a new id, or ` +
        'create one with `pinbench run --create-run`',
    );
  }
  if (run.recordedStatus === 'complete' || run.recordedStatus === 'partial') {
    throw new StoreError(
      'PB_STORE',
      `run ${runId} is already ${run.recordedStatus}: all its shards are done`,
    );
  }
  if ((run.configName ?? null) !== (meta.configName ?? null)) {
    throw new StoreError(
      'PB_STORE',
      `run ${runId} has config name '${run.configName ?? ''}', this shard '${meta.configName ?? ''}'`,
    );
  }
  const shards = await claimOption(store, runId, 'shards', shard.count);
  if (shards !== shard.count) {
    throw new StoreError(
      'PB_STORE',
      `run ${runId} is split into ${String(shards)} shards, not ${shard.count}: give every shard the same --shard I/N count`,
    );
  }
  const hash = await claimOption(store, runId, 'sourcesHash', meta.sourcesHash);
  if (hash !== meta.sourcesHash) {
    throw new StoreError(
      'PB_STORE',
      `this shard sees a different list of traces than run ${runId} was made with: every shard must run ` +
        'the same corpus (the same checkout, or the same trace arguments)',
    );
  }
  if (run.recordedStatus === 'incomplete') {
    await store.db
      .updateTable('runs')
      .set({ status: 'running', ended_at: null })
      .where('id', '=', runId)
      .execute();
  }
  const db = shardDb(store);
  const row = await db
    .insertInto('run_shards')
    .values({
      run_id: runId,
      shard: shard.index,
      shards: shard.count,
      status: 'running',
      host: hostname(),
      pid: process.pid,
    })
    .onConflict((oc) =>
      oc
        .columns(['run_id', 'shard'])
        .doUpdateSet({
          status: 'running',
          partial: false,
          host: hostname(),
          pid: process.pid,
          started_at: sql<Date>`now()`,
          ended_at: null,
          counts: null,
        })
        .where('run_shards.status', '<>', 'done'),
    )
    .returning('shard')
    .executeTakeFirst();
  if (!row) {
    throw new StoreError('PB_STORE', `shard ${shard.index}/${shard.count} of run ${runId} is already done`);
  }
  await recordShardPolicies(store, runId, req.policies);
  return store.getRun(runId);
}

/**
 * Joins shard `req.shard` of run `req.runId` (creating the run if needed) and runs `fn` while
 * holding the shard's claim. `fn` writes with `writeShardTraceResult` and ends with `finishShard`;
 * if it throws, the shard is marked failed and can be run again.
 */
export async function withShardRun<T>(
  store: Store,
  req: ShardJoinRequest,
  fn: (joined: JoinedShard) => Promise<T>,
): Promise<T> {
  const created = await ensureRun(store, req.runId, req.meta, req.shard.count);
  const body = async (): Promise<T> => {
    const run = await validateJoin(store, req);
    try {
      return await fn({ run, created, done: await store.tracesDone(req.runId) });
    } catch (e) {
      await shardDb(store)
        .updateTable('run_shards')
        .set({ status: 'failed', ended_at: sql<Date>`now()` })
        .where('run_id', '=', req.runId)
        .where('shard', '=', req.shard.index)
        .where('status', '=', 'running')
        .execute()
        .catch(() => {});
      throw e;
    }
  };
  // PGlite: the data-directory lock already makes this process the only writer.
  if (store.kind !== 'postgres') return body();
  return store.db.connection().execute(async (conn) => {
    const shared = await sql<{
      ok: boolean;
    }>`select pg_try_advisory_lock_shared(${RUN_LOCK_CLASS}, ${req.runId}) as ok`.execute(conn);
    if (shared.rows[0]?.ok !== true) {
      throw new StoreError(
        'PB_STORE',
        `run ${req.runId} is being resumed or written by a single writer: it cannot take shards now`,
      );
    }
    try {
      const own = await sql<{
        ok: boolean;
      }>`select pg_try_advisory_lock(${SHARD_LOCK_BASE + req.shard.index}, ${req.runId}) as ok`.execute(conn);
      if (own.rows[0]?.ok !== true) {
        throw new StoreError(
          'PB_STORE',
          `shard ${req.shard.index}/${req.shard.count} of run ${req.runId} is being written by another process`,
        );
      }
      try {
        return await body();
      } finally {
        await sql`select pg_advisory_unlock(${SHARD_LOCK_BASE + req.shard.index}, ${req.runId})`
          .execute(conn)
          .catch(() => {});
      }
    } finally {
      await sql`select pg_advisory_unlock_shared(${RUN_LOCK_CLASS}, ${req.runId})`
        .execute(conn)
        .catch(() => {});
    }
  });
}

/** Stores one trace's results into the shard's run (one transaction, as Store.writeTraceResult). */
/** The streaming writes (write-trace-result.ts) into a shard's run, which this process does not own alone. */
export function shardTraceWrites(store: Store, runId: number, opts: { outcomes: boolean }) {
  const db = store.db;
  return {
    begin: (start: { identity: TraceIdentity; sha256: string; bytes: number }) =>
      beginTrace(db, runId, start),
    scenarios: (at: { traceId: number; matrix: string; from: number }, list: readonly ScenarioResult[]) =>
      writeScenarios(db, [runId, at.traceId, at.matrix], at.from, list, opts),
    finish: (traceId: number, result: TraceReplayResult) =>
      finishTrace(db, [runId, traceId, result.identity.matrix], result),
    abandon: (traceId: number, matrix: string) => abandonTrace(db, [runId, traceId, matrix]),
    whole: (result: TraceReplayResult) => writeTraceResult(db, runId, result, opts),
  };
}

export function writeShardTraceResult(
  store: Store,
  runId: number,
  result: TraceReplayResult,
  opts: { outcomes: boolean },
): Promise<boolean> {
  return writeTraceResult(store.db, runId, result, opts);
}

export interface ShardFinish {
  /** Shards done so far (this one included). */
  done: number;
  shards: number;
  /** This shard was the last: the run is now complete or partial. */
  finishedRun: boolean;
  status: RunInfo['status'];
}

const COUNT_KEYS = ['traces', 'scenarios', 'divergences', 'traceErrors'] as const;

/** Marks the shard done; the last shard to finish marks the run complete (or partial). */
export async function finishShard(
  store: Store,
  runId: number,
  shard: ShardRef,
  outcome: { partial: boolean; counts: Record<string, number> },
): Promise<ShardFinish> {
  return shardDb(store)
    .transaction()
    .execute(async (trx) => {
      await trx
        .updateTable('run_shards')
        .set({
          status: 'done',
          partial: outcome.partial,
          counts: pgJson(outcome.counts),
          ended_at: sql<Date>`now()`,
        })
        .where('run_id', '=', runId)
        .where('shard', '=', shard.index)
        .execute();
      // Serializes the last shards to finish: each sees the others' committed rows.
      const run = await trx
        .selectFrom('runs')
        .where('id', '=', runId)
        .select('status')
        .forUpdate()
        .executeTakeFirstOrThrow();
      const rows = await trx
        .selectFrom('run_shards')
        .where('run_id', '=', runId)
        .where('status', '=', 'done')
        .selectAll()
        .execute();
      const done = rows.filter((r) => r.shards === shard.count).length;
      if (done < shard.count || run.status === 'complete' || run.status === 'partial') {
        return { done, shards: shard.count, finishedRun: false, status: run.status };
      }
      const counts: Record<string, number> = Object.fromEntries(COUNT_KEYS.map((k) => [k, 0]));
      for (const r of rows) for (const k of COUNT_KEYS) counts[k]! += Number(r.counts?.[k] ?? 0);
      const status = rows.some((r) => r.partial) ? 'partial' : 'complete';
      await trx
        .updateTable('runs')
        .set({
          status,
          ended_at: sql<Date>`now()`,
          // Row counts of the whole run, which `verify` checks later.
          counts: pgJson({ ...counts, shards: shard.count, rows: await countRunRows(trx, runId) }),
        })
        .where('id', '=', runId)
        .execute();
      return { done, shards: shard.count, finishedRun: true, status };
    });
}

/** The shards of a run, in shard order. */
export async function listShards(store: Store, runId: number): Promise<ShardInfo[]> {
  const rows = await shardDb(store)
    .selectFrom('run_shards')
    .where('run_id', '=', runId)
    .selectAll()
    .orderBy('shard')
    .execute();
  return rows.map((r) => ({
    shard: r.shard,
    shards: r.shards,
    status: r.status,
    partial: r.partial,
    host: r.host,
    pid: r.pid,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    counts: r.counts,
  }));
}
