/**
 * Which calls of a scenario an expectation covers (for the regression check): a divergence at a
 * call no assertion covers is not a regression. Not code coverage, which is `pinbench coverage`
 * (src/analysis/coverage.ts).
 */
import type { Scenario } from '../model/event-stream.ts';

export interface ExpectationCoverage {
  /** Seqs of calls followed by a call assertion. */
  seqs: number[];
  /** The scenario has a `final.*` assertion, which covers every call's cumulative effect. */
  finals: boolean;
}

/** Seqs of calls an expectation covers: call assertions after them, or any final assertion. */
export function expectationCoverage(sc: Scenario): ExpectationCoverage {
  const seqs = new Set<number>();
  let finals = false;
  let last: number | null = null;
  for (const ev of sc.events) {
    if (ev.type === 'call') last = ev.seq;
    else if (ev.type === 'expect') {
      if (ev.assertions.some((a) => !a.final) && last !== null) seqs.add(last);
      if (ev.assertions.some((a) => a.final)) finals = true;
    }
  }
  return { seqs: [...seqs], finals };
}
