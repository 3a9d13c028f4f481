/**
 * The results store: the only code that talks to a database. `openStore` picks the backend
 * (PGlite directory or PostgreSQL URL), applies migrations, and returns a Store whose API covers
 * the run lifecycle the `run` command drives (startRun / recordPolicies / writeTraceResult /
 * finishRun, and resumeRun after an interruption) and every read the report stage and the
 * `runs`, `diff`, `accept` and `export` commands need.
 */

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import { StoreError, StoreFailure } from '../errors.ts';
import { FAMILIES, type Policy } from '../model/kernel.ts';
import type { TraceIdentity } from '../replay/divergence-identity.ts';
import { policyIdentityHash } from '../replay/policy-info.ts';
import type { ScenarioResult } from '../replay/replay-scenario.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { diffRuns, type RunDiff } from './diff-runs.ts';
import {
  type DivergenceFilter,
  divergenceBySignature,
  listDivergences,
  type StoredDivergence,
} from './divergence-queries.ts';
import { type ExportOptions, exportNdjson, type NdjsonWrite } from './export-ndjson.ts';
import { kindCount, kindSignatures } from './kind-queries.ts';
import type { Page, PageRequest } from './paging.ts';
import { PgliteBackend } from './pglite-backend.ts';
import { PostgresBackend } from './postgres-backend.ts';
import { pgJson, pgText } from './recordset-insert.ts';
import {
  divergingScenarios,
  findReproTarget,
  findReproTargets,
  firstDivergingScenario,
  type OrderDependence,
  type OrderDependentDivergence,
  orderDependentDivergences,
  type ReproTarget,
  writeOrderDependence,
  writePolicySources,
  writeScenarioSlices,
} from './repro-slices.ts';
import { type RunInfo, type RunMeta, toRunInfo } from './run-info.ts';
import {
  listFinals,
  listPolicies,
  listTraces,
  type PolicyInfo,
  type PolicyVerdicts,
  type RunTotals,
  runTotals,
  type StoredFinal,
  type StoredVerdict,
  scenarioVerdicts,
  type TraceInfo,
  type VerdictFilter,
  verdictMatrix,
} from './run-queries.ts';
import type { BackendKind, StoreBackend } from './store-backend.ts';
import { resolveStoreLocation, type StoreLocationInput } from './store-location.ts';
import { migrateStore } from './store-migrations.ts';
import type { RunStatus, StoreSchema } from './store-schema.ts';
import { acceptSignature, listTriage, type TriageEntry } from './triage.ts';
import { countRunRows, formatProblems, type RunVerification, verifyRun } from './verify-run.ts';
import {
  abandonTrace,
  beginTrace,
  finishTrace,
  type TraceProgress,
  writeScenarios,
  writeTraceResult,
} from './write-trace-result.ts';

export type { RunDiff, VerdictChange } from './diff-runs.ts';
export type { DivergenceFilter, StoredDivergence } from './divergence-queries.ts';
export type { DivergenceRow } from './divergence-row.ts';
export type { ExportOptions, NdjsonWrite } from './export-ndjson.ts';
export type { KindSummary } from './kind-queries.ts';
export type { Page, PageRequest } from './paging.ts';
export type {
  OrderDependence,
  OrderDependentDivergence,
  ReproPolicy,
  ReproTarget,
} from './repro-slices.ts';
export type { RunInfo, RunMeta } from './run-info.ts';
export type {
  PolicyInfo,
  PolicyVerdicts,
  RunTotals,
  StoredFinal,
  StoredVerdict,
  TraceInfo,
  VerdictFilter,
} from './run-queries.ts';
export type { RunStatus } from './store-schema.ts';
export type { TriageEntry } from './triage.ts';
export type { RunVerification, VerifyProblem } from './verify-run.ts';
export { type TraceProgress, traceKey } from './write-trace-result.ts';

export interface OpenStoreOptions extends StoreLocationInput {
  /** PGlite only: a `dumpDataDir()` tarball a new directory starts from instead of initdb. */
  pgliteTemplate?: Blob | undefined;
}

/** A trace whose results a run already has: resume skips it. */
export interface DoneTrace {
  /** The label results show (`source [matrix]`). */
  trace: string;
  /** The trace identity's source (as named in results) and matrix label: what resume matches. */
  source: string;
  sha256: string;
  matrix: string;
}

export type FinalStatus = Exclude<RunStatus, 'running'>;

let version: string | null = null;
function pinbenchVersion(): string | null {
  if (version === null) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: string;
      };
      version = pkg.version ?? '';
    } catch {
      version = '';
    }
  }
  return version || null;
}

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const where = resolveStoreLocation(opts);
  const backend: StoreBackend =
    where.kind === 'pglite'
      ? await PgliteBackend.open({ dir: where.dir, template: opts.pgliteTemplate })
      : await PostgresBackend.open({ url: where.url, display: where.display });
  try {
    await migrateStore(backend.db, backend.location);
  } catch (e) {
    await backend.close().catch(() => {});
    throw e;
  }
  return new Store(backend);
}

/** The `policies` rows of a run: metadata, family versions and the identity hash (module graph). */
export function policyRows(runId: number, policies: readonly Policy[]) {
  return policies.map((p, ord) => ({
    run_id: runId,
    id: p.id,
    ord,
    kind: p.kind,
    title: pgText(p.title),
    scope_release: p.scopeRelease,
    module_hash: policyIdentityHash(p),
    source_hash: p.moduleHash ?? null,
    source: p.source ?? null,
    commit: p.commit ?? null,
    subject: p.subject !== undefined ? pgText(p.subject) : null,
    summary: p.summary !== undefined ? pgText(p.summary) : null,
    link: p.link ?? null,
    families: pgJson(
      Object.fromEntries(
        FAMILIES.filter((f) => p.versions[f]).map((f) => {
          const v = p.versions[f];
          return [f, { id: v.id, commit: v.commit ?? null, release: v.release }];
        }),
      ),
    ),
    overrides: pgJson(p.overrides),
  }));
}

export class Store {
  readonly kind: BackendKind;
  /** Directory or URL without password. */
  readonly location: string;
  private readonly backend: StoreBackend;
  /** Runs this process is writing, and whether each keeps outcome records. */
  private readonly own = new Map<number, { outcomes: boolean }>();
  private closed = false;

  constructor(backend: StoreBackend) {
    this.backend = backend;
    this.kind = backend.kind;
    this.location = backend.location;
  }

  /** The kysely instance, for tests and benchmarks; callers outside src/store use the methods. */
  get db(): Kysely<StoreSchema> {
    return this.backend.db;
  }

  // ---- run lifecycle ------------------------------------------------------------------------

  async startRun(meta: RunMeta = {}): Promise<number> {
    this.assertOpen();
    const row = await this.db
      .insertInto('runs')
      .values({
        status: 'running',
        config_name: meta.configName ?? null,
        git_revision: meta.gitRevision ?? null,
        git_dirty: meta.gitDirty ?? null,
        options: pgJson(meta.options ?? {}),
        store_outcomes: meta.outcomes === true,
        owner_pid: process.pid,
        owner_host: hostname(),
        pinbench_version: meta.pinbenchVersion ?? pinbenchVersion(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.backend.claimRun(row.id);
    this.own.set(row.id, { outcomes: meta.outcomes === true });
    return row.id;
  }

  /**
   * Takes over an incomplete run (its writer died or was stopped) for writing, and says which
   * traces it already has. Fails for unknown, finished, or still-running runs.
   */
  async resumeRun(runId: number): Promise<{ run: RunInfo; done: DoneTrace[] }> {
    this.assertOpen();
    const run = await this.getRun(runId);
    if (!this.own.has(runId)) {
      if (run.status === 'running') throw this.runningElsewhere(run);
      if (run.status !== 'incomplete') {
        throw new StoreError(
          'PB_STORE',
          `run ${runId} is ${run.status}: only an incomplete run can be resumed`,
        );
      }
      if (!(await this.backend.claimRun(runId))) throw this.runningElsewhere(run);
      await this.db
        .updateTable('runs')
        .set({ status: 'running', owner_pid: process.pid, owner_host: hostname(), ended_at: null })
        .where('id', '=', runId)
        .execute();
      this.own.set(runId, { outcomes: run.outcomes });
    }
    return { run: await this.getRun(runId), done: await this.tracesDone(runId) };
  }

  private runningElsewhere(run: RunInfo): StoreError {
    const who = run.owner ? ` by pid ${run.owner.pid} on ${run.owner.host}` : '';
    return new StoreError(
      'PB_STORE',
      `run ${run.id} is still being written${who}: wait for it, or resume it once that process is gone`,
    );
  }

  /** Records the run's policies (id, kind, module hash, commit, subject, family versions). */
  async recordPolicies(runId: number, policies: readonly Policy[]): Promise<void> {
    this.assertWriting(runId);
    if (policies.length === 0) return;
    // A resumed run keeps the policies it started with.
    await this.db
      .insertInto('policies')
      .values(policyRows(runId, policies))
      .onConflict((oc) => oc.columns(['run_id', 'id']).doNothing())
      .execute();
  }

  /**
   * Stores one trace's results in one transaction. Returns false when the run already has this
   * trace content under this matrix label (a resumed run, or the same file given twice).
   */
  async writeTraceResult(runId: number, result: TraceReplayResult): Promise<boolean> {
    const run = this.assertWriting(runId);
    return writeTraceResult(this.db, runId, result, { outcomes: run.outcomes });
  }

  /**
   * Streaming (see write-trace-result.ts): opens a trace whose content hash is known before it
   * is replayed; says how many of its scenarios the run already has.
   */
  beginTrace(
    runId: number,
    start: { identity: TraceIdentity; sha256: string; bytes: number },
  ): Promise<TraceProgress> {
    this.assertWriting(runId);
    return beginTrace(this.db, runId, start);
  }

  /** A batch of whole scenarios of a begun trace, `from` the position of the first: one transaction. */
  async writeScenarios(
    runId: number,
    at: { traceId: number; matrix: string; from: number },
    scenarios: readonly ScenarioResult[],
  ): Promise<void> {
    const run = this.assertWriting(runId);
    await writeScenarios(this.db, [runId, at.traceId, at.matrix], at.from, scenarios, run);
    await this.backend.afterBatch();
  }

  /** Completes a begun trace with its replay result (whose scenarios were streamed). */
  finishTrace(runId: number, traceId: number, result: TraceReplayResult): Promise<void> {
    this.assertWriting(runId);
    return finishTrace(this.db, [runId, traceId, result.identity.matrix], result);
  }

  /** Drops a begun trace's rows (its replay failed part-way; its error result is stored instead). */
  abandonTrace(runId: number, traceId: number, matrix: string): Promise<void> {
    this.assertWriting(runId);
    return abandonTrace(this.db, [runId, traceId, matrix]);
  }

  async finishRun(runId: number, status: FinalStatus, counts: Record<string, unknown> = {}): Promise<void> {
    this.assertWriting(runId);
    if (!['complete', 'incomplete', 'partial'].includes(status)) {
      throw new StoreError('PB_STORE', `finishRun: '${status}' is not a final status`);
    }
    // Counts of the whole run as stored (a resumed run's earlier part included), and the rows of
    // every table, which `verify` checks later.
    const whole = await this.storedCounts(runId);
    await this.db
      .updateTable('runs')
      .set({ status, ended_at: sql<Date>`now()`, counts: pgJson({ ...counts, ...whole }) })
      .where('id', '=', runId)
      .execute();
    this.own.delete(runId);
    await this.backend.releaseRun(runId);
    // A freshly written run has no planner statistics: without them every keyset page of its
    // divergences sorts the rest of the run (quadratic over a 100k-divergence report).
    await sql`analyze divergence_rows, scenario_verdicts, scenario_finals`.execute(this.db);
  }

  /** The run's totals over everything it has stored, and its row counts per table. */
  private async storedCounts(runId: number) {
    const rows = await countRunRows(this.db, runId);
    const t = await this.db
      .selectFrom('run_traces')
      .where('run_id', '=', runId)
      .select([
        sql<number>`count(*)::int`.as('traces'),
        sql<number>`coalesce(sum(scenarios), 0)::int`.as('scenarios'),
        sql<number>`coalesce(sum(divergences), 0)::int`.as('divergences'),
        sql<number>`(count(*) filter (where error_code is not null))::int`.as('traceErrors'),
      ])
      .executeTakeFirstOrThrow();
    return {
      traces: Number(t.traces),
      scenarios: Number(t.scenarios),
      divergences: Number(t.divergences),
      traceErrors: Number(t.traceErrors),
      rows,
    };
  }

  /**
   * Counts every row of a run against the counts stored with it (see verify-run.ts). Problems
   * mean rows were lost underneath the database (damaged pages).
   */
  async verifyRun(runId: number): Promise<RunVerification> {
    const run = await this.getRun(runId);
    return verifyRun(this.db, runId, run.counts);
  }

  /** Like verifyRun, but a run with missing rows is a StoreFailure (exit 3) naming them. */
  async assertRunIntact(runId: number): Promise<void> {
    const v = await this.verifyRun(runId);
    if (v.problems.length === 0) return;
    throw new StoreFailure(
      `run ${runId} in ${this.location} has lost rows (${formatProblems(v.problems)}): the database is damaged; ` +
        'restore it from a backup, or run the traces again into a new database (`pinbench verify` checks every run)',
    );
  }

  /** The traces a run has stored completely: what resume skips (a trace begun is continued). */
  async tracesDone(runId: number): Promise<DoneTrace[]> {
    const rows = await this.db
      .selectFrom('run_traces as rt')
      .innerJoin('traces as t', 't.id', 'rt.trace_id')
      .where('rt.run_id', '=', runId)
      .where('rt.complete', '=', true)
      .select(['rt.source', 'rt.trace_source', 't.sha256', 'rt.matrix'])
      .orderBy('rt.source')
      .orderBy('rt.matrix')
      .execute();
    return rows.map((r) => ({ trace: r.source, source: r.trace_source, sha256: r.sha256, matrix: r.matrix }));
  }

  // ---- runs ---------------------------------------------------------------------------------

  private runsQuery() {
    return this.db
      .selectFrom('runs as r')
      .selectAll('r')
      .select((eb) => [
        eb
          .selectFrom('run_traces as rt')
          .whereRef('rt.run_id', '=', 'r.id')
          .select(sql<number>`count(*)::int`.as('n'))
          .as('traces'),
        eb
          .selectFrom('run_traces as rt')
          .whereRef('rt.run_id', '=', 'r.id')
          .select(sql<number>`coalesce(sum(rt.divergences), 0)::int`.as('n'))
          .as('divergences'),
        eb
          .selectFrom('scenario_results as v')
          .whereRef('v.run_id', '=', 'r.id')
          .where('v.verdict', '=', 'fail')
          .select(sql<number>`count(*)::int`.as('n'))
          .as('failures'),
      ]);
  }

  private async toRuns(
    rows: Awaited<ReturnType<ReturnType<Store['runsQuery']>['execute']>>,
  ): Promise<RunInfo[]> {
    const unknown = rows.filter((r) => r.status === 'running' && !this.own.has(r.id)).map((r) => r.id);
    const elsewhere = await this.backend.claimedElsewhere(unknown);
    return rows.map((r) =>
      toRunInfo(
        { ...r, traces: r.traces ?? 0, divergences: r.divergences ?? 0, failures: r.failures ?? 0 },
        this.own.has(r.id) || elsewhere.has(r.id),
      ),
    );
  }

  /** Run history, newest first. */
  async listRuns(opts: { limit?: number; configName?: string } = {}): Promise<RunInfo[]> {
    let q = this.runsQuery().orderBy('r.id', 'desc');
    if (opts.configName !== undefined) q = q.where('r.config_name', '=', opts.configName);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return this.toRuns(await q.execute());
  }

  /** A run by id; StoreError (exit 2) naming the id when there is none. */
  async getRun(runId: number): Promise<RunInfo> {
    const rows = await this.runsQuery().where('r.id', '=', runId).execute();
    const [run] = await this.toRuns(rows);
    if (!run) {
      throw new StoreError(
        'PB_STORE',
        `no run ${runId} in ${this.location}: \`pinbench runs\` lists the runs`,
      );
    }
    return run;
  }

  /** A run named on the command line: its id, or `latest`. */
  async resolveRun(ref: string | number): Promise<RunInfo> {
    if (typeof ref === 'number') return this.getRun(ref);
    if (ref === 'latest') {
      const [run] = await this.listRuns({ limit: 1 });
      if (!run)
        throw new StoreError('PB_STORE', `no runs in ${this.location} yet: \`pinbench run\` makes one`);
      return run;
    }
    if (!/^\d+$/.test(ref)) {
      throw new StoreError(
        'PB_STORE',
        `'${ref}' is not a run id: give a number from \`pinbench runs\`, or latest`,
      );
    }
    return this.getRun(Number(ref));
  }

  /**
   * The newest complete run before `runId` with the same config name (or with `configName`
   * when given): the baseline a nightly compares against. Null when there is none.
   */
  async previousCompletedRun(runId: number, configName?: string | null): Promise<RunInfo | null> {
    const config = configName !== undefined ? configName : (await this.getRun(runId)).configName;
    const rows = await this.runsQuery()
      .where('r.id', '<', runId)
      .where('r.status', '=', 'complete')
      .where(sql<boolean>`r.config_name is not distinct from ${config}`)
      .orderBy('r.id', 'desc')
      .limit(1)
      .execute();
    const [run] = await this.toRuns(rows);
    return run ?? null;
  }

  async diffRuns(a: number, b: number): Promise<RunDiff> {
    await this.getRun(a);
    await this.getRun(b);
    return diffRuns(this.db, a, b);
  }

  // ---- triage -------------------------------------------------------------------------------

  /**
   * Accepts a divergence signature with a note. Without `moduleHashes`, the hashes of the
   * policies it involves are taken from the newest run that has it.
   */
  async accept(signature: string, note: string, moduleHashes?: Record<string, string>): Promise<TriageEntry> {
    return acceptSignature(this.db, signature, note, moduleHashes);
  }

  /** Every acceptance, with whether it expired against `current` (default: newest hashes). */
  async triage(current?: Record<string, string>): Promise<TriageEntry[]> {
    return listTriage(this.db, current);
  }

  /** Acceptances still in force. */
  async acceptedSignatures(current?: Record<string, string>): Promise<TriageEntry[]> {
    return (await listTriage(this.db, current)).filter((t) => !t.expired);
  }

  // ---- results ------------------------------------------------------------------------------

  async exportNdjson(runId: number, write: NdjsonWrite, opts: ExportOptions = {}): Promise<number> {
    await this.getRun(runId);
    return exportNdjson(this.db, runId, write, opts);
  }

  runTotals(runId: number): Promise<RunTotals> {
    return runTotals(this.db, runId);
  }

  verdictMatrix(runId: number): Promise<PolicyVerdicts[]> {
    return verdictMatrix(this.db, runId);
  }

  scenarioVerdicts(runId: number, filter?: VerdictFilter, page?: PageRequest): Promise<Page<StoredVerdict>> {
    return scenarioVerdicts(this.db, runId, filter, page);
  }

  async divergences(
    runId: number,
    filter: DivergenceFilter = {},
    page: PageRequest = {},
  ): Promise<Page<StoredDivergence>> {
    const accepted = filter.unacceptedOnly ? (await this.acceptedSignatures()).map((t) => t.signature) : [];
    return listDivergences(this.db, runId, filter, page, accepted);
  }

  divergence(
    signature: string,
    runId?: number,
  ): Promise<{ runId: number; occurrences: StoredDivergence[] } | null> {
    return divergenceBySignature(this.db, signature, runId);
  }

  /** How many divergence kinds (and divergences) run `runId` has. */
  kindCount(runId: number): Promise<{ kinds: number; divergences: number }> {
    return kindCount(this.db, runId);
  }

  /** The signatures of a divergence kind, in the newest run that has it (triage by kind). */
  kindSignatures(kind: string): Promise<string[]> {
    return kindSignatures(this.db, kind);
  }

  finals(runId: number, filter?: { trace?: string; policy?: string }): Promise<StoredFinal[]> {
    return listFinals(this.db, runId, filter);
  }

  traces(runId: number): Promise<TraceInfo[]> {
    return listTraces(this.db, runId);
  }

  policies(runId: number): Promise<PolicyInfo[]> {
    return listPolicies(this.db, runId);
  }

  // ---- repro (repro-slices.ts) --------------------------------------------------------------

  /** The first scenario of a stored trace that diverges, or null. */
  firstDivergingScenario(runId: number, trace: { sha256: string; matrix: string }): Promise<number | null> {
    this.assertOpen();
    return firstDivergingScenario(this.db, runId, trace);
  }

  /**
   * The scenarios in [from, to) of a stored trace whose slices repro keeps: the first of each
   * divergence signature, ascending.
   */
  divergingScenarios(
    runId: number,
    trace: { sha256: string; matrix: string },
    from: number,
    to: number,
  ): Promise<Int32Array> {
    this.assertOpen();
    return divergingScenarios(this.db, runId, trace, from, to);
  }

  /** Stores the slices of a trace's diverging scenarios (before or after its results). */
  async writeScenarioSlices(
    runId: number,
    trace: { sha256: string; matrix: string },
    slices: readonly { sidx: number; text: string }[],
  ): Promise<void> {
    this.assertOpen(); // shards write without owning the run
    await writeScenarioSlices(this.db, runId, trace, slices);
  }

  /** Stores the source of each user module of the run, as loaded. */
  async writePolicySources(
    runId: number,
    sources: readonly { policy: string; path: string; text: string }[],
  ): Promise<void> {
    this.assertOpen();
    await writePolicySources(this.db, runId, sources);
  }

  /** Stores the calls of a trace that diverge in some orders of their tied events only. */
  async writeOrderDependence(
    runId: number,
    trace: { sha256: string; matrix: string },
    rows: readonly OrderDependence[],
  ): Promise<void> {
    this.assertOpen();
    await writeOrderDependence(this.db, runId, trace, rows);
  }

  /** The run's order-dependent divergences: in how many of the orders replayed each diverged. */
  orderDependentDivergences(runId: number): Promise<OrderDependentDivergence[]> {
    this.assertOpen();
    return orderDependentDivergences(this.db, runId);
  }

  /** What `repro` replays for a divergence identity (or a unique prefix), in `runId` or the newest run with it. */
  reproTarget(identity: string, runId?: number): Promise<ReproTarget> {
    this.assertOpen();
    return findReproTarget(this.db, identity, runId);
  }

  /** `reproTarget` of many full signatures of run `runId` in three reads; absent ones are left out. */
  reproTargets(runId: number, signatures: readonly string[]): Promise<Map<string, ReproTarget>> {
    this.assertOpen();
    return findReproTargets(this.db, runId, signatures);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Closes the database. Runs this process was still writing are marked incomplete. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      const open = [...this.own.keys()];
      if (open.length > 0) {
        // Best effort: on a full disk or a lost server this fails too, and the run still reads
        // as incomplete (its writer is gone); the error that got us here is the one to report.
        await this.db
          .updateTable('runs')
          .set({ status: 'incomplete', ended_at: sql<Date>`now()` })
          .where('id', 'in', open)
          .where('status', '=', 'running')
          .execute()
          .catch(() => {});
      }
      this.own.clear();
    } finally {
      await this.backend.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('PB_STORE', 'the store is closed');
  }

  private assertWriting(runId: number): { outcomes: boolean } {
    this.assertOpen();
    const run = this.own.get(runId);
    if (!run) {
      throw new StoreError(
        'PB_STORE',
        `run ${runId} is not open for writing in this process: startRun() or resumeRun() it first`,
      );
    }
    return run;
  }
}
