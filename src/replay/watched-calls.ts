/**
 * The watched side of a worker thread that runs user policy code (replay/worker.ts and
 * analysis/analysis-worker.ts). The thread writes into memory shared with the main thread which
 * policy it is running (WATCH in worker-protocol.ts), so the main thread's watchdog can stop a
 * call that never returns; a call that returns is checked here against its scenario's time budget
 * and the shared prototypes, and fails as the policy's error for that scenario.
 *
 * Create it at the worker's top level, before any user module is imported: it snapshots the
 * shared prototypes then.
 */
import { performance } from 'node:perf_hooks';
import { PolicyError } from '../errors.ts';
import { restorePrototypes, snapshotPrototypes } from './policy-guard.ts';
import { WATCH } from './worker-protocol.ts';

export interface WatchedCalls {
  /** Tells the watchdog what runs now: 0 nothing, LOADING, or a policy's index + 1. */
  enter(state: number): void;
  /** Nothing of the user's runs now. */
  leave(): void;
  /** A new scenario: the watchdog learns its ordinal and every policy's budget starts again. */
  beginScenario(scenario: number): void;
  /** Runs one policy call under the watchdog and the scenario's budget of `timeoutMs`. */
  call<T>(index: number, fn: () => T, timeoutMs: number): T;
}

export function watchedCalls(buffer: SharedArrayBuffer): WatchedCalls {
  const watch = new Int32Array(buffer);
  const prototypes = snapshotPrototypes();
  const spent = new Map<number, number>();
  const enter = (state: number): void => {
    Atomics.store(watch, WATCH.state, state);
    Atomics.add(watch, WATCH.seq, 1);
  };
  const leave = (): void => {
    Atomics.store(watch, WATCH.state, 0);
  };
  return {
    enter,
    leave,
    beginScenario(scenario) {
      Atomics.store(watch, WATCH.scenario, scenario);
      spent.clear();
    },
    call(index, fn, timeoutMs) {
      enter(index + 1);
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        leave();
        const total = (spent.get(index) ?? 0) + performance.now() - t0;
        spent.set(index, total);
        const changes = restorePrototypes(prototypes);
        // Thrown from `finally`, these replace the call's result: the policy errs for the scenario.
        if (changes.length)
          // biome-ignore lint/correctness/noUnsafeFinally: the call's result must not be used
          throw new PolicyError('PB_POLICY', `changed shared prototypes (${changes.join(', ')}); restored`);
        if (total > timeoutMs)
          // biome-ignore lint/correctness/noUnsafeFinally: the call's result must not be used
          throw new PolicyError(
            'PB_POLICY',
            `exceeded ${timeoutMs} ms in this scenario (--policy-timeout-ms)`,
          );
      }
    },
  };
}
