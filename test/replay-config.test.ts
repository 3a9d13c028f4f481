/**
 * Replaying one trace under another configuration (`--config`) and under several (`--matrix`):
 * the fs-dax hole leak of scenario 8 exists only on architectures without pte_special, so the
 * same trace with pte_special=1 passes on v6.10 (facts/insert-pfnmap.md §1.2: with PTE_SPECIAL
 * the zero pfn goes to insert_pfn(), special and unrefcounted).
 */
import { describe, expect, it } from 'vitest';
import { getPolicy } from '../policies/index.ts';
import { expandMatrix, parseConfigOverrides } from '../src/replay/config-overrides.ts';
import { replayCorpus } from '../src/replay/replay-corpus.ts';
import type { TraceReplayResult } from '../src/replay/results.ts';

const TRACE = 'traces/08-fsdax-zero-hole.trace';
const policies = [getPolicy('v6.10'), getPolicy('v6.11')];

function verdicts(r: TraceReplayResult): Record<string, string> {
  const s = r.scenarios.find((x) => x.scenario === 'fsdax-hole-no-mixedmap')!;
  return Object.fromEntries(s.verdicts.map((v) => [v.policy, v.verdict]));
}

describe('configuration overrides', () => {
  it('--config pte_special=1 replays the trace as on an arch with pte_special', async () => {
    const [asRecorded] = await replayCorpus([TRACE], { policySpecs: [], policies, jobs: 0 });
    const [special] = await replayCorpus([TRACE], {
      policySpecs: [],
      policies,
      jobs: 0,
      configs: [{ label: '', overrides: parseConfigOverrides(['pte_special=1']) }],
    });
    expect(verdicts(asRecorded!)).toEqual({ 'v6.10': 'fail', 'v6.11': 'pass' });
    expect(verdicts(special!)).toEqual({ 'v6.10': 'pass', 'v6.11': 'pass' });
  });

  it('--matrix multiplies axes and labels every result; signatures differ per configuration', async () => {
    const configs = expandMatrix(['pte_special=0,1', 'cma=0,1']);
    expect(configs.map((c) => c.label)).toEqual([
      'pte_special=0 cma=0',
      'pte_special=0 cma=1',
      'pte_special=1 cma=0',
      'pte_special=1 cma=1',
    ]);
    const results = await replayCorpus([TRACE], { policySpecs: [], policies, jobs: 0, configs });
    expect(results.map((r) => r.identity.matrix)).toEqual(configs.map((c) => c.label));
    expect(results.map((r) => verdicts(r)['v6.10'])).toEqual(['fail', 'fail', 'pass', 'pass']);
    const sigs = results.flatMap((r) => r.scenarios.flatMap((s) => s.divergences.map((d) => d.signature)));
    expect(new Set(sigs).size).toBe(sigs.length);
  });

  it('a bad key or value is a configuration error naming it', () => {
    expect(() => parseConfigOverrides(['pte_special=2'])).toThrow(/pte_special: expected 0 or 1, got '2'/);
    expect(() => parseConfigOverrides(['colour=red'])).toThrow(/unknown field 'colour'/);
    expect(() => expandMatrix(['pte_special'])).toThrow(/expected key=v1,v2/);
  });
});
