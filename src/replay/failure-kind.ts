/**
 * Expected vs actual: a failure the trace header expects (a historical bug, e.g. v6.0-rc1 on the
 * zero page) is `known`; one it does not expect is `unexpected`, and that is what makes `run`
 * and `nightly` exit 1 and send mail. A pass the header expects to fail is worth saying too: the
 * model (or the header) is wrong there.
 */
import type { Verdict } from './results.ts';

export type FailureKind = 'known' | 'unexpected';

export function failureKind(v: {
  verdict: Verdict;
  expected?: Verdict | null | undefined;
}): FailureKind | null {
  if (v.verdict !== 'fail') return null;
  return v.expected === 'fail' ? 'known' : 'unexpected';
}

/** A pass where the header states `fail`. */
export function isUnexpectedPass(v: { verdict: Verdict; expected?: Verdict | null | undefined }): boolean {
  return v.verdict === 'pass' && v.expected === 'fail';
}

export interface FailureCounts {
  failures: number;
  known: number;
  unexpected: number;
  unexpectedPasses: number;
}

export function countFailures(
  verdicts: Iterable<{ verdict: Verdict; expected?: Verdict | null | undefined }>,
): FailureCounts {
  const c: FailureCounts = { failures: 0, known: 0, unexpected: 0, unexpectedPasses: 0 };
  for (const v of verdicts) {
    const k = failureKind(v);
    if (k) {
      c.failures++;
      c[k]++;
    } else if (isUnexpectedPass(v)) c.unexpectedPasses++;
  }
  return c;
}

/** `174 failures (170 known, 4 unexpected)`. */
export function formatFailureCounts(c: FailureCounts): string {
  const s = `${c.failures} failure${c.failures === 1 ? '' : 's'}`;
  const tail = c.unexpectedPasses
    ? `; ${c.unexpectedPasses} pass${c.unexpectedPasses === 1 ? '' : 'es'} where the header expects a failure`
    : '';
  return c.failures ? `${s} (${c.known} known, ${c.unexpected} unexpected)${tail}` : `${s}${tail}`;
}
