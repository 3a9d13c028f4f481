/**
 * Divergence kinds (replay/divergence-kind.ts): the list of a run's kinds, most frequent first,
 * and one page per kind with its title, counts, the traces it occurs in, a few example
 * occurrences (which policies fall in which class is per occurrence) and its first occurrence in
 * full (trace context, classes side by side with their decision paths). Every occurrence is in
 * the divergence list, filtered to the kind; a page per occurrence exists with
 * `report --pages all` and under `pinbench serve`.
 */
import type { DivergenceRow } from '../../store/divergence-row.ts';
import type { KindSummary } from '../../store/kind-queries.ts';
import type { StoredDivergence } from '../../store/store.ts';
import { html, type SafeHtml } from '../html.ts';
import type { ReportContext } from '../report-context.ts';
import { KINDS_PATH, kindPath, relativeUrl } from '../report-paths.ts';
import { traceFilter } from '../trace-numbers.ts';
import { classColumns, contextTable } from './divergence-page.ts';
import {
  classesText,
  divergenceFlags,
  divergenceHref,
  divergenceListHref,
  flagsHeader,
} from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import { badge, formatCount, renderPage } from './page-layout.ts';
import { reproSection } from './repro-section.ts';

/** Occurrences shown on a kind's page (its first in full). */
export const KIND_EXAMPLES = 5;

/**
 * Kinds (most frequent first) whose page shows the first occurrence in full (trace context,
 * classes with outcomes and decision paths) in a static report without `--pages all`: the rest
 * show its row among the examples. A 64 MiB synthetic run has 7,324 kinds, most seen once; full
 * detail on each made its kind pages 78 MiB of a 207 MiB report.
 */
export const KIND_FULL_PAGES = 500;

/** Traces listed on a kind page before "and N more". */
const TRACES_SHOWN = 12;

export interface KindPageOptions {
  /** Whether a page per occurrence exists to link to (`--pages all`, or served live). */
  occurrencePages: boolean;
  /** The first occurrence's minimised slice, as a paragraph (minimised-slices.ts). */
  slice?: SafeHtml;
}

/** Where a kind's first occurrence is in full when its page leaves it out (on thousands of pages: short). */
function firstElsewhere(): SafeHtml {
  return html`<p class="muted">First occurrence in full (context, outcomes, decision paths): here for the ${formatCount(KIND_FULL_PAGES)} most frequent kinds, for all with <code>pinbench report --pages all</code> or <code>pinbench serve</code>.</p>`;
}

function newBadge(ctx: ReportContext, kind: string): SafeHtml | string {
  return ctx.newKinds?.has(kind)
    ? html` ${badge('new', 'new', 'no divergence of this kind in the previous complete run')}`
    : '';
}

/** `kinds/index.html`: every kind of the run, one row each. */
export function renderKindListPage(ctx: ReportContext, env: PageEnv): string {
  const here = KINDS_PATH;
  const t = ctx.totals;
  const body = html`
<h1>Divergence kinds</h1>
<p class="lead">${formatCount(ctx.kinds.length)} kinds over ${formatCount(t.divergences)} divergences. A kind is one event (call and field shape) with one set of class outcomes, pages and counts abstracted (<code>pfn</code>, <code>new</code>, <code>zero</code>; <code>n</code>, or <code>n1 &lt; n2</code> where the classes differ in a count). Which policies fall in which class varies by occurrence.${
    ctx.newKinds
      ? html` ${formatCount(ctx.newKinds.size)} kinds are new since run ${ctx.previous?.id ?? ''}, ${formatCount(ctx.goneKinds?.length ?? 0)} gone.`
      : ''
  }</p>
${
  ctx.kinds.length
    ? html`<table class="data ktable"><thead><tr><th scope="col" class="num">occurrences</th><th scope="col" class="num">root</th><th scope="col" class="num">identities</th><th scope="col" class="num">traces</th><th scope="col">kind</th></tr></thead>
<tbody>${ctx.kinds.map(
        (k) =>
          html`<tr><td><a href="${divergenceListHref(here, { dkind: k.kind })}">${formatCount(k.count)}</a></td><td>${formatCount(k.roots)}</td><td>${formatCount(k.signatures)}</td><td>${formatCount(k.traces.length)}</td><td><a href="${relativeUrl(here, kindPath(k.kind))}">${k.title}</a>${newBadge(ctx, k.kind)}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No divergences: every policy behaved the same on every call.</p>`
}`;
  return renderPage({
    path: here,
    title: 'Divergence kinds',
    nav: 'kinds',
    body,
    run: ctx.run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}

/**
 * The examples as rows, each giving its line in its trace. A kind in one trace has it named in
 * the Traces line above; in several, a heading row names each trace before its examples. A path
 * in every row (7,390 kinds, ~2 examples each, in a 64 MiB synthetic run) made the report's
 * size grow with the length of the path the trace was recorded under.
 */
function exampleRows(
  ctx: ReportContext,
  here: string,
  examples: readonly DivergenceRow[],
  oneTrace: boolean,
  opts: KindPageOptions,
): SafeHtml {
  const rows: SafeHtml[] = [];
  let last: string | null = null;
  for (const d of examples) {
    if (!oneTrace && d.trace !== last) {
      last = d.trace;
      rows.push(
        html`<tr class="trace-row" data-trace="${d.trace}"><th scope="rowgroup" colspan="5"><code>${d.trace}</code></th></tr>`,
      );
    }
    const where = html`<code>line ${d.line}</code>`;
    rows.push(
      html`<tr><td>${divergenceFlags(ctx, d, false)}</td><td>${opts.occurrencePages ? html`<a href="${divergenceHref(here, d.signature)}">${where}</a>` : where}${
        d.matrix ? html` <span class="muted">[${d.matrix}]</span>` : ''
      }</td><td>${d.scenario} #${d.seq}</td><td class="classes">${classesText(
        d.classes.map((policies) => ({ policies })),
        ctx.policyIds,
      )}</td><td><code class="sig">${d.signature}</code></td></tr>`,
    );
  }
  return html`<table class="data dtable"><thead><tr>${flagsHeader()}<th scope="col">where</th><th scope="col">scenario</th><th scope="col">classes (this occurrence)</th><th scope="col">identity</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/**
 * `k/<ab>/<kind>.html`: `first` is the kind's first occurrence in full, `examples` its first
 * occurrences in list order as rows.
 */
export function renderKindPage(
  ctx: ReportContext,
  env: PageEnv,
  kind: KindSummary,
  first: StoredDivergence | undefined,
  examples: readonly DivergenceRow[],
  opts: KindPageOptions,
): string {
  const here = kindPath(kind.kind);
  const shownTraces = kind.traces.slice(0, TRACES_SHOWN);
  const body = html`
<nav class="crumbs" aria-label="Breadcrumb"><a href="${relativeUrl(here, KINDS_PATH)}" data-key="u">Kinds</a> › <code>${kind.event}</code></nav>
<h1>${kind.title}</h1>
<p class="dmeta">${newBadge(ctx, kind.kind)} <a href="${divergenceListHref(here, { dkind: kind.kind })}">${formatCount(kind.count)} ${kind.count === 1 ? 'occurrence' : 'occurrences'}</a> · ${formatCount(kind.roots)} root · ${formatCount(kind.signatures)} ${kind.signatures === 1 ? 'identity' : 'identities'} · in ${formatCount(kind.traces.length)} ${kind.traces.length === 1 ? 'trace' : 'traces'} · kind <code class="sig">${kind.kind}</code></p>
<p class="muted">Traces: ${shownTraces.map((t, i) => html`${i ? ', ' : ''}<a href="${divergenceListHref(here, { dkind: kind.kind, ...traceFilter(ctx, t) })}"><code>${t}</code></a>`)}${
    kind.traces.length > shownTraces.length
      ? ` and ${formatCount(kind.traces.length - shownTraces.length)} more`
      : ''
  }. Accept every identity of this kind: <code>pinbench accept --kind ${kind.kind} --note "..."</code></p>
<section aria-labelledby="ex-h"><h2 id="ex-h">${examples.length < kind.count ? `First ${examples.length} of ${formatCount(kind.count)} occurrences` : 'Occurrences'}</h2>
${exampleRows(ctx, here, examples, kind.traces.length === 1 && examples.every((d) => d.trace === kind.traces[0]), opts)}
${examples.length < kind.count ? html`<p><a href="${divergenceListHref(here, { dkind: kind.kind })}">All ${formatCount(kind.count)} occurrences</a></p>` : ''}
</section>
${
  first
    ? html`<section aria-labelledby="first-h"><h2 id="first-h">First occurrence: ${first.scenario} #${first.seq} ${divergenceFlags(ctx, first)}</h2>
${contextTable(first)}
${classColumns(ctx, here, first, true)}
</section>
${reproSection(ctx, first, opts.slice)}`
    : firstElsewhere()
}`;
  return renderPage({
    path: here,
    title: `Kind: ${kind.title}`,
    nav: 'kinds',
    body,
    run: ctx.run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
    // Thousands of kind pages: the verdict legend (no verdicts here) is left to the other pages.
    legend: false,
  });
}
