/**
 * The regression check: a candidate policy against a baseline over a corpus. A regression is a
 * scenario the baseline passes and the candidate does not (fail or error), or a divergence between
 * the two on a call that no expectation covers (no call assertion after it, no final assertion in
 * the scenario). A scenario the candidate passes and the baseline fails is a fix.
 */

import type { ScenarioResult } from './replay-scenario.ts';
import type { DivergenceRecord, Verdict, VerdictRecord } from './results.ts';

export interface Regression {
  kind: 'verdict' | 'uncovered-divergence';
  trace: string;
  scenario: string;
  baseline: Verdict;
  candidate: Verdict;
  /** Assertions the candidate failed. */
  failed: string[];
  /** The first divergence between the two in that scenario, with both why paths. */
  divergence?: DivergenceRecord;
}

export interface Fix {
  trace: string;
  scenario: string;
  baseline: Verdict;
  candidate: Verdict;
}

export interface CheckReport {
  candidate: string;
  baseline: string;
  scenarios: number;
  regressions: Regression[];
  fixes: Fix[];
}

export interface CheckInput {
  trace: string;
  result: ScenarioResult;
}

export function checkRegressions(
  candidate: string,
  baseline: string,
  inputs: readonly CheckInput[],
): CheckReport {
  const report: CheckReport = { candidate, baseline, scenarios: 0, regressions: [], fixes: [] };
  for (const { trace, result } of inputs) {
    report.scenarios++;
    const v = (id: string): VerdictRecord | undefined => result.verdicts.find((r) => r.policy === id);
    const base = v(baseline);
    const cand = v(candidate);
    if (!base || !cand) continue;
    const between = result.divergences.filter((d) => {
      const cb = d.classes.findIndex((c) => c.policies.includes(baseline));
      const cc = d.classes.findIndex((c) => c.policies.includes(candidate));
      return cb >= 0 && cc >= 0 && cb !== cc;
    });
    const bad = (x: Verdict): boolean => x === 'fail' || x === 'error';
    if (base.verdict === 'pass' && bad(cand.verdict)) {
      const reg: Regression = {
        kind: 'verdict',
        trace,
        scenario: result.scenario,
        baseline: base.verdict,
        candidate: cand.verdict,
        failed: cand.failed.length ? cand.failed : cand.reason ? [cand.reason] : [],
      };
      if (between[0]) reg.divergence = between[0];
      report.regressions.push(reg);
      continue;
    }
    if (bad(base.verdict) && cand.verdict === 'pass') {
      report.fixes.push({
        trace,
        scenario: result.scenario,
        baseline: base.verdict,
        candidate: cand.verdict,
      });
      continue;
    }
    if (result.coverage.finals) continue;
    const uncovered = between.find((d) => !result.coverage.seqs.includes(d.seq));
    if (uncovered) {
      report.regressions.push({
        kind: 'uncovered-divergence',
        trace,
        scenario: result.scenario,
        baseline: base.verdict,
        candidate: cand.verdict,
        failed: [],
        divergence: uncovered,
      });
    }
  }
  return report;
}
