/**
 * A replay worker thread: resolves the policies once per policy list (user modules are imported
 * here too, so every thread runs the user's code), then replays whole traces on request.
 */
import { parentPort } from 'node:worker_threads';
import { isPinbenchError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { defaultAdapters } from './adapters.ts';
import { resolvePolicies } from './load-policies.ts';
import { replayTrace } from './replay-trace.ts';
import type { ReplayJob, WorkerReply } from './worker-protocol.ts';

const policyCache = new Map<string, Promise<Policy[]>>();

async function run(job: ReplayJob): Promise<WorkerReply> {
  try {
    const key = `${job.cwd}\0${job.policySpecs.join('\0')}`;
    let policies = policyCache.get(key);
    if (!policies) {
      policies = resolvePolicies(job.policySpecs, job.cwd);
      policyCache.set(key, policies);
    }
    const result = await replayTrace(job.source, await policies, {
      outcomes: job.outcomes,
      strict: job.strict,
      ...(job.configOverrides ? { configOverrides: job.configOverrides } : {}),
      ...(job.matrix ? { matrix: job.matrix } : {}),
      ...(job.adapters ? { adapters: defaultAdapters } : {}),
    });
    return { id: job.id, ok: true, result };
  } catch (e) {
    const err = e as Error & { code?: string };
    return {
      id: job.id,
      ok: false,
      error: {
        code: isPinbenchError(e) ? e.code : 'PB_INTERNAL',
        message: err.message,
        ...(err.stack ? { stack: err.stack } : {}),
      },
    };
  }
}

parentPort?.on('message', (job: ReplayJob) => {
  void run(job).then((reply) => parentPort?.postMessage(reply));
});
