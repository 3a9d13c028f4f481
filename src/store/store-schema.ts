/**
 * The tables as kysely sees them. The SQL that creates them is in `store-migrations.ts`; keep the
 * two in step. Every per-trace table is keyed by (run_id, trace_id, matrix, ...) and references
 * its `run_traces` row. Since migration 0004 a trace's rows are written a batch of whole
 * scenarios per transaction while it is replayed; `run_traces.complete` says "this trace's
 * results are complete for this run".
 *
 * Scenarios are numbered within a trace (`sidx`, their position in the trace), not keyed by
 * name: a trace may reuse a scenario name. Policies carry `pord` (their position in the run's
 * policy list) so exports list them in the order the replay did.
 */
import type { ColumnType, Generated } from 'kysely';

/** A timestamptz column: written by the database's now(), read as a Date. */
type Timestamp = ColumnType<Date, never, never>;
/** jsonb: written as JSON text, read as the parsed value. */
type Json<T> = ColumnType<T, string, string>;
/** Record keys without a column of their own (added to the contract after this schema). */
type Extra = ColumnType<Record<string, unknown> | null, string | null, string | null>;
/** bigint: pg returns a string, PGlite a number; read through Number(). */
type Int8 = ColumnType<string | number | bigint, number, number>;

export const RUN_STATUSES = ['running', 'complete', 'incomplete', 'partial'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunsTable {
  id: Generated<number>;
  started_at: Timestamp;
  ended_at: ColumnType<Date | null, never, Date | null>;
  status: RunStatus;
  config_name: string | null;
  git_revision: string | null;
  git_dirty: boolean | null;
  options: Json<Record<string, unknown>>;
  counts: ColumnType<Record<string, unknown> | null, string | undefined, string>;
  store_outcomes: boolean;
  owner_pid: number | null;
  owner_host: string | null;
  pinbench_version: string | null;
}

export interface TracesTable {
  id: Generated<number>;
  sha256: string;
  bytes: Int8;
  layout: string;
  /** Where the content was first seen; each run's own path is in run_traces.source. */
  source: string;
  ingest: Json<unknown>;
  first_seen_at: Timestamp;
}

export interface IntegrityEventsTable {
  trace_id: number;
  ord: number;
  line: number;
  kind: string;
  cpu: number | null;
  count: number | null;
  text: string;
}

export interface RunTracesTable {
  run_id: number;
  trace_id: number;
  matrix: string;
  /** The label `source [matrix]` results show (NDJSON `trace`). */
  source: string;
  /** The trace identity (migration 0004): the source as named in results, and its short name. */
  trace_source: string;
  trace_name: string;
  /** All its scenarios are stored (0004: rows are written a batch of scenarios at a time). */
  complete: ColumnType<boolean, boolean | undefined, boolean>;
  error_code: string | null;
  error_message: string | null;
  scenarios: number;
  divergences: number;
  ms: number;
  events: Json<unknown>;
  stored_at: Timestamp;
}

export interface PoliciesTable {
  run_id: number;
  id: string;
  ord: number;
  kind: string;
  title: string;
  scope_release: string;
  /** kernelHash(ops): changes exactly when the logic changes (triage expiry). */
  module_hash: string;
  /** SHA-256 of a user module's file, where there is one. */
  source_hash: string | null;
  source: string | null;
  commit: string | null;
  subject: string | null;
  summary: string | null;
  link: string | null;
  families: Json<Record<string, { id: string; commit: string | null; release: string | null }>>;
  overrides: Json<string[]>;
}

/** Where a per-scenario row belongs: a scenario (by position) of a trace under a matrix label in a run. */
interface ScenarioKey {
  run_id: number;
  trace_id: number;
  matrix: string;
  sidx: number;
}

export interface ScenariosTable extends ScenarioKey {
  name: string;
  calls: number;
  coverage: Json<{ seqs: number[]; finals: boolean }>;
}

/**
 * Since migration 0007 `scenario_results`, `finals` and `divergences` are views over the compact
 * tables below (content-once-migration.ts): read through them, write the tables.
 */
export interface ScenarioResultsTable extends ScenarioKey {
  policy: string;
  pord: number;
  verdict: string;
  failed: Json<string[]>;
  reason: string | null;
  /** The verdict the trace header expects; null where it states none, and before migration 0003. */
  expected: string | null;
  extra: Extra;
}

export interface FinalsTable extends ScenarioKey {
  policy: string;
  pord: number;
  leaks: Json<Record<string, number>>;
  pins_acquired: number;
  pins_released: number;
  locked_vm: Int8;
  bugs: number;
  warnings: number;
  longterm_unpinnable: number;
  bad_page_maps: number;
  extra: Extra;
}

export interface DivergencesTable extends ScenarioKey {
  seq: number;
  signature: string;
  /** Null in rows stored before migration 0003. */
  title: string | null;
  /** The divergence's kind (divergence_kinds); null only while migration 0005 backfills. */
  kind: string | null;
  /** Each class's policies as JSON text; null only in rows a writer without it stored. */
  partition: string | null;
  line: number;
  event: string;
  text: string;
  root: boolean;
  classes: Json<unknown[]>;
  unsupported: Json<string[]>;
  context: Json<{ line: number; text: string }[]>;
  extra: Extra;
}

export interface FidelityTable extends ScenarioKey {
  seq: number;
  policy: string;
  line: number;
  event: string;
  observed: Json<number | string>;
  ret: Json<number | string>;
}

export interface OutcomesTable extends ScenarioKey {
  seq: number;
  policy: string;
  line: number;
  event: string;
  outcome: Json<Record<string, unknown>>;
}

/** Migration 0007: a scenario's verdicts, one array element per policy in replay order (`pord`). */
export interface ScenarioVerdictsTable extends ScenarioKey {
  policies: ColumnType<string[], string[], string[]>;
  verdicts: ColumnType<string[], string[], string[]>;
  /** Failed assertions per policy (JSON array of arrays); null when no policy failed one. */
  failed: ColumnType<string[][] | null, string | null, string | null>;
  reasons: ColumnType<(string | null)[] | null, (string | null)[] | null, (string | null)[] | null>;
  expected: ColumnType<(string | null)[] | null, (string | null)[] | null, (string | null)[] | null>;
  extra: ColumnType<unknown[] | null, string | null, string | null>;
}

/** Migration 0007: a scenario's final records, one array element per policy. */
export interface ScenarioFinalsTable extends ScenarioKey {
  policies: ColumnType<string[], string[], string[]>;
  pords: ColumnType<number[], number[], number[]>;
  leaks: ColumnType<Record<string, number>[], string, string>;
  pins_acquired: ColumnType<number[], number[], number[]>;
  pins_released: ColumnType<number[], number[], number[]>;
  locked_vm: ColumnType<(string | number)[], number[], number[]>;
  bugs: ColumnType<number[], number[], number[]>;
  warnings: ColumnType<number[], number[], number[]>;
  longterm_unpinnable: ColumnType<number[], number[], number[]>;
  bad_page_maps: ColumnType<number[], number[], number[]>;
  extra: ColumnType<unknown[] | null, string | null, string | null>;
}

/**
 * Migration 0007: the stored divergence row behind the `divergences` view. `classes` holds
 * `[outcome key, why key]` per class (divergence_contents), `partition_key` the classes'
 * policies; `context` is null where the lines are `trace_lines` context_from..context_to.
 */
export interface DivergenceRowsTable extends ScenarioKey {
  seq: number;
  signature: string;
  title: string | null;
  kind: string | null;
  partition_key: string;
  line: number;
  event: string;
  text: string;
  root: boolean;
  classes: Json<[string, string][]>;
  unsupported: Json<string[]>;
  context: ColumnType<{ line: number; text: string }[] | null, string | null, string | null>;
  context_from: number | null;
  context_to: number | null;
  extra: Extra;
}

/** Migration 0007: JSON stored once by content (class outcomes, why paths, partitions). */
export interface DivergenceContentsTable {
  key: string;
  value: Json<unknown>;
}

/** Migration 0007: the lines of a trace content that some divergence's context shows. */
export interface TraceLinesTable {
  trace_id: number;
  line: number;
  text: string;
}

/** One row per divergence kind (replay/divergence-kind.ts): its title, stored once. */
export interface DivergenceKindsTable {
  kind: string;
  title: string;
  event: string;
}

export interface TriageTable {
  signature: string;
  note: string;
  accepted_at: ColumnType<Date, never, Date>;
  /** Policy id -> module hash at acceptance; the acceptance expires when any of them changes. */
  module_hashes: Json<Record<string, string>>;
}

/** Text stored once by content (migration 0006): scenario slices and module sources. */
export interface StoredTextsTable {
  sha256: string;
  text: string;
}

/** The slice a run replayed for a diverging scenario, for `pinbench repro` (migration 0006). */
export interface ScenarioSlicesTable {
  run_id: number;
  trace_sha256: string;
  matrix: string;
  sidx: number;
  text_sha256: string;
}

/** A user module's source as a run loaded it (migration 0006). */
export interface PolicySourcesTable {
  run_id: number;
  policy: string;
  path: string;
  text_sha256: string;
}

/** A call that diverges in some orders of its scenario's tied events only (migration 0006). */
export interface OrderDependenceTable {
  run_id: number;
  trace_sha256: string;
  matrix: string;
  line: number;
  /** Orders (of those replayed) in which the call diverged. */
  diverging: number;
  orders: number;
  /** The orders were a sample (more exist than were replayed). */
  sampled: boolean;
}

export interface StoreSchema {
  runs: RunsTable;
  traces: TracesTable;
  integrity_events: IntegrityEventsTable;
  run_traces: RunTracesTable;
  policies: PoliciesTable;
  scenarios: ScenariosTable;
  scenario_results: ScenarioResultsTable;
  finals: FinalsTable;
  divergences: DivergencesTable;
  divergence_kinds: DivergenceKindsTable;
  scenario_verdicts: ScenarioVerdictsTable;
  scenario_finals: ScenarioFinalsTable;
  divergence_rows: DivergenceRowsTable;
  divergence_contents: DivergenceContentsTable;
  trace_lines: TraceLinesTable;
  fidelity: FidelityTable;
  outcomes: OutcomesTable;
  triage: TriageTable;
  stored_texts: StoredTextsTable;
  scenario_slices: ScenarioSlicesTable;
  policy_sources: PolicySourcesTable;
  order_dependence: OrderDependenceTable;
}
