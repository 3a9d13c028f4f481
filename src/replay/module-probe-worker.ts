/**
 * Loads one user policy module in a thread of its own, watched by module-probe.ts, exactly as the
 * main thread will (import, checks, override guards, composition): a module that loops at load,
 * exits the process or changes the shared prototypes is found here, before the main thread
 * runs any of its code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPinbenchError, type SourceLocation } from '../errors.ts';
import { escapeTerminal } from '../terminal-text.ts';
import { loadPolicyModule } from './load-policies.ts';

const { path, cwd } = workerData as { path: string; cwd: string };
parentPort?.postMessage({ type: 'importing' });
let reply: { type: 'done'; error?: { code: string; detail: string; location?: SourceLocation } };
try {
  await loadPolicyModule(path, cwd);
  reply = { type: 'done' };
} catch (e) {
  reply = {
    type: 'done',
    error: isPinbenchError(e)
      ? { code: e.code, detail: e.detail, ...(e.location ? { location: e.location } : {}) }
      : {
          code: 'PB_POLICY_LOAD',
          detail: `policy module ${path}: cannot load: ${escapeTerminal((e as Error)?.message ?? String(e))}`,
        },
  };
}
parentPort?.postMessage(reply);
