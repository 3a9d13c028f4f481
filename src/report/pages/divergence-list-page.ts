/**
 * The divergence list: static pages of DIVERGENCES_PER_PAGE rows (readable without JavaScript,
 * with a pager), and on page 1 the filter bar and a windowed list that
 * `assets/divergence-list.js` fills from the compact index (data/divergences.js): only the rows
 * in view exist in the DOM, whatever the number of divergences.
 */
import type { DivergenceRow } from '../../store/divergence-row.ts';
import { html, type SafeHtml } from '../html.ts';
import type { ReportContext } from '../report-context.ts';
import {
  assetPath,
  DIVERGENCE_INDEX_DATA,
  DIVERGENCE_TEXT_DATA,
  DIVERGENCES_PER_PAGE,
  divergenceListPath,
  KINDS_PATH,
  relativeUrl,
} from '../report-paths.ts';
import { classesText, divergenceFlags, flagsHeader, occurrenceHref, pager } from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import { formatCount, renderPage } from './page-layout.ts';

export function divergenceListPageCount(total: number): number {
  return Math.max(1, Math.ceil(total / DIVERGENCES_PER_PAGE));
}

function filterBar(ctx: ReportContext): SafeHtml {
  const scenarioNames = [
    ...new Set(ctx.scenarios.filter((s) => s.divergences > 0).map((s) => s.name)),
  ].sort();
  const traces = [...new Set(ctx.scenarios.filter((s) => s.divergences > 0).map((s) => s.trace))].sort();
  const families = [...new Set(ctx.policies.flatMap((p) => Object.keys(p.families)))].sort();
  return html`<form class="filters" id="filters" hidden role="search" aria-label="Filter divergences">
  <label class="f-search">Search <input type="search" name="q" id="f-q" placeholder="trace text, event, signature…  ( / )" autocomplete="off"></label>
  <label>Trace <select name="trace" id="f-trace"><option value="">any</option>${traces.map((t) => html`<option value="${t}">${t}</option>`)}</select></label>
  <label>Scenario <select name="scenario" id="f-scenario"><option value="">any</option>${scenarioNames.map(
    (s) => html`<option value="${s}">${s}</option>`,
  )}</select></label>
  <label>Family <select name="family" id="f-family"><option value="">any</option>${families.map(
    (f) => html`<option value="${f}">${f}</option>`,
  )}</select></label>
  <label>Policy <select name="policy" id="f-policy"><option value="">any</option>${ctx.policyIds.map(
    (p) => html`<option value="${p}">${p}</option>`,
  )}</select></label>
  <label>Divergence kind <input type="text" name="dkind" id="f-dkind" placeholder="kind id" size="17" autocomplete="off" spellcheck="false"></label>
  <label>Root <select name="kind" id="f-kind"><option value="">root and cascade</option><option value="root">root only</option><option value="cascade">cascade only</option></select></label>
  <label>Triage <select name="triage" id="f-triage"><option value="">any</option><option value="new">new since previous run</option><option value="accepted">accepted</option><option value="unaccepted">not accepted</option></select></label>
  <button type="reset" id="f-reset">Clear</button>
</form>`;
}

function staticRows(
  ctx: ReportContext,
  env: PageEnv,
  here: string,
  rows: readonly DivergenceRow[],
  first: number,
): SafeHtml {
  return html`<table class="data dtable">
<thead><tr><th scope="col" class="num">#</th>${flagsHeader()}<th scope="col">where</th><th scope="col">scenario</th><th scope="col">call</th><th scope="col">classes</th></tr></thead>
<tbody>${rows.map(
    (r, i) =>
      html`<tr><td class="num">${first + i + 1}</td><td>${divergenceFlags(ctx, r, false)}</td><td><a href="${occurrenceHref(env, here, r)}"><code>${r.trace}:${r.line}</code></a>${
        r.matrix ? html` <span class="muted">[${r.matrix}]</span>` : ''
      }</td><td>${r.scenario}</td><td>#${r.seq} <code>${r.event}</code></td><td class="classes">${classesText(
        r.classes.map((policies) => ({ policies })),
        ctx.policyIds,
      )}</td></tr>`,
  )}</tbody></table>`;
}

/**
 * Page `page` (1-based) of the list, with its rows. Page 1 also carries the filter bar and the
 * windowed list, which replace the static table once the script has the index.
 */
export function renderDivergenceListPage(
  ctx: ReportContext,
  env: PageEnv,
  page: number,
  total: number,
  rows: readonly DivergenceRow[],
  /** Whether pages 2.. exist as HTML (`--pages all`, serve); else page 1 is the only one. */
  staticPages = true,
): string {
  const here = divergenceListPath(page);
  const pages = staticPages ? divergenceListPageCount(total) : 1;
  const first = (page - 1) * DIVERGENCES_PER_PAGE;
  const interactive = page === 1;
  const nav = pager(page, pages, (n) => relativeUrl(here, divergenceListPath(n)), 'Divergence pages');
  const body = html`
<h1>Divergences</h1>
<p class="lead">${formatCount(total)} divergences, ${formatCount(ctx.totals.rootDivergences)} of them root. A root divergence is the first call of its scenario where these policy classes disagree; a cascade follows an earlier one between the same classes.</p>
${
  interactive
    ? html`${filterBar(ctx)}
<div id="dlist-app" class="dlist-app" hidden data-text="${relativeUrl(here, DIVERGENCE_TEXT_DATA)}" data-root="${relativeUrl(here, '')}">
  <p class="count" id="dlist-count" aria-live="polite"></p>
  <div class="dl-head" aria-hidden="true"><span>flags</span><span>where</span><span>scenario</span><span>call</span><span>classes</span><span>families</span></div>
  <div id="dlist-viewport" class="dl-viewport" tabindex="0" role="list" aria-label="Divergences (arrow keys or j/k to move, Enter to open)"><div id="dlist-spacer" class="dl-spacer"></div></div>
</div>`
    : ''
}
<div id="dlist-static">
<p class="muted">${
    staticPages
      ? `Page ${page} of ${pages}: divergences ${formatCount(Math.min(total, first + 1))}–${formatCount(Math.min(total, first + rows.length))}.${
          interactive ? ' With JavaScript, this page filters and searches all of them.' : ''
        }`
      : html`The first ${formatCount(rows.length)} of ${formatCount(total)} divergences. With JavaScript, this page lists, filters and searches all of them; without it, <a href="${relativeUrl(here, KINDS_PATH)}">the kinds</a> cover every divergence.`
  }</p>
${nav}
${staticRows(ctx, env, here, rows, first)}
${nav}
</div>`;
  return renderPage({
    path: here,
    title: page === 1 ? 'Divergences' : `Divergences, page ${page}`,
    nav: 'divergences',
    body,
    run: ctx.run,
    site: env.site,
    scripts: interactive ? [DIVERGENCE_INDEX_DATA, assetPath('divergence-list.js')] : [],
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}
