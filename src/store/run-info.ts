/**
 * A run as callers see it. `status` is the effective status: a run recorded as `running` whose
 * writer is gone (crash, kill -9, lost connection) is `incomplete`, and `resume` can finish it.
 */
import type { Selectable } from 'kysely';
import type { RunStatus, RunsTable } from './store-schema.ts';

export interface RunMeta {
  /** Config name for nightly jobs; previousCompletedRun() compares runs of the same config. */
  configName?: string | null;
  /** Git revision of the policies and whether the work tree had changes. */
  gitRevision?: string | null;
  gitDirty?: boolean | null;
  /** The run's options (JSON): what resume needs to redo the same run. */
  options?: Record<string, unknown>;
  /** Store outcome records as well (large). */
  outcomes?: boolean;
  pinbenchVersion?: string | null;
}

export interface RunInfo {
  id: number;
  /** Effective status (a `running` run with a dead writer is `incomplete`). */
  status: RunStatus;
  /** The status as written in the database. */
  recordedStatus: RunStatus;
  startedAt: Date;
  endedAt: Date | null;
  configName: string | null;
  gitRevision: string | null;
  gitDirty: boolean | null;
  options: Record<string, unknown>;
  /** The counts given to finishRun, null until then. */
  counts: Record<string, unknown> | null;
  outcomes: boolean;
  owner: { pid: number; host: string } | null;
  pinbenchVersion: string | null;
  /** Traces stored for the run so far. */
  traces: number;
  divergences: number;
  /** Scenario x policy verdicts that are `fail`. */
  failures: number;
}

export type RunRow = Selectable<RunsTable> & { traces: number; divergences: number; failures: number };

export function toRunInfo(row: RunRow, alive: boolean): RunInfo {
  const status: RunStatus = row.status === 'running' && !alive ? 'incomplete' : row.status;
  return {
    id: row.id,
    status,
    recordedStatus: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    configName: row.config_name,
    gitRevision: row.git_revision,
    gitDirty: row.git_dirty,
    options: row.options ?? {},
    counts: row.counts,
    outcomes: row.store_outcomes,
    owner: row.owner_pid !== null ? { pid: row.owner_pid, host: row.owner_host ?? '' } : null,
    pinbenchVersion: row.pinbench_version,
    traces: Number(row.traces),
    divergences: Number(row.divergences),
    failures: Number(row.failures),
  };
}
