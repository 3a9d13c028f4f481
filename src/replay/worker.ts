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
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { isPinbenchError, PolicyError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { defaultAdapters } from './adapters.ts';
import { resolvePolicies } from './load-policies.ts';
import { restorePrototypes, snapshotPrototypes } from './policy-guard.ts';
import type { PolicyCallGuard, ScenarioResult } from './replay-scenario.ts';
import { replayTrace } from './replay-trace.ts';
import {
  type BatchAck,
  encodeBatch,
  encodeResult,
  LOADING,
  type ReplayJob,
  WATCH,
  type WorkerReply,
} from './worker-protocol.ts';

const watch = new Int32Array((workerData as { watch: SharedArrayBuffer }).watch);
// Taken before any user module is imported.
const prototypes = snapshotPrototypes();
const policyCache = new Map<string, Promise<Policy[]>>();

function enter(state: number): void {
  Atomics.store(watch, WATCH.state, state);
  Atomics.add(watch, WATCH.seq, 1);
}

function guardFor(job: ReplayJob, policies: readonly Policy[]): PolicyCallGuard {
  // Ordinals in the trace, also when a streamed job skips scenarios already stored.
  let scenario = (job.stream?.skip ?? 0) - 1;
  const spent = new Map<number, number>();
  return {
    beginScenario() {
      scenario++;
      Atomics.store(watch, WATCH.scenario, scenario);
      spent.clear();
      const skipped = new Map<number, string>();
      for (const s of job.skip) {
        if (scenario >= s.from && scenario <= s.to)
          skipped.set(s.policy, `${policies[s.policy]?.id ?? `policy ${s.policy}`} ${s.reason}`);
      }
      return skipped.size ? skipped : undefined;
    },
    call(index, fn) {
      enter(index + 1);
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        Atomics.store(watch, WATCH.state, 0);
        const total = (spent.get(index) ?? 0) + performance.now() - t0;
        spent.set(index, total);
        const changes = restorePrototypes(prototypes);
        // Thrown from `finally`, these replace the call's result: the policy errs for the scenario.
        if (changes.length)
          // biome-ignore lint/correctness/noUnsafeFinally: the call's result must not be used
          throw new PolicyError('PB_POLICY', `changed shared prototypes (${changes.join(', ')}); restored`);
        if (total > job.policyTimeoutMs)
          // biome-ignore lint/correctness/noUnsafeFinally: the call's result must not be used
          throw new PolicyError(
            'PB_POLICY',
            `exceeded ${job.policyTimeoutMs} ms in this scenario (--policy-timeout-ms)`,
          );
      }
    },
  };
}

async function run(job: ReplayJob): Promise<{ message: WorkerReply; transfer?: ArrayBuffer[] }> {
  try {
    const key = `${job.cwd}\0${job.policySpecs.join('\0')}`;
    let policies = policyCache.get(key);
    if (!policies) {
      enter(LOADING);
      policies = resolvePolicies(job.policySpecs, job.cwd).finally(() =>
        Atomics.store(watch, WATCH.state, 0),
      );
      policyCache.set(key, policies);
    }
    const resolved = await policies;
    const sink = job.stream ? streamTo(job.id, job.stream) : undefined;
    const result = await replayTrace(job.source, resolved, {
      ...(sink ? { onScenario: sink.onScenario, drain: sink.drain, skipScenarios: sink.skipScenarios } : {}),
      outcomes: job.outcomes,
      strict: job.strict,
      ...(job.configOverrides ? { configOverrides: job.configOverrides } : {}),
      ...(job.matrix ? { matrix: job.matrix } : {}),
      ...(job.adapters ? { adapters: defaultAdapters } : {}),
      ...(resolved.some((p) => p.source !== undefined) ? { guard: guardFor(job, resolved) } : {}),
    });
    await sink?.flush();
    return encodeResult(job.id, result);
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
