/**
 * A replay worker thread: resolves the policies once per policy list (user modules are imported
 * here too, so every thread runs the user's code), then replays whole traces on request.
 *
 * The user's code is watched: the worker writes into memory shared with the main thread what it
 * is running (WATCH in worker-protocol.ts), so the main thread's watchdog can stop a module that
 * never returns (it terminates this thread and replays the trace again without that policy for
 * that scenario). A call that returns but overruns the scenario's budget, returns a bad value or
 * changes the shared prototypes makes that policy `error` for the scenario here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPinbenchError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { absoluteSpecs, type LoadPolicyOptions, resolvePolicies } from './load-policies.ts';
import { loadError } from './module-probe.ts';
import { replayTraceCached } from './read-trace-cache.ts';
import type { PolicyCallGuard, ScenarioResult } from './replay-scenario.ts';
import { sameKernelTable } from './same-kernel-table.ts';
import { watchedCalls } from './watched-calls.ts';
import {
  type BatchAck,
  encodeBatch,
  encodeResult,
  jobReplayOptions,
  LOADING,
  type LoadMessage,
  type PolicyLoad,
  type ReplayJob,
  type WorkerReply,
} from './worker-protocol.ts';

const { watch, load } = workerData as { watch: SharedArrayBuffer; load?: PolicyLoad };
// Created before any user module is imported (it snapshots the shared prototypes).
const watched = watchedCalls(watch);
const policyCache = new Map<string, Promise<Policy[]>>();

/** The policies of a spec list, loaded once per thread (watched: LOADING) and kept for its jobs. */
function policiesFor(specs: readonly string[], cwd: string, opts: LoadPolicyOptions = {}): Promise<Policy[]> {
  // Jobs name modules by absolute path; a load at start as given (its messages name them so).
  const key = `${cwd}\0${absoluteSpecs(specs, cwd).join('\0')}`;
  let policies = policyCache.get(key);
  if (!policies) {
    watched.enter(LOADING);
    policies = resolvePolicies(specs, cwd, opts).finally(() => watched.leave());
    policyCache.set(key, policies);
  }
  return policies;
}

// Started to load its policies at once (module-probe.ts startPolicyWorker): the probe's messages.
if (load) {
  const post = (m: LoadMessage) => parentPort?.postMessage(m);
  let current = -1;
  policiesFor(load.specs, load.cwd, {
    onModule: (spec) => {
      current = spec;
      post({ type: 'importing', spec });
    },
  }).then(
    (ps) =>
      post({
        type: 'done',
        policies: {
          ids: ps.map((p) => p.id),
          tables: ps.map((p) => ps.findIndex((q) => sameKernelTable(p, q))),
        },
      }),
    (e: unknown) => post({ type: 'done', error: loadError(e, load.specs[current] ?? '?') }),
  );
}

function guardFor(job: ReplayJob, policies: readonly Policy[]): PolicyCallGuard {
  // Ordinals in the trace, also when a streamed job skips scenarios already stored.
  let scenario = (job.stream?.skip ?? 0) - 1;
  return {
    beginScenario() {
      scenario++;
      watched.beginScenario(scenario);
      const skipped = new Map<number, string>();
      for (const s of job.skip) {
        if (scenario >= s.from && scenario <= s.to)
          skipped.set(s.policy, `${policies[s.policy]?.id ?? `policy ${s.policy}`} ${s.reason}`);
      }
      return skipped.size ? skipped : undefined;
    },
    call: (index, fn) => watched.call(index, fn, job.policyTimeoutMs),
  };
}

async function run(job: ReplayJob): Promise<{ message: WorkerReply; transfer?: ArrayBuffer[] }> {
  try {
    const resolved = await policiesFor(job.policySpecs, job.cwd);
    const sink = job.stream ? streamTo(job.id, job.stream) : undefined;
    const { result, use, records } = await replayTraceCached(
      job.source,
      resolved,
      {
        ...(sink
          ? { onScenario: sink.onScenario, drain: sink.drain, skipScenarios: sink.skipScenarios }
          : {}),
        ...jobReplayOptions(job),
        ...(resolved.some((p) => p.source !== undefined) ? { guard: guardFor(job, resolved) } : {}),
      },
      job.readCache,
      job.baselineRecords,
    );
    await sink?.flush();
    return encodeResult(job.id, result, use, records);
  } catch (e) {
    const err = e as Error & { code?: string };
    return {
      message: {
        id: job.id,
        ok: false,
        error: {
          code: isPinbenchError(e) ? e.code : 'PB_INTERNAL',
          message: err?.message ?? String(e),
          ...(err?.stack ? { stack: err.stack } : {}),
        },
      },
    };
  }
}

/** The ack the replay waits for (one batch in flight at a time). */
let acked: (() => void) | undefined;

/**
 * A streamed job's scenarios go back in batches; between chunks of input the replay waits until
 * the main thread has written the last batch, so neither thread holds more than a batch or two.
 */
function streamTo(id: number, opts: { skip: number; batch: number }) {
  let pending: ScenarioResult[] = [];
  let from = opts.skip;
  const post = async (): Promise<void> => {
    if (pending.length === 0) return;
    const { message, transfer } = encodeBatch(id, from, pending);
    from += pending.length;
    pending = [];
    const wait = new Promise<void>((r) => {
      acked = r;
    });
    parentPort?.postMessage(message, transfer);
    await wait;
  };
  return {
    skipScenarios: opts.skip,
    onScenario: (r: ScenarioResult) => {
      pending.push(r);
    },
    drain: () => (pending.length >= opts.batch ? post() : Promise.resolve()),
    flush: post,
  };
}

parentPort?.on('message', (msg: ReplayJob | BatchAck) => {
  if ('ack' in msg) {
    const go = acked;
    acked = undefined;
    go?.();
    return;
  }
  void run(msg).then((reply) => parentPort?.postMessage(reply.message, reply.transfer ?? []));
});
