/**
 * Plain-text views of replay results for the terminal: the scenario x policy verdict matrix,
 * divergence counts, the first root divergences with each class's why path, and regression
 * reports for `check`. Trace text is printed as it is (a terminal is not HTML).
 */
import type { CheckReport } from './check.ts';
import { formatRet } from './divergence-identity.ts';
import { countFailures, failureKind, formatFailureCounts, isUnexpectedPass } from './failure-kind.ts';
import type { DivergenceRecord, TraceReplayResult, Verdict, VerdictRecord } from './results.ts';

const MARK: Record<Verdict, string> = {
  pass: '.',
  fail: 'F',
  inconclusive: '?',
  unsupported: '-',
  error: 'E',
};

/** One cell: the verdict, told apart from what the header expects where that matters. */
function mark(v: { verdict: Verdict; expected?: Verdict | undefined } | undefined): string {
  if (!v) return ' ';
  if (failureKind(v) === 'known') return 'f';
  if (isUnexpectedPass(v)) return '!';
  return MARK[v.verdict];
}

const LEGEND = [
  '. pass',
  'f fail, known (the header expects it)',
  'F fail, unexpected',
  '! pass, header expects fail',
  '? inconclusive',
  '- unsupported',
  'E error',
];

/**
 * The verdict matrix with the release names written down above their columns (no numbered
 * header to decode) and the legend beside it.
 */
export function formatMatrix(
  rows: readonly { name: string; verdicts: ReadonlyMap<string, { verdict: Verdict; expected?: Verdict }> }[],
  ids: readonly string[],
): string[] {
  const width = Math.min(60, Math.max(8, ...rows.map((r) => r.name.length)) + 2);
  const tall = Math.max(0, ...ids.map((id) => id.length));
  const out: string[] = [];
  for (let i = 0; i < tall; i++) {
    // Names bottom-aligned, one character per line, so every column reads top-down.
    const left = i === tall - 1 ? 'scenario' : '';
    out.push(`${left.padEnd(width)}${ids.map((id) => id.padStart(tall)[i]).join(' ')}`.trimEnd());
  }
  for (const r of rows) {
    const name = r.name.length > width - 2 ? `${r.name.slice(0, width - 3)}…` : r.name;
    out.push(`${name.padEnd(width)}${ids.map((id) => mark(r.verdicts.get(id))).join(' ')}`);
  }
  // The legend beside the matrix: on the right of its first lines.
  const col = Math.max(...out.map((l) => l.length)) + 4;
  LEGEND.forEach((l, i) => {
    if (i < out.length) out[i] = `${out[i]!.padEnd(col)}${l}`;
    else out.push(`${''.padEnd(col)}${l}`);
  });
  return out;
}

function describeRet(o: {
  ret: unknown;
  refs: Record<string, number>;
  warn: string[];
  special: boolean;
  lockedVm: number;
}): string {
  const parts = [`ret=${formatRet(o.ret)}`];
  const refs = Object.entries(o.refs);
  if (refs.length) parts.push(`refs{${refs.map(([k, v]) => `${k}:${v > 0 ? '+' : ''}${v}`).join(',')}}`);
  if (o.lockedVm) parts.push(`locked_vm${o.lockedVm > 0 ? '+' : ''}${o.lockedVm}`);
  if (o.special) parts.push('special');
  if (o.warn.length) parts.push(o.warn.join('; '));
  return parts.join(' ');
}

export function formatDivergence(d: DivergenceRecord, indent = '  '): string {
  const lines = [
    `${indent}${d.title}  [${d.signature}]`,
    `${indent}  at ${d.trace}:${d.line}${d.root ? '' : ' (cascade)'}`,
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
  const rows: { name: string; verdicts: Map<string, VerdictRecord> }[] = [];
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
      const verdicts = new Map<string, VerdictRecord>();
      for (const v of s.verdicts) {
        verdicts.set(v.policy, v);
        totals[v.verdict]++;
      }
      rows.push({ name: `${t.trace.replace(/^.*\//, '')} ${s.scenario}`, verdicts });
    }
  }
  out.push(
    `${results.length} trace(s), ${rows.length} scenario(s), ${ids.length} polic${ids.length === 1 ? 'y' : 'ies'}, ${calls} call(s)`,
  );
  const failures = countFailures(results.flatMap((t) => t.scenarios.flatMap((s) => s.verdicts)));
  out.push(
    `verdicts: ${totals.pass} pass, ${totals.fail} fail, ${totals.inconclusive} inconclusive, ${totals.unsupported} unsupported, ${totals.error} error`,
  );
  out.push(formatFailureCounts(failures));
  out.push(`divergences: ${divergences} (${roots} root)`);
  if (rows.length) {
    out.push('');
    out.push(...formatMatrix(rows, ids));
  }
  const failed = results.flatMap((t) =>
    t.scenarios.flatMap((s) => s.verdicts.filter((v) => v.verdict === 'fail')),
  );
  if (failed.length) {
    out.push('');
    out.push('failed expectations (unexpected first):');
    failed.sort((a, b) => Number(failureKind(a) === 'known') - Number(failureKind(b) === 'known'));
    for (const v of failed.slice(0, 40))
      out.push(`  ${failureKind(v)} ${v.scenario} ${v.policy}: ${v.failed.join('; ')}`);
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

export function formatCheck(report: CheckReport): string {
  const out: string[] = [];
  out.push(
    `check: candidate ${report.candidate} against baseline ${report.baseline} over ${report.scenarios} scenario(s)`,
  );
  for (const r of report.regressions) {
    out.push('');
    out.push(
      `REGRESSION ${r.scenario} (${r.trace}): baseline ${r.baseline}, candidate ${r.candidate}${r.kind === 'uncovered-divergence' ? ' (divergence no expectation covers)' : ''}`,
    );
    for (const f of r.failed) out.push(`  failed: ${f}`);
    if (r.divergence) out.push(formatDivergence(r.divergence, '  '));
  }
  for (const f of report.fixes)
    out.push(`fixed: ${f.scenario} (${f.trace}): baseline ${f.baseline}, candidate ${f.candidate}`);
  out.push('');
  out.push(
    report.regressions.length
      ? `${report.regressions.length} regression(s)`
      : `no regressions${report.fixes.length ? ` (${report.fixes.length} fix(es))` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

/** Failures the trace headers do not expect: `run` exits 1 on them. */
export function unexpectedFailures(results: readonly TraceReplayResult[]): number {
  return countFailures(results.flatMap((t) => t.scenarios.flatMap((s) => s.verdicts))).unexpected;
}

/** A trace that could not be read or a scenario that is invalid: the command exits 2. */
export function hasInputErrors(results: readonly TraceReplayResult[]): boolean {
  return results.some(
    (t) => t.error || t.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error')),
  );
}
