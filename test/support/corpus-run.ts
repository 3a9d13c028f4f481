/**
 * Real runs for report tests: the shipped corpus (traces/*.trace, plus any extra traces) replayed
 * against every release with the real replay (worker threads), stored through the real store API
 * (startRun / recordPolicies / writeTraceResult / finishRun). No mocks anywhere.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releases } from '../../policies/index.ts';
import type { Policy } from '../../src/model/kernel.ts';
import { traceLabel } from '../../src/replay/divergence-identity.ts';
import { replayCorpus } from '../../src/replay/replay-corpus.ts';
import type { TraceReplayResult } from '../../src/replay/results.ts';
import type { Store } from '../../src/store/store.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The shipped scenario traces, as paths relative to the repository (as `pinbench run` names them). */
export async function shippedTraces(): Promise<string[]> {
  const dir = join(REPO, 'traces');
  return (await readdir(dir))
    .filter((f) => f.endsWith('.trace'))
    .sort()
    .map((f) => relative(REPO, join(dir, f)));
}

export interface ReplayedCorpus {
  policies: Policy[];
  results: TraceReplayResult[];
}

export async function replaySources(sources: readonly string[]): Promise<ReplayedCorpus> {
  const policies = releases();
  const results = await replayCorpus(sources, { policySpecs: [], policies, jobs: 2, cwd: REPO });
  return { policies, results };
}

/** Stores `results` as one complete run; returns its id. */
export async function storeRun(
  store: Store,
  corpus: ReplayedCorpus,
  opts: { configName?: string; only?: (r: TraceReplayResult) => boolean } = {},
): Promise<number> {
  const results = opts.only ? corpus.results.filter(opts.only) : corpus.results;
  const runId = await store.startRun({
    configName: opts.configName ?? 'report-test',
    options: { sources: results.map((r) => traceLabel(r.identity)), policies: [] },
  });
  await store.recordPolicies(runId, corpus.policies);
  for (const r of results) await store.writeTraceResult(runId, r);
  await store.finishRun(runId, 'complete', { traces: results.length });
  return runId;
}
