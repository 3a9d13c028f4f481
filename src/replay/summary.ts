/**
 * Plain-text views of replay results for the terminal: the scenario x policy verdict matrix,
 * divergence counts, the first root divergences with each class's why path, and regression
 * reports for `check`. Every field that comes from a trace or a policy module goes through
 * escapeTerminal (`t` below): a trace must not be able to erase or fake a line of its own report.
 */
import { EXIT, type ExitCode, exitCodeOfCode, worstExit } from '../errors.ts';
import { escapeTerminal as t } from '../terminal-text.ts';
import type { CheckReport } from './check.ts';
import { formatRet } from './divergence-identity.ts';
import { failureKind, formatFailureCounts, isUnexpectedPass } from './failure-kind.ts';
import type { DivergenceRecord, TraceReplayResult, Verdict } from './results.ts';
import { MAX_FAILED_SHOWN, type SummaryTally } from './summary-tally.ts';

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
  // A user's module names its own id: escaped like any other untrusted text.
  const shown = ids.map((id) => t(id));
  const tall = Math.max(0, ...shown.map((id) => id.length));
  const out: string[] = [];
  for (let i = 0; i < tall; i++) {
    // Names bottom-aligned, one character per line, so every column reads top-down.
    const left = i === tall - 1 ? 'scenario' : '';
    out.push(`${left.padEnd(width)}${shown.map((id) => id.padStart(tall)[i]).join(' ')}`.trimEnd());
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
    `${indent}${t(d.title)}  [${d.signature}]`,
    `${indent}  at ${t(d.trace)}:${d.line}${d.root ? '' : ' (cascade)'}`,
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
  /** false: the caller shows the recordings' fidelity itself (`run`, from `pinbench fidelity`'s check). */
  fidelity?: boolean;
}

/**
 * The summary of replayed traces, from their tally (summary-tally.ts): counts, the verdict
 * matrix, failed expectations, scenarios with errors, fidelity failures, the first root
 * divergences and the traces that could not be replayed. Lists longer than the tally keeps say
 * how many more there are.
 */
export function formatSummary(tally: SummaryTally, opts: SummaryOptions): string {
  const out: string[] = [];
  const ids = opts.policies;
  const totals = tally.totals;
  out.push(
    `${tally.traces} trace(s), ${tally.scenarios} scenario(s), ${ids.length} polic${ids.length === 1 ? 'y' : 'ies'}, ${tally.calls} call(s)`,
  );
  out.push(
    `verdicts: ${totals.pass} pass, ${totals.fail} fail, ${totals.inconclusive} inconclusive, ${totals.unsupported} unsupported, ${totals.error} error`,
  );
  out.push(formatFailureCounts(tally.failures));
  out.push(`divergences: ${tally.divergences} (${tally.roots} root)`);
  if (tally.rows.length) {
    out.push('');
    out.push(
      ...formatMatrix(
        tally.rows.map((r) => ({ name: t(r.name), verdicts: r.verdicts })),
        ids,
      ),
    );
    if (tally.rowsOmitted)
      out.push(`... ${tally.rowsOmitted} more scenario(s) (\`replay --json\` has every verdict)`);
  }
  if (tally.failed) {
    out.push('');
    out.push('failed expectations (unexpected first):');
    const failed = [...tally.unexpected, ...tally.known];
    for (const v of failed.slice(0, MAX_FAILED_SHOWN))
      out.push(`  ${failureKind(v)} ${t(v.scenario)} ${t(v.policy)}: ${t(v.failed.join('; '))}`);
    if (tally.failed > MAX_FAILED_SHOWN) out.push(`  ... ${tally.failed - MAX_FAILED_SHOWN} more`);
  }
  // An invalid scenario gives every policy the same `error` with the same reason: say it once.
  if (tally.invalid.size) {
    out.push('');
    out.push('scenarios with errors:');
    for (const [where, reason] of tally.invalid) out.push(`  ${t(where)}: ${t(reason)}`);
    if (tally.invalidOmitted) out.push(`  ... ${tally.invalidOmitted} more`);
  }
  if (tally.fidelityCount && opts.fidelity !== false) {
    out.push('');
    out.push(
      "fidelity failures (the recording kernel's release model, the one `pinbench fidelity` uses (a Debian kernel's stable id such as v5.10.262 where pinbench has it), disagrees with what the kernel returned):",
    );
    for (const f of tally.fidelity)
      out.push(
        `  ${t(f.trace)}:${f.line} ${t(f.scenario)} ${t(f.event)}: ${t(f.policy)} ret=${t(String(f.ret))}, kernel ret=${t(String(f.observed))}`,
      );
    if (tally.fidelityCount > tally.fidelity.length)
      out.push(`  ... ${tally.fidelityCount - tally.fidelity.length} more`);
  }
  const rootDivs = tally.rootDivergences;
  const max = opts.maxDivergences ?? 10;
  if (rootDivs.length) {
    out.push('');
    out.push(`first ${Math.min(max, rootDivs.length)} root divergence(s):`);
    for (const d of rootDivs.slice(0, max)) out.push(formatDivergence(d));
  }
  if (tally.traceErrors.length) {
    out.push('');
    out.push('traces that could not be replayed:');
    for (const e of tally.traceErrors) out.push(`  ${t(e.message)}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatCheck(report: CheckReport, extra: { sameTable?: boolean } = {}): string {
  const out: string[] = [];
  out.push(...checkHeadline(report));
  if (extra.sameTable) {
    out.push(
      `note: ${t(report.candidate)}'s kernel table is ${t(report.baseline)}'s, function for function: the candidate changes nothing the replay runs`,
    );
  }
  for (const r of report.regressions) {
    out.push('');
    out.push(
      `REGRESSION ${t(r.scenario)} (${t(r.trace)}): baseline ${r.baseline}, candidate ${r.candidate}${r.kind === 'uncovered-divergence' ? ' (divergence no expectation covers)' : ''}`,
    );
    for (const f of r.failed) out.push(`  failed: ${t(f)}`);
    if (r.divergence) out.push(formatDivergence(r.divergence, '  '));
  }
  if (report.fixes.length) out.push('');
  for (const f of report.fixes)
    out.push(`fixed: ${t(f.scenario)} (${t(f.trace)}): baseline ${f.baseline}, candidate ${f.candidate}`);
  if (report.errors.length) {
    out.push('');
    out.push('errors (bad input or a policy that threw; neither a regression nor a fix):');
    for (const e of report.errors)
      out.push(`  ${t(e.scenario)} (${t(e.trace)}) ${t(e.policy)}: ${t(e.reason)}`);
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
  for (const tr of results) {
    if (tr.error) codes.push(exitCodeOfCode(tr.error.code));
    if (tr.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error'))) codes.push(EXIT.badInput);
  }
  return worstExit(...codes);
}

/** replayExitCode over a tally: the same codes, from what it counted. */
export function tallyExitCode(tally: SummaryTally): ExitCode {
  return worstExit(
    ...tally.traceErrors.map((e) => exitCodeOfCode(e.code)),
    tally.errorVerdicts ? EXIT.badInput : EXIT.ok,
  );
}

/** `check`: regressions are 1, but bad input (an error on either side) or the environment wins. */
export function checkExitCode(report: CheckReport, results: readonly TraceReplayResult[]): ExitCode {
  return worstExit(
    replayExitCode(results),
    report.errors.length > 0 ? EXIT.badInput : EXIT.ok,
    report.regressions.length > 0 ? EXIT.failures : EXIT.ok,
  );
}
