/**
 * Loads one user policy module in a thread of its own, watched by module-probe.ts, exactly as the
 * main thread will (import, checks, override guards, composition): a module that loops at load,
 * exits the process or changes the shared prototypes is found here, before the main thread
 * runs any of its code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPolicyModule } from './load-policies.ts';
import { loadError } from './module-probe.ts';
import type { LoadMessage } from './worker-protocol.ts';

const { path, cwd } = workerData as { path: string; cwd: string };
const post = (m: LoadMessage) => parentPort?.postMessage(m);
post({ type: 'importing', spec: 0 });
try {
  await loadPolicyModule(path, cwd);
  post({ type: 'done' });
} catch (e) {
  post({ type: 'done', error: loadError(e, path) });
}
