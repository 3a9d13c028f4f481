/**
 * A divergence page's "Reproduce" section: the commands that replay it (`pinbench repro` with
 * the run's stored slice, `pinbench minimize` on its trace with the run's policies) and, when
 * it depends on the order of equal-timestamp events, that fact with the command that explores
 * the orders. A partial, so any page showing one divergence (or one kind's example) can use it.
 */
import type { StoredDivergence } from '../../store/store.ts';
import { html, type SafeHtml } from '../html.ts';
import { orderCount } from '../order-dependence-text.ts';
import type { ReportContext } from '../report-context.ts';

/** A shell word: left bare when it is safe unquoted, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The commands for one divergence, as shell lines. */
export function reproCommands(
  ctx: ReportContext,
  d: StoredDivergence,
): { repro: string; minimize: string; ties: string } {
  const specs = Array.isArray(ctx.run.options.policies)
    ? (ctx.run.options.policies as unknown[]).filter((p): p is string => typeof p === 'string')
    : [];
  const policies = specs.map((p) => ` --policy ${shellWord(p)}`).join('');
  const trace = shellWord(d.identity.source);
  return {
    repro: `pinbench repro ${d.signature} --run ${ctx.run.id}`,
    minimize: `pinbench minimize ${trace} --divergence ${d.signature} --scenario ${shellWord(d.scenario)}${policies}`,
    ties: `pinbench replay ${trace} --explore-ties --scenario ${shellWord(d.scenario)}${policies}`,
  };
}

/** `slice`: the paragraph about its minimised slice (minimised-slices.ts), when the report made one. */
export function reproSection(ctx: ReportContext, d: StoredDivergence, slice?: SafeHtml): SafeHtml {
  const c = reproCommands(ctx, d);
  const od = ctx.orderDependent.get(d.signature);
  return html`<section aria-labelledby="repro-h"><h2 id="repro-h">Reproduce</h2>
<p>Replay the scenario as this run stored it, against today's policies (it says which policy changed if it no longer diverges):</p>
<pre class="cmd"><code>${c.repro}</code></pre>
<p>Shrink the scenario to the fewest events that still diverge this way:</p>
<pre class="cmd"><code>${c.minimize}</code></pre>${slice ?? ''}${
    od
      ? html`
<p class="warn-box"><strong>Order-dependent:</strong> the call diverges in ${orderCount(od)} of its scenario's equal-timestamp events on different CPUs, whose order the trace leaves open. Every order:</p>
<pre class="cmd"><code>${c.ties}</code></pre>`
      : ''
  }
</section>`;
}
