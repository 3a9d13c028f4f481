/**
 * The scenario x policy matrix: one row per scenario (grouped under its trace), one column per
 * policy, each cell a verdict shown by colour and symbol. Columns come grouped by verdict vector
 * (policies that agree on every scenario side by side under one group header) or in run order.
 * Large runs are split into pages of MATRIX_ROWS_PER_PAGE scenarios.
 */
import { failureKind, isUnexpectedPass } from '../../replay/failure-kind.ts';
import { html, type SafeHtml } from '../html.ts';
import type { ReportContext, ScenarioRow } from '../report-context.ts';
import {
  assetPath,
  divergenceListPath,
  MATRIX_DATA,
  MATRIX_ROWS_PER_PAGE,
  matrixPath,
  policyPath,
  relativeUrl,
} from '../report-paths.ts';
import { traceFilter } from '../trace-numbers.ts';
import { divergenceListHref, pager } from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import { formatCount, renderPage, VERDICT_MARKS, verdictLegend } from './page-layout.ts';

export type MatrixOrder = 'grouped' | 'release';

export function matrixPageCount(ctx: ReportContext): number {
  return Math.max(1, Math.ceil(ctx.scenarios.length / MATRIX_ROWS_PER_PAGE));
}

export interface Column {
  policy: string;
  index: number;
  group: string;
  /** First column of its group (draws the group separator). */
  first: boolean;
}

export function columns(ctx: ReportContext, order: MatrixOrder): Column[] {
  const idx = new Map(ctx.policyIds.map((id, i) => [id, i]));
  if (order === 'release') {
    return ctx.policyIds.map((p, i) => ({
      policy: p,
      index: i,
      group: ctx.groupOf.get(p)?.label ?? '',
      first: false,
    }));
  }
  const out: Column[] = [];
  for (const g of ctx.groups) {
    g.policies.forEach((p, i) => {
      out.push({ policy: p, index: idx.get(p)!, group: g.label, first: i === 0 });
    });
  }
  return out;
}

/**
 * What a cell says beyond its verdict: expected beside actual (a failure the header expects is
 * known, any other unexpected), and the failed assertions and reason as a title suffix.
 */
export function cellNote(
  row: ScenarioRow,
  index: number,
): { kind: 'known' | 'unexpected' | null; expected: string | null; detail: string } {
  const v = row.verdicts[index];
  const failed = row.failed[index] ?? [];
  const reason = row.reasons[index];
  const expected = row.expected[index] ?? null;
  const kind = v
    ? (failureKind({ verdict: v, expected }) ??
      (isUnexpectedPass({ verdict: v, expected }) ? 'unexpected' : null))
    : null;
  const detail = `${failed.length ? ` (${failed.join('; ')})` : ''}${reason ? ` (${reason})` : ''}`;
  return { kind, expected, detail };
}

/** `trace`: the row's trace as a list filter (trace-numbers.ts). */
function cell(here: string, row: ScenarioRow, trace: Record<string, string>, col: Column): SafeHtml {
  const v = row.verdicts[col.index];
  const cls = col.first ? ' gstart' : '';
  if (!v) {
    return html`<td class="v v-none${cls}" data-policy="${col.policy}" title="${col.policy}: no verdict"><span class="sym">·</span></td>`;
  }
  const m = VERDICT_MARKS[v];
  const { kind, expected, detail } = cellNote(row, col.index);
  const exp = `expected ${expected ?? '(the header states none)'}`;
  const title = `${row.name} on ${col.policy}: ${m.label}${kind ? ` (${kind})` : ''}, ${exp}${detail}`;
  const content = html`<span class="sym" aria-hidden="true">${m.symbol}</span>${kind === 'unexpected' ? html`<sup class="unexp" aria-hidden="true">!</sup>` : ''}<span class="sr">${m.label}${kind ? ` (${kind})` : ''}</span>`;
  const linked =
    v !== 'pass' && row.divergences > 0
      ? html`<a href="${divergenceListHref(here, { scenario: row.name, ...trace, policy: col.policy })}">${content}</a>`
      : content;
  // A plain cell (no expectation, nothing failed) carries no title or data-expected: a large run
  // has hundreds of thousands of cells, and the column header and symbol already say it all. The
  // verdict is the cell's class (v-pass, v-fail, ...; v-none without one), not also an attribute.
  const plain = kind === null && expected === null && detail === '';
  return plain
    ? html`<td class="v v-${v}${cls}" data-policy="${col.policy}">${linked}</td>`
    : html`<td class="v v-${v}${kind ? ` v-${kind}` : ''}${cls}" data-policy="${col.policy}" data-expected="${expected ?? ''}" title="${title}">${linked}</td>`;
}

export interface MatrixPageOptions {
  /**
   * Pages after the first live in `data/matrix.js` (matrix-data.ts), shown by
   * `assets/matrix.js` in this page: the static report of a large run writes page 1 of each
   * order only, and its pager links `#page=N`.
   */
  dataPages?: boolean;
}

export function renderMatrixPage(
  ctx: ReportContext,
  env: PageEnv,
  page = 1,
  order: MatrixOrder = 'grouped',
  opts: MatrixPageOptions = {},
): string {
  const here = matrixPath(page, order);
  const pages = matrixPageCount(ctx);
  const dataPages = opts.dataPages === true && pages > 1;
  const pageHref = (n: number) =>
    dataPages
      ? `${relativeUrl(here, matrixPath(1, order))}${n > 1 ? `#page=${n}` : ''}`
      : relativeUrl(here, matrixPath(n, order));
  const rows = ctx.scenarios.slice((page - 1) * MATRIX_ROWS_PER_PAGE, page * MATRIX_ROWS_PER_PAGE);
  const cols = columns(ctx, order);
  const groupHeads: SafeHtml[] = [];
  if (order === 'grouped') {
    for (const g of ctx.groups) {
      groupHeads.push(
        html`<th scope="colgroup" colspan="${g.policies.length}" class="ghead gstart" title="${g.policies.join(', ')}">${g.label}</th>`,
      );
    }
  }
  const body: SafeHtml[] = [];
  let lastTrace: string | null = null;
  for (const r of rows) {
    const traceKey = `${r.trace}\0${r.matrix}`;
    // The trace is named once, in the heading row of its scenarios (data-trace there), and its
    // rows' links name it by number: a path in every row made a large run's matrix grow with it.
    if (traceKey !== lastTrace) {
      lastTrace = traceKey;
      body.push(
        html`<tr class="trace-row" data-trace="${r.trace}"><th scope="rowgroup" colspan="${cols.length + 2}"><code>${r.trace}</code>${r.matrix ? html` <span class="muted">[${r.matrix}]</span>` : ''}</th></tr>`,
      );
    }
    const trace = traceFilter(ctx, r.trace);
    const list = divergenceListHref(here, { scenario: r.name, ...trace });
    body.push(
      html`<tr data-scenario="${r.name}"><th scope="row" class="sname"><a href="${list}">${r.name}</a></th><td class="dcount num">${
        r.divergences ? html`<a href="${list}" title="${r.roots} root">${formatCount(r.divergences)}</a>` : ''
      }</td>${cols.map((c) => cell(here, r, trace, c))}</tr>`,
    );
  }
  const other = order === 'grouped' ? 'release' : 'grouped';
  const content = html`
<h1>Scenario × policy matrix</h1>
<p class="lead">${formatCount(ctx.scenarios.length)} scenarios × ${ctx.policies.length} policies.
${
  order === 'grouped'
    ? html`Columns are grouped by verdict vector: the ${ctx.groups.length} groups (A, B, …) hold policies that agree on every scenario. <a href="${relativeUrl(here, matrixPath(page, other))}">Show run order</a>.`
    : html`Columns in run order. <a href="${relativeUrl(here, matrixPath(page, other))}">Group by verdicts</a>.`
}</p>
<p class="legend-line">Legend: ${verdictLegend()} <span class="muted">· a faded ✗ is a known failure (the trace header expects it), ✗<sup>!</sup> an unexpected one (hover a cell for expected vs actual) · the number after a scenario is its divergence count; a cell links to its divergences.</span></p>
${pager(page, pages, pageHref, 'Matrix pages')}
<div class="matrix-wrap" tabindex="0" role="region" aria-label="verdict matrix">
${
  dataPages
    ? html`<noscript><p class="muted">This page shows the first ${formatCount(MATRIX_ROWS_PER_PAGE)} scenarios; the other pages need JavaScript (or <code>pinbench serve</code>, or <code>pinbench report --pages all</code>).</p></noscript>`
    : ''
}<table class="matrix" id="matrix" data-order="${order}" data-page="${page}" data-list="${relativeUrl(here, divergenceListPath())}">
<thead>
${order === 'grouped' ? html`<tr class="groups"><th></th><th></th>${groupHeads}</tr>` : ''}
<tr class="pols"><th scope="col" class="corner">scenario</th><th scope="col" class="dcount" title="divergences">div</th>${cols.map(
    (c) =>
      html`<th scope="col" class="pol${c.first ? ' gstart' : ''}" data-policy="${c.policy}"><a href="${relativeUrl(here, policyPath(c.policy))}"><span>${c.policy}</span></a></th>`,
  )}</tr>
</thead>
<tbody>
${body}
</tbody>
</table>
</div>
${pager(page, pages, pageHref, 'Matrix pages')}
`;
  return renderPage({
    path: here,
    title: 'Matrix',
    nav: 'matrix',
    body: content,
    run: ctx.run,
    site: env.site,
    ...(dataPages ? { scripts: [MATRIX_DATA, assetPath('matrix.js')] } : {}),
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}
