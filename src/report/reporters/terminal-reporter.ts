/**
 * The terminal reporter: a stored run as plain text, in the style of the replay summary
 * (src/replay/summary.ts): counts, verdict totals, the verdict matrix with one mark per policy,
 * integrity warnings, changes since the previous run and the first root divergences with their
 * why paths. Trace text is printed as it is (a terminal is not HTML).
 */

import { formatFailureCounts } from '../../replay/failure-kind.ts';
import { VERDICTS, type Verdict } from '../../replay/results.ts';
import { formatDivergence, formatMatrix } from '../../replay/summary.ts';
import { formatOrderDependent } from '../order-dependence-text.ts';
import type { ReportContext } from '../report-context.ts';
import type { Reporter } from '../reporter.ts';

export interface TerminalReporterOptions {
  out: NodeJS.WritableStream;
  /** Root divergences shown with their why paths (default 10). */
  maxDivergences?: number;
}

export function formatRunReport(ctx: ReportContext, maxDivergences = 10): string {
  const out: string[] = [];
  const { run, totals: t } = ctx;
  const ids = ctx.policyIds;
  out.push(`run ${run.id} (${run.status}) started ${run.startedAt.toISOString()} in ${ctx.storeLocation}`);
  out.push(
    `${t.traces} trace(s), ${t.scenarios} scenario(s), ${ids.length} polic${ids.length === 1 ? 'y' : 'ies'} in ${ctx.groups.length} verdict group(s), ${t.calls} call(s)`,
  );
  out.push(`verdicts: ${VERDICTS.map((v) => `${t.verdicts[v]} ${v}`).join(', ')}`);
  out.push(`divergences: ${t.divergences} (${t.rootDivergences} root)`);
  out.push(formatFailureCounts(ctx.failures));
  if (ctx.scenarios.length) {
    const rows = ctx.scenarios.map((s) => {
      const verdicts = new Map<string, { verdict: Verdict; expected?: Verdict }>();
      ids.forEach((id, i) => {
        const v = s.verdicts[i];
        const e = s.expected[i];
        if (v) verdicts.set(id, e ? { verdict: v, expected: e } : { verdict: v });
      });
      return { name: `${s.trace.replace(/^.*\//, '')} ${s.name}`, verdicts };
    });
    out.push('');
    out.push(...formatMatrix(rows, ids));
    out.push('');
    out.push(`groups: ${ctx.groups.map((g) => `${g.label}={${g.policies.join(',')}}`).join(' ')}`);
  }
  const warnings: string[] = [];
  for (const tr of ctx.traces) {
    if (tr.error) warnings.push(`  ${tr.trace}: ${tr.error.message}`);
    for (const e of tr.integrity) warnings.push(`  ${tr.trace}:${e.line}: ${e.kind}: ${e.text}`);
  }
  if (warnings.length) {
    out.push('');
    out.push('integrity warnings:');
    out.push(...warnings.slice(0, 40));
    if (warnings.length > 40) out.push(`  ... ${warnings.length - 40} more`);
  }
  out.push('');
  if (ctx.previous && ctx.diff) {
    const d = ctx.diff;
    out.push(
      `since run ${ctx.previous.id}: ${d.new.length} new, ${d.fixed.length} gone, ${d.unchanged.length} unchanged divergence(s), ${d.verdictChanges.length} verdict change(s)`,
    );
    for (const c of d.verdictChanges.slice(0, 20)) {
      out.push(`  ${c.trace} ${c.scenario} ${c.policy}: ${c.before ?? 'not run'} -> ${c.after ?? 'not run'}`);
    }
  } else out.push('no earlier complete run to compare with');
  if (ctx.firstRoots.length) {
    out.push('');
    out.push(`first ${Math.min(maxDivergences, ctx.firstRoots.length)} root divergence(s):`);
    for (const d of ctx.firstRoots.slice(0, maxDivergences)) out.push(formatDivergence(d));
  }
  const orders = formatOrderDependent([...ctx.orderDependent.values()]);
  if (orders) out.push('', orders.trimEnd());
  return `${out.join('\n')}\n`;
}

/**
 * Trace text may hold control characters (ESC starts terminal escape sequences that can rewrite
 * the screen or the window title): every C0/C1 control but newline and tab is shown as `?`.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?');
}

export class TerminalReporter implements Reporter {
  readonly name = 'terminal';
  private readonly opts: TerminalReporterOptions;

  constructor(opts: TerminalReporterOptions) {
    this.opts = opts;
  }

  onRunEnd(ctx: ReportContext): void {
    this.opts.out.write(terminalSafe(formatRunReport(ctx, this.opts.maxDivergences)));
  }
}
