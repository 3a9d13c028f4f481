/**
 * The regression check: a candidate policy against a baseline over a corpus. A regression is a
 * scenario the baseline passes and the candidate fails, or a divergence between
 * the two on a call that no expectation covers (no call assertion after it, no final assertion in
 * the scenario). A scenario the candidate passes and the baseline fails is a fix. A scenario
 * with verdict `error` on either side is neither: it is an error (bad input, exit 2).
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

/** A scenario either side could not be judged on: bad input, or the policy threw (exit 2). */
export interface CheckError {
  trace: string;
  scenario: string;
  policy: string;
  reason: string;
}

export interface CheckReport {
  candidate: string;
  baseline: string;
  scenarios: number;
  regressions: Regression[];
  fixes: Fix[];
  /** Scenarios with verdict `error` on either side: neither regressions nor fixes. */
  errors: CheckError[];
  /** Scenarios the candidate and the baseline both judge the same way. */
  unchanged: number;
  /** Scenarios inconclusive on either side (counted, never a regression). */
  inconclusive: number;
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
  const report: CheckReport = {
    candidate,
    baseline,
    scenarios: 0,
    regressions: [],
    fixes: [],
    errors: [],
    unchanged: 0,
    inconclusive: 0,
  };
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
    // An error on either side says nothing about the candidate's behaviour: it is reported as an
    // error (exit 2), never as a regression or a fix.
    const errored = [base, cand].filter((x) => x.verdict === 'error');
    if (errored.length > 0) {
      for (const x of errored) {
        report.errors.push({
          trace,
          scenario: result.scenario,
          policy: x.policy,
          reason: x.reason ?? 'error',
        });
      }
      continue;
    }
    if (base.verdict === 'inconclusive' || cand.verdict === 'inconclusive') report.inconclusive++;
    const bad = (x: Verdict): boolean => x === 'fail';
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
    const uncovered = result.coverage.finals
      ? undefined
      : between.find((d) => !result.coverage.seqs.includes(d.seq));
    if (uncovered === undefined) {
      report.unchanged++;
      continue;
    }
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
  return report;
}
