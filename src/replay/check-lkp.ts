/**
 * `check --lkp FILE`: the check as a plain-text mail in the manner of the kernel test robot's
 * (LKP) reports, ready to paste into a reply to a patch: the verdict line, the candidate and the
 * baseline, the counts, each regression with its failed assertions and first divergence (why
 * paths included), the errors, and the command that reproduces it. Plain ASCII layout, trace
 * text quoted as it is.
 */
import type { CheckReport } from './check.ts';
import { checkHeadline, checkVerdictLine, formatDivergence } from './summary.ts';

export interface CheckMailOptions {
  /** The command line that reproduces the check (`pinbench check --candidate ...`). */
  reproduce: string;
  /** Candidate's module file, commit and subject where known. */
  candidate?: { source?: string; commit?: string; subject?: string };
  sameTable?: boolean;
}

export function formatCheckLkp(report: CheckReport, opts: CheckMailOptions): string {
  const out: string[] = [];
  const n = report.regressions.length;
  out.push(
    n
      ? `pinbench check: ${n} regression(s) of ${report.candidate} against ${report.baseline}`
      : report.errors.length
        ? `pinbench check: ${report.errors.length} scenario(s) of ${report.candidate} against ${report.baseline} could not be judged`
        : `pinbench check: no regressions of ${report.candidate} against ${report.baseline}`,
    '',
  );
  const c = opts.candidate;
  out.push(
    `candidate: ${report.candidate}${c?.commit ? ` ${c.commit.slice(0, 12)}` : ''}${c?.subject ? ` ("${c.subject}")` : ''}${c?.source ? ` [${c.source}]` : ''}`,
  );
  out.push(`baseline:  ${report.baseline}`, '');
  out.push(
    ...checkHeadline(report)
      .slice(1)
      .map((l) => l.trim()),
  );
  if (opts.sameTable) out.push('note: the candidate runs exactly the baseline kernel functions');
  out.push('');
  for (const r of report.regressions) {
    out.push(
      `REGRESSION ${r.scenario} (${r.trace}): ${report.baseline} ${r.baseline}, ${report.candidate} ${r.candidate}${r.kind === 'uncovered-divergence' ? ' (divergence no expectation covers)' : ''}`,
    );
    for (const f of r.failed) out.push(`\tfailed: ${f}`);
    if (r.divergence) out.push(formatDivergence(r.divergence, '\t'));
    out.push('');
  }
  if (report.errors.length) {
    out.push('errors (bad input or a policy that threw):');
    for (const e of report.errors) out.push(`\t${e.scenario} (${e.trace}) ${e.policy}: ${e.reason}`);
    out.push('');
  }
  if (report.fixes.length) {
    out.push('fixes:');
    for (const f of report.fixes) out.push(`\t${f.scenario} (${f.trace}): ${f.baseline} -> ${f.candidate}`);
    out.push('');
  }
  out.push('To reproduce:', '', `\t${opts.reproduce}`, '', checkVerdictLine(report), '');
  return out.join('\n');
}
