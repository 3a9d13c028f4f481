/** Messages between the corpus scheduler and its replay workers (plain data only). */
import type { SourceLocation } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import { defaultAdapters } from './adapters.ts';
import type { BaselineRecords, RecordUse } from './baseline-records.ts';
import type { ReadCacheUse, ReadTraceCache } from './read-trace-cache.ts';
import type { ScenarioResult } from './replay-scenario.ts';
import type { TraceReplayOptions } from './replay-trace.ts';
import type { TraceReplayResult } from './results.ts';

export interface ReplayJob {
  id: number;
  source: string;
  /** Policy ids and module paths; each worker resolves them itself (functions cannot be posted). */
  policySpecs: string[];
  cwd: string;
  outcomes: boolean;
  strict: boolean;
  configOverrides?: Partial<TraceConfig>;
  matrix?: string;
  /** Use the real-recording adapters (io_uring case markers, kprobe trails). */
  adapters: boolean;
  /** Budget of each user policy's own code per scenario (ms). */
  policyTimeoutMs: number;
  /** User policies not to run in scenarios `from..to` (ordinals in the trace): they overran before. */
  skip: SkippedPolicy[];
  /**
   * Stream the scenarios back in batches of `batch` (a ScenarioBatch message each, answered by
   * a BatchAck once written), after skipping the first `skip` (already stored), instead of in
   * the reply: the reply's result then holds no scenarios.
   */
  stream?: { skip: number; batch: number };
  /** Read the trace from / keep it in the read cache (read-trace-cache.ts; `check`). */
  readCache?: ReadTraceCache;
  /** Replay the baseline from its records, or record it (baseline-records.ts; `check`, with `readCache`). */
  baselineRecords?: BaselineRecords;
}

/** What a job asks of replayTrace, the same whether a worker or the scheduler's own thread runs it. */
export function jobReplayOptions(
  job: Pick<ReplayJob, 'outcomes' | 'strict' | 'configOverrides' | 'matrix' | 'adapters'>,
): Pick<TraceReplayOptions, 'outcomes' | 'strict' | 'configOverrides' | 'matrix' | 'adapters'> {
  return {
    outcomes: job.outcomes,
    strict: job.strict,
    ...(job.configOverrides ? { configOverrides: job.configOverrides } : {}),
    ...(job.matrix ? { matrix: job.matrix } : {}),
    ...(job.adapters ? { adapters: defaultAdapters } : {}),
  };
}

/**
 * A streamed job's scenarios at positions from..from+count-1 of the trace, as the UTF-8 JSON of
 * their ScenarioResult array in a buffer transferred to the main thread (encodeBatch): no
 * structured clone of thousands of small objects on either side, and the worker, not the main
 * thread, pays for the encoding.
 */
export interface ScenarioBatch {
  id: number;
  batch: { from: number; count: number; json: Uint8Array };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A batch's message and the buffer to transfer with it. */
export function encodeBatch(
  id: number,
  from: number,
  scenarios: readonly ScenarioResult[],
): { message: ScenarioBatch; transfer: ArrayBuffer[] } {
  const json = encoder.encode(JSON.stringify(scenarios));
  return {
    message: { id, batch: { from, count: scenarios.length, json } },
    transfer: [json.buffer as ArrayBuffer],
  };
}

/** A finished job's reply and the buffer to transfer with it. */
export function encodeResult(
  id: number,
  result: TraceReplayResult,
  read?: ReadCacheUse,
  records?: RecordUse,
): { message: WorkerReply; transfer: ArrayBuffer[] } {
  const json = encoder.encode(JSON.stringify(result));
  return {
    message: { id, ok: true, json, ...(read ? { read } : {}), ...(records ? { records } : {}) },
    transfer: [json.buffer as ArrayBuffer],
  };
}

export function decodeResult(json: Uint8Array): TraceReplayResult {
  return JSON.parse(decoder.decode(json)) as TraceReplayResult;
}

/** The scenarios of a batch (every record is plain JSON data: the NDJSON contract's records). */
export function decodeBatch(batch: ScenarioBatch['batch']): ScenarioResult[] {
  return JSON.parse(decoder.decode(batch.json)) as ScenarioResult[];
}

/** The main thread has written a batch: the worker may go on (bounds what is in flight). */
export interface BatchAck {
  ack: number;
}

export interface SkippedPolicy {
  /** Index in the resolved policy list. */
  policy: number;
  from: number;
  to: number;
  /** Why, after the policy id: `exceeded 5000 ms ...`. */
  reason: string;
}

export type WorkerReply =
  /** The trace's result as UTF-8 JSON in a transferred buffer (encodeResult). */
  | { id: number; ok: true; json: Uint8Array; read?: ReadCacheUse; records?: RecordUse }
  | { id: number; ok: false; error: { code: string; message: string; stack?: string } };

/**
 * The slots of the Int32Array a worker shares with the main thread's watchdog: what the worker
 * is running (0 our code, -1 loading user modules, i+1 user policy i), a counter that moves on
 * every entry into user code, and the ordinal of the scenario being replayed.
 */
export const WATCH = { state: 0, seq: 1, scenario: 2, length: 3 } as const;
export const LOADING = -1;

/**
 * A worker started with `load` in its workerData loads these policies at once, watched as
 * module-probe.ts watches a probe (LoadMessage), and keeps them for its jobs: the probe and the
 * replay worker are one thread, and the main thread need not import the module at all.
 */
export interface PolicyLoad {
  /** The specs as given (messages name them so) and the directory they are relative to. */
  specs: string[];
  cwd: string;
}

/** What the main thread needs of policies a worker loaded: ids, and which tables are the same. */
export interface LoadedPolicies {
  ids: string[];
  /** For each policy, the index of the first policy with the very same kernel functions. */
  tables: number[];
}

/** A load error as it crosses threads (a PinbenchError's code, detail and location). */
export interface LoadError {
  code: string;
  detail: string;
  location?: SourceLocation;
}

/** What a loading thread posts: before each module's own code runs, then once when done. */
export type LoadMessage =
  | { type: 'importing'; spec: number }
  | { type: 'done'; error?: LoadError; policies?: LoadedPolicies };
