/**
 * Plain-text views of replay results for the terminal: the scenario x policy verdict matrix,
 * divergence counts, the first root divergences with each class's why path, and regression
 * reports for `check`. Every field that comes from a trace or a policy module goes through
 * escapeTerminal (`t` below): a trace must not be able to erase or fake a line of its own report.
 */
import { escapeTerminal as t } from '../terminal-text.ts';
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
    `${indent}${t(d.trace)}:${d.line} ${t(d.scenario)} #${d.seq} ${t(d.event)}${d.root ? '' : ' (cascade)'}  [${d.signature}]`,
  ];
  for (const c of d.classes) {
    lines.push(`${indent}  {${t(c.policies.join(','))}}: ${t(describeRet(c.outcome))}`);
    for (const w of c.why) lines.push(`${indent}      ${t(w)}`);
  }
  if (d.unsupported.length) lines.push(`${indent}  unsupported: ${t(d.unsupported.join(','))}`);
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
  for (const t_ of results) {
    if (t_.error) errors.push(t_.error.message);
    for (const s of t_.scenarios) {
      calls += s.calls;
      divergences += s.divergences.length;
      roots += s.divergences.filter((d) => d.root).length;
      const verdicts = new Map<string, Verdict>();
      for (const v of s.verdicts) {
        verdicts.set(v.policy, v.verdict);
        totals[v.verdict]++;
      }
      rows.push({ name: t(`${t_.trace.replace(/^.*\//, '')} ${s.scenario}`), verdicts });
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
    out.push(`policies: ${ids.map((id, i) => `${i % 10}=${t(id)}`).join(' ')}`);
  }
  const failed = results.flatMap((tr) =>
    tr.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict === 'fail')),
  );
  if (failed.length) {
    out.push('');
    out.push('failed expectations:');
    for (const v of failed.slice(0, 40))
      out.push(`  ${t(v.scenario)} ${t(v.policy)}: ${t(v.failed.join('; '))}`);
    if (failed.length > 40) out.push(`  ... ${failed.length - 40} more`);
  }
  // An invalid scenario gives every policy the same `error` with the same reason: say it once.
  const invalid = new Map<string, string>();
  for (const tr of results) {
    for (const s of tr.scenarios) {
      for (const v of s.verdicts)
        if (v.verdict === 'error' && v.reason) invalid.set(`${tr.trace} ${s.scenario}`, v.reason);
    }
  }
  if (invalid.size) {
    out.push('');
    out.push('scenarios with errors:');
    for (const [where, reason] of invalid) out.push(`  ${t(where)}: ${t(reason)}`);
  }
  const fidelity = results.flatMap((tr) => tr.scenarios.flatMap((s) => s.fidelity));
  if (fidelity.length) {
    out.push('');
    out.push('fidelity failures (the release of the recording kernel disagrees with what it returned):');
    for (const f of fidelity)
      out.push(
        `  ${t(f.trace)}:${f.line} ${t(f.scenario)} ${t(f.event)}: ${t(f.policy)} ret=${t(String(f.ret))}, kernel ret=${t(String(f.observed))}`,
      );
  }
  const rootDivs = results.flatMap((tr) => tr.scenarios.flatMap((s) => s.divergences.filter((d) => d.root)));
  const max = opts.maxDivergences ?? 10;
  if (rootDivs.length) {
    out.push('');
    out.push(`first ${Math.min(max, rootDivs.length)} root divergence(s):`);
    for (const d of rootDivs.slice(0, max)) out.push(formatDivergence(d));
  }
  if (errors.length) {
    out.push('');
    out.push('traces that could not be replayed:');
    for (const e of errors) out.push(`  ${t(e)}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatCheck(report: CheckReport): string {
  const out: string[] = [];
  out.push(
    `check: candidate ${t(report.candidate)} against baseline ${t(report.baseline)} over ${report.scenarios} scenario(s)`,
  );
  for (const r of report.regressions) {
    out.push('');
    out.push(
      `REGRESSION ${t(r.scenario)} (${t(r.trace)}): baseline ${r.baseline}, candidate ${r.candidate}${r.kind === 'uncovered-divergence' ? ' (divergence no expectation covers)' : ''}`,
    );
    for (const f of r.failed) out.push(`  failed: ${t(f)}`);
    if (r.divergence) out.push(formatDivergence(r.divergence, '  '));
  }
  for (const f of report.fixes)
    out.push(`fixed: ${t(f.scenario)} (${t(f.trace)}): baseline ${f.baseline}, candidate ${f.candidate}`);
  out.push('');
  out.push(
    report.regressions.length
      ? `${report.regressions.length} regression(s)`
      : `no regressions${report.fixes.length ? ` (${report.fixes.length} fix(es))` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

/** A trace that could not be read or a scenario that is invalid: the command exits 2. */
export function hasInputErrors(results: readonly TraceReplayResult[]): boolean {
  return results.some(
    (tr) => tr.error || tr.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error')),
  );
}
