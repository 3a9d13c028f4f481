/**
 * Plain-text views of replay results for the terminal: the scenario x policy verdict matrix,
 * divergence counts, the first root divergences with each class's why path, and regression
 * reports for `check`. Trace text is printed as it is (a terminal is not HTML).
 */
import { EXIT, type ExitCode, exitCodeOfCode, worstExit } from '../errors.ts';
import type { CheckReport } from './check.ts';
import type { DivergenceRecord, TraceReplayResult, Verdict } from './results.ts';

const MARK: Record<Verdict, string> = {
  pass: '.',
  fail: 'F',
  inconclusive: '?',
  unsupported: '-',
  error: 'E',
};

function describeRet(o: {
  ret: unknown;
  refs: Record<string, number>;
  warn: string[];
  special: boolean;
  lockedVm: number;
}): string {
  const parts = [`ret=${String(o.ret)}`];
  const refs = Object.entries(o.refs);
  if (refs.length) parts.push(`refs{${refs.map(([k, v]) => `${k}:${v > 0 ? '+' : ''}${v}`).join(',')}}`);
  if (o.lockedVm) parts.push(`locked_vm${o.lockedVm > 0 ? '+' : ''}${o.lockedVm}`);
  if (o.special) parts.push('special');
  if (o.warn.length) parts.push(o.warn.join('; '));
  return parts.join(' ');
}

export function formatDivergence(d: DivergenceRecord, indent = '  '): string {
  const lines = [
    `${indent}${d.trace}:${d.line} ${d.scenario} #${d.seq} ${d.event}${d.root ? '' : ' (cascade)'}  [${d.signature}]`,
  ];
  for (const c of d.classes) {
    lines.push(`${indent}  {${c.policies.join(',')}}: ${describeRet(c.outcome)}`);
    for (const w of c.why) lines.push(`${indent}      ${w}`);
  }
  if (d.unsupported.length) lines.push(`${indent}  unsupported: ${d.unsupported.join(',')}`);
  return lines.join('\n');
}

export interface SummaryOptions {
  policies: readonly string[];
  /** How many root divergences to show with their why paths. */
  maxDivergences?: number;
}

export function formatSummary(results: readonly TraceReplayResult[], opts: SummaryOptions): string {
  const out: string[] = [];
  const ids = opts.policies;
  const rows: { name: string; verdicts: Map<string, Verdict> }[] = [];
  let divergences = 0;
  let roots = 0;
  let calls = 0;
  const totals: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0, unsupported: 0, error: 0 };
  const errors: string[] = [];
  for (const t of results) {
    if (t.error) errors.push(t.error.message);
    for (const s of t.scenarios) {
      calls += s.calls;
      divergences += s.divergences.length;
      roots += s.divergences.filter((d) => d.root).length;
      const verdicts = new Map<string, Verdict>();
      for (const v of s.verdicts) {
        verdicts.set(v.policy, v.verdict);
        totals[v.verdict]++;
      }
      rows.push({ name: `${t.trace.replace(/^.*\//, '')} ${s.scenario}`, verdicts });
    }
  }
  out.push(
    `${results.length} trace(s), ${rows.length} scenario(s), ${ids.length} polic${ids.length === 1 ? 'y' : 'ies'}, ${calls} call(s)`,
  );
  out.push(
    `verdicts: ${totals.pass} pass, ${totals.fail} fail, ${totals.inconclusive} inconclusive, ${totals.unsupported} unsupported, ${totals.error} error`,
  );
  out.push(`divergences: ${divergences} (${roots} root)`);
  if (rows.length) {
    const width = Math.min(60, Math.max(...rows.map((r) => r.name.length)) + 2);
    out.push('');
    out.push(
      `${'scenario'.padEnd(width)}verdict per policy (. pass, F fail, ? inconclusive, - unsupported, E error)`,
    );
    // Policy ids as a vertical header would be unreadable; number them and give a legend.
    out.push(`${''.padEnd(width)}${ids.map((_, i) => String(i % 10)).join('')}`);
    for (const r of rows) {
      const name = r.name.length > width - 2 ? `${r.name.slice(0, width - 3)}…` : r.name;
      out.push(`${name.padEnd(width)}${ids.map((id) => MARK[r.verdicts.get(id) ?? 'error']).join('')}`);
    }
    out.push('');
    out.push(`policies: ${ids.map((id, i) => `${i % 10}=${id}`).join(' ')}`);
  }
  const failed = results.flatMap((t) =>
    t.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict === 'fail')),
  );
  if (failed.length) {
    out.push('');
    out.push('failed expectations:');
    for (const v of failed.slice(0, 40)) out.push(`  ${v.scenario} ${v.policy}: ${v.failed.join('; ')}`);
    if (failed.length > 40) out.push(`  ... ${failed.length - 40} more`);
  }
  // An invalid scenario gives every policy the same `error` with the same reason: say it once.
  const invalid = new Map<string, string>();
  for (const t of results) {
    for (const s of t.scenarios) {
      for (const v of s.verdicts)
        if (v.verdict === 'error' && v.reason) invalid.set(`${t.trace} ${s.scenario}`, v.reason);
    }
  }
  if (invalid.size) {
    out.push('');
    out.push('scenarios with errors:');
    for (const [where, reason] of invalid) out.push(`  ${where}: ${reason}`);
  }
  const fidelity = results.flatMap((t) => t.scenarios.flatMap((s) => s.fidelity));
  if (fidelity.length) {
    out.push('');
    out.push('fidelity failures (the release of the recording kernel disagrees with what it returned):');
    for (const f of fidelity)
      out.push(
        `  ${f.trace}:${f.line} ${f.scenario} ${f.event}: ${f.policy} ret=${f.ret}, kernel ret=${f.observed}`,
      );
  }
  const rootDivs = results.flatMap((t) => t.scenarios.flatMap((s) => s.divergences.filter((d) => d.root)));
  const max = opts.maxDivergences ?? 10;
  if (rootDivs.length) {
    out.push('');
    out.push(`first ${Math.min(max, rootDivs.length)} root divergence(s):`);
    for (const d of rootDivs.slice(0, max)) out.push(formatDivergence(d));
  }
  if (errors.length) {
    out.push('');
    out.push('traces that could not be replayed:');
    for (const e of errors) out.push(`  ${e}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatCheck(report: CheckReport, extra: { sameTable?: boolean } = {}): string {
  const out: string[] = [];
  out.push(...checkHeadline(report));
  if (extra.sameTable) {
    out.push(
      `note: ${report.candidate}'s kernel table is ${report.baseline}'s, function for function: the candidate changes nothing the replay runs`,
    );
  }
  for (const r of report.regressions) {
    out.push('');
    out.push(
      `REGRESSION ${r.scenario} (${r.trace}): baseline ${r.baseline}, candidate ${r.candidate}${r.kind === 'uncovered-divergence' ? ' (divergence no expectation covers)' : ''}`,
    );
    for (const f of r.failed) out.push(`  failed: ${f}`);
    if (r.divergence) out.push(formatDivergence(r.divergence, '  '));
  }
  if (report.fixes.length) out.push('');
  for (const f of report.fixes)
    out.push(`fixed: ${f.scenario} (${f.trace}): baseline ${f.baseline}, candidate ${f.candidate}`);
  if (report.errors.length) {
    out.push('');
    out.push('errors (bad input or a policy that threw; neither a regression nor a fix):');
    for (const e of report.errors) out.push(`  ${e.scenario} (${e.trace}) ${e.policy}: ${e.reason}`);
  }
  out.push('');
  out.push(checkVerdictLine(report));
  return `${out.join('\n')}\n`;
}

/** The check's headline: who against whom, over what, and what came out. */
export function checkHeadline(report: CheckReport): string[] {
  return [
    `check: candidate ${report.candidate} against baseline ${report.baseline}`,
    `  ${report.scenarios} scenario(s) run: ${report.regressions.length} regression(s), ${report.fixes.length} fix(es), ${report.unchanged} unchanged, ${report.errors.length} error(s), ${report.inconclusive} inconclusive`,
  ];
}

/** The last line: the outcome and what the exit code will say. */
export function checkVerdictLine(report: CheckReport): string {
  if (report.errors.length)
    return `exit 2: ${report.errors.length} scenario(s) could not be judged (bad input or a policy that threw)${report.regressions.length ? `; also ${report.regressions.length} regression(s)` : ''}`;
  if (report.regressions.length)
    return `exit 1: ${report.regressions.length} regression(s): scenarios ${report.baseline} passes and ${report.candidate} fails`;
  if (report.scenarios === 0) return 'exit 0: no scenarios were run, so nothing was checked';
  return `exit 0: no regressions${report.fixes.length ? ` (${report.fixes.length} fix(es))` : ''}`;
}

/**
 * The exit code replay results give (before any failures the command counts itself): a trace the
 * environment kept from being read is 3, bad input (a trace that could not be read, a scenario
 * with verdict `error`) is 2. `inconclusive` never changes it.
 */
export function replayExitCode(results: readonly TraceReplayResult[]): ExitCode {
  const codes: ExitCode[] = [];
  for (const t of results) {
    if (t.error) codes.push(exitCodeOfCode(t.error.code));
    if (t.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error'))) codes.push(EXIT.badInput);
  }
  return worstExit(...codes);
}

/** `check`: regressions are 1, but bad input (an error on either side) or the environment wins. */
export function checkExitCode(report: CheckReport, results: readonly TraceReplayResult[]): ExitCode {
  return worstExit(
    replayExitCode(results),
    report.errors.length > 0 ? EXIT.badInput : EXIT.ok,
    report.regressions.length > 0 ? EXIT.failures : EXIT.ok,
  );
}

/** A trace that could not be read or a scenario that is invalid: the command exits 2. */
export function hasInputErrors(results: readonly TraceReplayResult[]): boolean {
  return results.some(
    (t) => t.error || t.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error')),
  );
}
