/**
 * Every trace against every policy: traces are scheduled with p-queue over a pool of worker
 * threads (concurrency = cores by default). Each worker replays whole traces; results come back
 * as plain data and are delivered in corpus order, so the output is identical whatever the
 * concurrency.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { PinbenchError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { defaultAdapters } from './adapters.ts';
import { replayTrace } from './replay-trace.ts';
import type { TraceReplayResult } from './results.ts';
import type { ReplayJob, WorkerReply } from './worker-protocol.ts';

export interface CorpusOptions {
  /** Policy ids / module paths (resolved in each worker) and the same policies resolved here. */
  policySpecs: readonly string[];
  policies: readonly Policy[];
  /** Worker threads; 0 replays in this thread (no workers). Default: available cores. */
  jobs?: number;
  outcomes?: boolean;
  strict?: boolean;
  /** Configurations to replay each trace under: `[{label:'', overrides:{}}]` by default. */
  configs?: { label: string; overrides: Partial<TraceConfig> }[];
  adapters?: boolean;
  cwd?: string;
  /** Each trace result, in corpus order, as soon as it and all before it are done. */
  onResult?: (result: TraceReplayResult, index: number) => void | Promise<void>;
  /** Progress: traces finished of total. */
  onProgress?: (done: number, total: number) => void;
}

class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting = new Map<number, (r: WorkerReply) => void>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./worker.ts', import.meta.url));
      w.on('message', (reply: WorkerReply) => {
        const resolve = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        this.idle.push(w);
        resolve?.(reply);
      });
      w.on('error', (e) => {
        for (const [id, resolve] of this.waiting) {
          resolve({
            id,
            ok: false,
            error: { code: 'PB_INTERNAL', message: `replay worker died: ${e.message}` },
          });
        }
        this.waiting.clear();
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  run(job: ReplayJob): Promise<WorkerReply> {
    const w = this.idle.pop();
    if (!w) throw new Error('no idle worker (the queue concurrency must equal the pool size)');
    return new Promise((resolve) => {
      this.waiting.set(job.id, resolve);
      w.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

export async function replayCorpus(
  sources: readonly string[],
  opts: CorpusOptions,
): Promise<TraceReplayResult[]> {
  const configs = opts.configs?.length ? opts.configs : [{ label: '', overrides: {} }];
  const jobs: Omit<ReplayJob, 'id'>[] = [];
  for (const source of sources) {
    for (const c of configs) {
      jobs.push({
        source,
        policySpecs: [...opts.policySpecs],
        cwd: opts.cwd ?? process.cwd(),
        outcomes: opts.outcomes ?? false,
        strict: opts.strict ?? false,
        ...(Object.keys(c.overrides).length ? { configOverrides: c.overrides } : {}),
        ...(c.label ? { matrix: c.label } : {}),
        adapters: opts.adapters ?? true,
      });
    }
  }
  const concurrency = Math.max(0, Math.min(opts.jobs ?? availableParallelism(), jobs.length));
  const results: (TraceReplayResult | undefined)[] = new Array(jobs.length);
  let delivered = 0;
  let finished = 0;
  const deliver = async (): Promise<void> => {
    while (delivered < jobs.length && results[delivered]) {
      const i = delivered++;
      await opts.onResult?.(results[i]!, i);
    }
  };

  if (concurrency === 0) {
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      results[i] = await replayTrace(j.source, opts.policies, {
        outcomes: j.outcomes,
        strict: j.strict,
        ...(j.configOverrides ? { configOverrides: j.configOverrides } : {}),
        ...(j.matrix ? { matrix: j.matrix } : {}),
        ...(j.adapters ? { adapters: defaultAdapters } : {}),
      });
      opts.onProgress?.(++finished, jobs.length);
      await deliver();
    }
    return results as TraceReplayResult[];
  }

  const pool = new WorkerPool(concurrency);
  const queue = new PQueue({ concurrency });
  let failure: PinbenchError | undefined;
  try {
    await Promise.all(
      jobs.map((j, i) =>
        queue.add(async () => {
          if (failure) return;
          const reply = await pool.run({ ...j, id: i });
          if (!reply.ok) {
            failure ??= new PinbenchError(
              reply.error.code === 'PB_INTERNAL'
                ? 'PB_INTERNAL'
                : (reply.error.code as PinbenchError['code']),
              reply.error.message.replace(/ \[PB_[A-Z_]+\]$/, ''),
            );
            return;
          }
          results[i] = reply.result;
          opts.onProgress?.(++finished, jobs.length);
          await deliver();
        }),
      ),
    );
  } finally {
    await pool.close();
  }
  if (failure) throw failure;
  return results as TraceReplayResult[];
}
