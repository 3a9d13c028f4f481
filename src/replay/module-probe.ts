/**
 * Loads a user's policy module in a watched worker before the main thread imports it, so a
 * module that never finishes loading, ends the process or pollutes the shared prototypes is bad
 * input with a clear message (exit 2) instead of a hang or a silent exit.
 *
 * A replay worker can be that watched worker itself (startPolicyWorker): it loads the policies
 * under the same watch and then replays with them, so the module is loaded once instead of three
 * times (probe, main thread, replay worker), and the main thread, which needs only the policies'
 * ids, never imports it.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, isPinbenchError, PolicyError } from '../errors.ts';
import { escapeTerminal } from '../terminal-text.ts';
import { isModulePath } from './policy-spec.ts';
import {
  type LoadError,
  type LoadedPolicies,
  type LoadMessage,
  type PolicyLoad,
  WATCH,
} from './worker-protocol.ts';

/** How long a module's own code may run at load, and per scenario during replay (ms). */
export const DEFAULT_POLICY_TIMEOUT_MS = 5000;

export async function probePolicyModule(path: string, cwd: string, timeoutMs: number): Promise<void> {
  const w = new Worker(new URL('./module-probe-worker.ts', import.meta.url), { workerData: { path, cwd } });
  try {
    await watchLoading(w, [path], timeoutMs);
  } finally {
    await w.terminate();
  }
}

/** A replay worker (worker.ts) that has loaded its policies under the probe's watch. */
export interface PolicyWorker {
  worker: Worker;
  /** The memory it shares with a watchdog (WATCH in worker-protocol.ts). */
  watch: SharedArrayBuffer;
  policies: LoadedPolicies;
  /** Whether the thread ended after loading (a module's timer ended it); `crash` its error. */
  readonly ended: boolean;
  readonly crash: string | undefined;
  /** Takes the thread over: the caller's own listeners replace the ones kept since loading. */
  adopt(): void;
  close(): Promise<void>;
}

/**
 * A replay worker that loads `specs` (relative to `cwd`; messages name them as given) at once.
 * Resolves when they have loaded; rejects, the thread ended, with exactly the error a probe of
 * the failing module gives.
 */
export async function startPolicyWorker(
  specs: readonly string[],
  cwd: string,
  timeoutMs: number,
): Promise<PolicyWorker> {
  const watch = new SharedArrayBuffer(WATCH.length * Int32Array.BYTES_PER_ELEMENT);
  const load: PolicyLoad = { specs: [...specs], cwd };
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { workerData: { watch, load } });
  // From the start until a pool takes it over, an uncaught error or an exit of the thread is
  // noted here too: after loading, an `error` event nobody listens to would end this process.
  const state: { ended: boolean; crash?: string } = { ended: false };
  const onError = (e: unknown) => {
    state.crash = escapeTerminal((e as Error)?.message ?? String(e));
  };
  const onExit = () => {
    state.ended = true;
  };
  worker.on('error', onError);
  worker.on('exit', onExit);
  let policies: LoadedPolicies;
  try {
    policies = (await watchLoading(worker, specs, timeoutMs, specs.findIndex(isModulePath)))!;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  const started: PolicyWorker = {
    worker,
    watch,
    policies,
    get ended() {
      return state.ended;
    },
    get crash() {
      return state.crash;
    },
    adopt() {
      worker.off('error', onError);
      worker.off('exit', onExit);
    },
    close: async () => {
      await worker.terminate();
    },
  };
  return started;
}

/**
 * Watches a thread that loads policy modules (LoadMessage): each module's own code has
 * `timeoutMs` from when it starts (not while the thread boots); a thread that ends or throws
 * while loading, or a load that fails, is a PolicyError naming the module (`names` by spec index).
 */
function watchLoading(
  w: Worker,
  names: readonly string[],
  timeoutMs: number,
  /** Whose failure it is before any module has started: the first module's. */
  first = 0,
): Promise<LoadedPolicies | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let current = first;
  const listeners: { [K in 'message' | 'error' | 'exit']?: (...args: never[]) => void } = {};
  return new Promise<LoadedPolicies | undefined>((resolve, reject) => {
    const settle = (error: LoadError | undefined, policies?: LoadedPolicies) => {
      clearTimeout(timer);
      for (const [event, fn] of Object.entries(listeners)) w.off(event, fn as (...args: unknown[]) => void);
      if (error === undefined) resolve(policies);
      else
        reject(
          // A syntax error keeps the file:line:col the worker found for it.
          new PolicyError(
            error.code as ErrorCode,
            error.detail,
            error.location ? { location: error.location } : {},
          ),
        );
    };
    const fail = (why: string) =>
      settle({ code: 'PB_POLICY_LOAD', detail: `policy module ${names[current] ?? '?'}: ${why}` });
    listeners.message = (m: LoadMessage) => {
      if (m.type === 'importing') {
        current = m.spec;
        clearTimeout(timer);
        timer = setTimeout(
          () => fail(`did not finish loading within ${timeoutMs} ms (--policy-timeout-ms)`),
          timeoutMs,
        );
      } else settle(m.error, m.policies);
    };
    listeners.error = (e: unknown) =>
      fail(`failed while loading: ${escapeTerminal((e as Error)?.message ?? String(e))}`);
    listeners.exit = (code: number) => fail(`ended the process while loading (exit code ${code})`);
    for (const [event, fn] of Object.entries(listeners)) w.on(event, fn as (...args: unknown[]) => void);
  });
}

/** A load failure as it crosses threads; `path` names the module whose code was running. */
export function loadError(e: unknown, path: string): LoadError {
  return isPinbenchError(e)
    ? { code: e.code, detail: e.detail, ...(e.location ? { location: e.location } : {}) }
    : {
        code: 'PB_POLICY_LOAD',
        detail: `policy module ${path}: cannot load: ${escapeTerminal((e as Error)?.message ?? String(e))}`,
      };
}

/**
 * `count` replay workers that load `specs` side by side (startPolicyWorker). When any fails, the
 * others end and the first failure in order is thrown, the same whichever thread was quicker.
 */
export async function startPolicyWorkers(
  specs: readonly string[],
  cwd: string,
  timeoutMs: number,
  count: number,
): Promise<PolicyWorker[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startPolicyWorker(specs, cwd, timeoutMs)),
  );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed === undefined) return started.map((s) => (s as PromiseFulfilledResult<PolicyWorker>).value);
  await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  throw failed.reason;
}
