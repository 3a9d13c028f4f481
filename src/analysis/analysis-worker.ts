/**
 * A thread for analyses that run a user's policy modules (tie exploration, minimisation of a
 * stored slice), watched by watched-analysis.ts the way replay workers are (replay/worker.ts):
 * the worker writes into memory shared with the main thread which user policy it is running, so
 * a module that never returns is stopped by ending this thread; a call that returns but overruns
 * its scenario's budget, or changes the shared prototypes, makes that policy `error` there.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isPinbenchError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { resolvePolicies } from '../replay/load-policies.ts';
import { policyIdentityHash } from '../replay/policy-info.ts';
import type { PolicyCallGuard } from '../replay/replay-scenario.ts';
import { watchedCalls } from '../replay/watched-calls.ts';
import { LOADING } from '../replay/worker-protocol.ts';
import { todaysPolicies } from './capsule-policies.ts';
import { exploreScenarioTies } from './explore-ties.ts';
import { minimizeSlice } from './minimize-slice.ts';
import type { AnalysisReply, AnalysisRequest, AnalysisWorkerData } from './watched-analysis.ts';

const data = workerData as AnalysisWorkerData;
// Created before any user module is imported (it snapshots the shared prototypes).
const watched = watchedCalls(data.watch);

interface Loaded {
  policies: Policy[];
  missing: { id: string; why: string }[];
}

async function load(): Promise<Loaded> {
  watched.enter(LOADING);
  try {
    if (data.policies.kind === 'specs')
      return { policies: await resolvePolicies(data.policies.specs, data.cwd), missing: [] };
    const set = await todaysPolicies({ policies: data.policies.recorded }, data.cwd);
    return { policies: set.policies, missing: set.missing };
  } finally {
    watched.leave();
  }
}

const loaded = load();

/** The guard over user policies' calls; `skip` holds policies stopped earlier in this task. */
function guardFor(policies: readonly Policy[], skip: ReadonlyMap<number, string>): PolicyCallGuard {
  let scenario = -1;
  const skipped = new Map([...skip].map(([i, why]) => [i, `${policies[i]?.id ?? `policy ${i}`} ${why}`]));
  return {
    beginScenario() {
      scenario++;
      watched.beginScenario(scenario);
      return skipped.size ? skipped : undefined;
    },
    call: (index, fn) => watched.call(index, fn, data.policyTimeoutMs),
  };
}

async function run(req: AnalysisRequest): Promise<AnalysisReply> {
  try {
    const { policies, missing } = await loaded;
    if (req.task === 'ready')
      return {
        id: req.id,
        ok: true,
        task: 'ready',
        policies: policies.map((p) => ({ id: p.id, identityHash: policyIdentityHash(p) })),
        missing,
      };
    if (req.task === 'minimize') {
      const guard = policies.some((p) => p.source !== undefined) ? guardFor(policies, new Map()) : undefined;
      return { id: req.id, ok: true, task: 'minimize', result: await minimizeSlice(req, policies, guard) };
    }
    const skip = new Map(req.skip.map((s) => [s.policy, s.reason]));
    const guard = policies.some((p) => p.source !== undefined) ? guardFor(policies, skip) : undefined;
    const ties = exploreScenarioTies(req.scenario, req.stamps, {
      policies,
      maxOrders: req.maxOrders,
      ...(guard ? { guard } : {}),
    });
    return { id: req.id, ok: true, task: 'ties', result: ties };
  } catch (e) {
    return {
      id: req.id,
      ok: false,
      error: {
        code: isPinbenchError(e) ? e.code : 'PB_INTERNAL',
        message: isPinbenchError(e) ? e.detail : ((e as Error)?.message ?? String(e)),
      },
    };
  }
}

parentPort?.on('message', (req: AnalysisRequest) => {
  void run(req).then((reply) => parentPort?.postMessage(reply));
});
