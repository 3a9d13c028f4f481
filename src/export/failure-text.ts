/**
 * What a failing case says in every export: its failed assertions (or the reason for an error or
 * inconclusive verdict), then the first divergence of its scenario with the original trace line
 * and each class's outcome and why path, as the terminal summary prints them.
 */
import { failureKind, isUnexpectedPass } from '../replay/failure-kind.ts';
import type { DivergenceRecord, Verdict } from '../replay/results.ts';
import { formatDivergence } from '../replay/summary.ts';

export interface FailureSource {
  verdict: Verdict;
  failed: readonly string[];
  reason?: string | null;
  /** What the trace header expects; null or absent: it states nothing. */
  expected?: Verdict | null;
  divergence: DivergenceRecord | null;
}

/** `expected fail, got fail (known)` / `expected pass, got fail (unexpected)`. */
export function expectationText(c: Pick<FailureSource, 'verdict' | 'expected'>): string {
  const kind = failureKind(c);
  const exp = c.expected ? `expected ${c.expected}` : 'the header states no verdict';
  return `${exp}, got ${c.verdict}${kind ? ` (${kind})` : isUnexpectedPass(c) ? ' (unexpected pass)' : ''}`;
}

export function divergenceText(d: DivergenceRecord, indent = '  '): string {
  const [head, ...rest] = formatDivergence(d, indent).split('\n');
  return [head, `${indent}  > ${d.text.trim()}`, ...rest].join('\n');
}

export function failureText(c: FailureSource, indent = ''): string {
  const lines: string[] = [`${indent}${expectationText(c)}`];
  for (const f of c.failed) lines.push(`${indent}failed: ${f}`);
  if (c.reason) lines.push(`${indent}reason: ${c.reason}`);
  if (c.divergence) {
    lines.push(`${indent}first divergence of the scenario:`);
    lines.push(divergenceText(c.divergence, `${indent}  `));
  }
  return lines.join('\n');
}

/** The first failed assertion (and how many more), for one-line messages. */
export function failureSummary(c: FailureSource): string {
  const [first, ...more] = c.failed;
  if (first !== undefined) return more.length ? `${first} (+${more.length} more)` : first;
  return c.reason ?? c.verdict;
}
