/**
 * Loads a user's policy module once in a watched worker before the main thread imports it, so a
 * module that never finishes loading, ends the process or pollutes the shared prototypes is bad
 * input with a clear message (exit 2) instead of a hang or a silent exit.
 */
import { Worker } from 'node:worker_threads';
import { PolicyError } from '../errors.ts';

/** How long a module's own code may run at load, and per scenario during replay (ms). */
export const DEFAULT_POLICY_TIMEOUT_MS = 5000;

export async function probePolicyModule(url: string, label: string, timeoutMs: number): Promise<void> {
  const w = new Worker(new URL('./module-probe-worker.ts', import.meta.url), { workerData: { url } });
  let timer: NodeJS.Timeout | undefined;
  try {
    const error = await new Promise<string | undefined>((resolve) => {
      w.on('message', (m: { type: string; error?: string }) => {
        // The budget starts when the module's own code starts, not while the thread boots.
        if (m.type === 'importing')
          timer = setTimeout(
            () => resolve(`did not finish loading within ${timeoutMs} ms (--policy-timeout-ms)`),
            timeoutMs,
          );
        else resolve(m.error);
      });
      w.on('error', (e) => resolve(`failed while loading: ${(e as Error)?.message ?? String(e)}`));
      w.on('exit', (code) => resolve(`ended the process while loading (exit code ${code})`));
    });
    if (error !== undefined) throw new PolicyError('PB_POLICY_LOAD', `policy module ${label}: ${error}`);
  } finally {
    clearTimeout(timer);
    await w.terminate();
  }
}
