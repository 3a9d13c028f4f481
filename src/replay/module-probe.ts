/**
 * Loads a user's policy module once in a watched worker before the main thread imports it, so a
 * module that never finishes loading, ends the process or pollutes the shared prototypes is bad
 * input with a clear message (exit 2) instead of a hang or a silent exit.
 */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, PolicyError, type SourceLocation } from '../errors.ts';
import { escapeTerminal } from '../terminal-text.ts';

/** How long a module's own code may run at load, and per scenario during replay (ms). */
export const DEFAULT_POLICY_TIMEOUT_MS = 5000;

export async function probePolicyModule(path: string, cwd: string, timeoutMs: number): Promise<void> {
  const w = new Worker(new URL('./module-probe-worker.ts', import.meta.url), { workerData: { path, cwd } });
  let timer: NodeJS.Timeout | undefined;
  try {
    const error = await new Promise<{ code: string; detail: string; location?: SourceLocation } | undefined>(
      (resolve) => {
        const fail = (why: string) =>
          resolve({ code: 'PB_POLICY_LOAD', detail: `policy module ${path}: ${why}` });
        w.on(
          'message',
          (m: { type: string; error?: { code: string; detail: string; location?: SourceLocation } }) => {
            // The budget starts when the module's own code starts, not while the thread boots.
            if (m.type === 'importing')
              timer = setTimeout(
                () => fail(`did not finish loading within ${timeoutMs} ms (--policy-timeout-ms)`),
                timeoutMs,
              );
            else resolve(m.error);
          },
        );
        w.on('error', (e) =>
          fail(`failed while loading: ${escapeTerminal((e as Error)?.message ?? String(e))}`),
        );
        w.on('exit', (code) => fail(`ended the process while loading (exit code ${code})`));
      },
    );
    // A syntax error keeps the file:line:col the worker found for it.
    if (error !== undefined)
      throw new PolicyError(
        error.code as ErrorCode,
        error.detail,
        error.location ? { location: error.location } : {},
      );
  } finally {
    clearTimeout(timer);
    await w.terminate();
  }
}
