/**
 * Imports one user policy module in a thread of its own, watched by module-probe.ts: a module
 * that loops at load, exits the process or changes the shared prototypes is found here, before
 * the main thread imports it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { restorePrototypes, snapshotPrototypes } from './policy-guard.ts';

const { url } = workerData as { url: string };
const snap = snapshotPrototypes();
parentPort?.postMessage({ type: 'importing' });
let reply: { type: 'done'; error?: string };
try {
  const mod = (await import(url)) as { default?: { kind?: unknown } };
  const changes = restorePrototypes(snap);
  if (changes.length)
    reply = { type: 'done', error: `changes shared prototypes at load: ${changes.join(', ')}` };
  else if (mod.default?.kind !== 'pinbench-policy')
    reply = {
      type: 'done',
      error: 'the default export must be definePolicy({...}) from policies/define-policy.ts',
    };
  else reply = { type: 'done' };
} catch (e) {
  reply = { type: 'done', error: `cannot load: ${(e as Error)?.message ?? String(e)}` };
}
parentPort?.postMessage(reply);
