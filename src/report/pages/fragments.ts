/** Small pieces several pages share: links to policies and divergences, class summaries, flags. */
import type { DivergenceClass } from '../../replay/results.ts';
import { html, type SafeHtml } from '../html.ts';
import { orderCount } from '../order-dependence-text.ts';
import { compressPolicySet } from '../policy-classes.ts';
import { isAccepted, isNew, type ReportContext } from '../report-context.ts';
import { divergenceListPath, divergencePath, kindPath, policyPath, relativeUrl } from '../report-paths.ts';
import type { PageEnv } from './page-env.ts';
import { badge } from './page-layout.ts';

export function policyLink(ctx: ReportContext, here: string, id: string): SafeHtml {
  if (!ctx.policyIds.includes(id)) return html`<span class="pol">${id}</span>`;
  return html`<a class="pol" href="${relativeUrl(here, policyPath(id))}">${id}</a>`;
}

/** `{v5.4–v5.6} ≠ {v5.13, v5.18}`: each class's policies, compressed in run order. */
export function classesText(
  classes: readonly { policies: readonly string[] }[],
  order: readonly string[],
): string {
  return classes.map((c) => `{${compressPolicySet(c.policies, order)}}`).join(' ≠ ');
}

export function divergenceHref(here: string, signature: string): string {
  return relativeUrl(here, divergencePath(signature));
}

/**
 * Where a link to one divergence goes: its own page where one exists (`--pages all`, serve),
 * else its kind's page (which shows the kind's first occurrence in full), else the list.
 */
export function occurrenceHref(
  env: PageEnv,
  here: string,
  d: { signature: string; kind?: string | null | undefined },
): string {
  if (env.occurrencePages) return divergenceHref(here, d.signature);
  if (d.kind) return relativeUrl(here, kindPath(d.kind));
  return divergenceListHref(here, { q: d.signature });
}

/** The divergence list, filtered (filters live in the fragment; the list's script reads them). */
export function divergenceListHref(here: string, filters: Record<string, string> = {}): string {
  const q = new URLSearchParams(filters).toString();
  return `${relativeUrl(here, divergenceListPath())}${q ? `#${q}` : ''}`;
}

export interface DivergenceFlagsInput {
  signature: string;
  root: boolean;
}

const ROOT_TITLE = 'the first divergence between these classes in its scenario';
const CASCADE_TITLE = 'follows an earlier divergence between the same classes';

/** A table's flags column header, saying once what its rows' root and cascade badges mean. */
export function flagsHeader(): SafeHtml {
  return html`<th scope="col" title="${`root: ${ROOT_TITLE}; else cascade`}">flags</th>`;
}

/**
 * `rowTitles: false`: the root or cascade badge without its explanation, for table rows under a
 * `flagsHeader()` (a kind page per kind, each with its example rows, repeated it ~14,000 times
 * in a large report).
 */
export function divergenceFlags(ctx: ReportContext, d: DivergenceFlagsInput, rowTitles = true): SafeHtml {
  const t = ctx.triage.get(d.signature);
  return html`${
    d.root
      ? badge('root', 'root', rowTitles ? ROOT_TITLE : undefined)
      : badge('cascade', 'cascade', rowTitles ? CASCADE_TITLE : undefined)
  }${
    ctx.newSignatures !== null && isNew(ctx, d.signature)
      ? html` ${badge('new', 'new', 'not in the previous complete run')}`
      : ''
  }${
    isAccepted(ctx, d.signature)
      ? html` ${badge('accepted', 'accepted', t?.note ?? '')}`
      : t?.expired
        ? html` ${badge('expired', 'acceptance expired', `policies changed since: ${t.changed.join(', ')}`)}`
        : ''
  }${orderBadge(ctx, d.signature)}`;
}

/** Marks a divergence that occurs in some orders of equal-timestamp events only (repro-section.ts). */
export function orderBadge(ctx: ReportContext, signature: string): SafeHtml | '' {
  const od = ctx.orderDependent.get(signature);
  return od
    ? html` ${badge('order', 'order-dependent', `diverges in ${orderCount(od)} of its equal-timestamp events`)}`
    : '';
}

/** Short description of an outcome: `ret=-14 refs{zero:+1} locked_vm+4 special WARN`. */
export function outcomeText(o: DivergenceClass['outcome']): string {
  const parts = [`ret=${String(o.ret)}`];
  const refs = Object.entries(o.refs ?? {});
  if (refs.length) parts.push(`refs{${refs.map(([k, v]) => `${k}:${v > 0 ? '+' : ''}${v}`).join(',')}}`);
  const pins = Object.entries(o.pins ?? {});
  if (pins.length) parts.push(`pins{${pins.map(([k, v]) => `${k}:${v > 0 ? '+' : ''}${v}`).join(',')}}`);
  if (o.lockedVm) parts.push(`locked_vm${o.lockedVm > 0 ? '+' : ''}${o.lockedVm}`);
  if (o.special) parts.push('special');
  if (o.warn?.length) parts.push(o.warn.join('; '));
  return parts.join(' ');
}

/** Page numbers around `page` for a pager: 1, …, p-2..p+2, …, last. */
export function pagerPages(page: number, pages: number): (number | null)[] {
  const out: (number | null)[] = [];
  const add = (n: number) => {
    if (n >= 1 && n <= pages && !out.includes(n)) out.push(n);
  };
  add(1);
  if (page - 2 > 2) out.push(null);
  for (let n = page - 2; n <= page + 2; n++) add(n);
  if (page + 2 < pages - 1) out.push(null);
  add(pages);
  return out;
}

export function pager(page: number, pages: number, href: (n: number) => string, label: string): SafeHtml {
  if (pages <= 1) return html``;
  return html`<nav class="pager" aria-label="${label}">
  ${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">← previous</a>` : html`<span class="off">← previous</span>`}
  ${pagerPages(page, pages).map((n) =>
    n === null
      ? html`<span class="gap">…</span>`
      : n === page
        ? html`<span class="cur" aria-current="page">${n}</span>`
        : html`<a href="${href(n)}">${n}</a>`,
  )}
  ${page < pages ? html`<a href="${href(page + 1)}" rel="next">next →</a>` : html`<span class="off">next →</span>`}
</nav>`;
}
