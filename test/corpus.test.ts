/**
 * The scenario corpus is a test: every shipped trace states, in its header, the verdict each
 * release (and the aliases and variants it names) must get for each of its scenarios, written
 * from the facts (the way tools/memory-model litmus tests state their Result). This replays every
 * trace against every policy named there and compares, so a change to any policy that alters a
 * verdict fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPolicy, RELEASE_IDS } from '../policies/index.ts';
import { findCorpusFiles } from '../src/ingest/index.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import { readResultBlocks } from '../src/replay/result-header.ts';
import type { Verdict } from '../src/replay/results.ts';

const files = (await findCorpusFiles('traces')).filter((f) => !f.startsWith(join('traces', 'real')));

describe('shipped scenario corpus', () => {
  it('has a trace for each of the eleven scenarios of spec/scenarios.md', () => {
    const numbers = new Set(files.map((f) => /\/(\d\d)-/.exec(f)?.[1]).filter(Boolean));
    for (let n = 1; n <= 11; n++) expect(numbers.has(String(n).padStart(2, '0'))).toBe(true);
  });

  for (const file of files) {
    const expected = readResultBlocks(readFileSync(file, 'utf8'));

    it(`${file}: states a verdict for every release in every scenario`, () => {
      const scenarios = [...new Set(expected.map((e) => e.scenario))];
      expect(scenarios.length).toBeGreaterThan(0);
      for (const s of scenarios) {
        const stated = new Set(expected.filter((e) => e.scenario === s).map((e) => e.policy));
        expect(
          RELEASE_IDS.filter((r) => !stated.has(r)),
          `scenario ${s}`,
        ).toEqual([]);
      }
    });

    it(`${file}: every policy gets the verdict its header states`, async () => {
      const ids = [...new Set(expected.map((e) => e.policy))];
      const policies = ids.map((id) => getPolicy(id));
      const result = await replayTrace(file, policies, { outcomes: false });
      expect(result.error).toBeUndefined();
      // A `# Result:` block without a name is the verdict of a trace's only scenario.
      const only = result.scenarios.length === 1 ? result.scenarios[0]!.scenario : undefined;
      for (const e of expected) if (e.scenario === '' && only) e.scenario = only;
      const got = new Map<string, Verdict>();
      const failed = new Map<string, string[]>();
      for (const s of result.scenarios) {
        for (const v of s.verdicts) {
          got.set(`${s.scenario}\0${v.policy}`, v.verdict);
          failed.set(`${s.scenario}\0${v.policy}`, v.failed.length ? v.failed : v.reason ? [v.reason] : []);
        }
      }
      const mismatches = expected
        .filter((e) => got.get(`${e.scenario}\0${e.policy}`) !== e.verdict)
        .map((e) => {
          const key = `${e.scenario}\0${e.policy}`;
          const why = failed.get(key)?.join('; ');
          return `${file}:${e.line} ${e.scenario} ${e.policy}: header says ${e.verdict}, replay gives ${got.get(key) ?? 'nothing'}${why ? ` (${why})` : ''}`;
        });
      expect(mismatches).toEqual([]);
    });
  }
});
