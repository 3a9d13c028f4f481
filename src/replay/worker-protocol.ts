/** Messages between the corpus scheduler and its replay workers (plain data only). */
import type { TraceConfig } from '../model/events.ts';
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
}

export type WorkerReply =
  | { id: number; ok: true; result: TraceReplayResult }
  | { id: number; ok: false; error: { code: string; message: string; stack?: string } };
