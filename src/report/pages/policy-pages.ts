/**
 * Policies as the run recorded them: a list (kind, verdict group, counts, commit), and a page
 * per policy with its metadata, family versions (and which changed from the policy before it in
 * run order), linked commits, verdict counts and the scenarios it fails.
 */
import { FAMILIES } from '../../model/kernel.ts';
import { VERDICTS, type Verdict } from '../../replay/results.ts';
import type { PolicyInfo } from '../../store/store.ts';
import { commitUrl, html, type SafeHtml, safeHref } from '../html.ts';
import type { ReportContext, ScenarioRow } from '../report-context.ts';
import { matrixPath, POLICIES_PATH, policyPath, relativeUrl } from '../report-paths.ts';
import { traceFilter } from '../trace-numbers.ts';
import { divergenceListHref, policyLink } from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import { formatCount, renderPage, VERDICT_MARKS, verdictBadge } from './page-layout.ts';

function commitLink(commit: string | null): SafeHtml {
  if (!commit) return html`<span class="muted">—</span>`;
  const url = commitUrl(commit);
  return url
    ? html`<a class="commit" href="${url}" rel="noreferrer">${commit}</a>`
    : html`<code>${commit}</code>`;
}

function verdictCounts(ctx: ReportContext, id: string): Record<Verdict, number> {
  const i = ctx.policyIds.indexOf(id);
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0, unsupported: 0, error: 0 };
  for (const s of ctx.scenarios) {
    const v = s.verdicts[i];
    if (v) counts[v]++;
  }
  return counts;
}

export function renderPolicyListPage(ctx: ReportContext, env: PageEnv): string {
  const here = POLICIES_PATH;
  const body = html`
<h1>Policies</h1>
<p class="lead">${ctx.policies.length} policies in run order. The group letter is the matrix's column group (identical verdicts on every scenario).</p>
<table class="data"><thead><tr><th scope="col">policy</th><th scope="col">kind</th><th scope="col">group</th>${VERDICTS.map(
    (v) => html`<th scope="col" class="num">${verdictBadge(v)}</th>`,
  )}<th scope="col">commit</th><th scope="col">title</th></tr></thead>
<tbody>${ctx.policies.map((p) => {
    const c = verdictCounts(ctx, p.id);
    return html`<tr><th scope="row">${policyLink(ctx, here, p.id)}</th><td>${p.kind}</td><td>${ctx.groupOf.get(p.id)?.label ?? ''}</td>${VERDICTS.map(
      (v) => html`<td class="num">${c[v] || ''}</td>`,
    )}<td>${commitLink(p.commit)}</td><td>${p.subject ?? p.title}</td></tr>`;
  })}</tbody></table>`;
  return renderPage({
    path: here,
    title: 'Policies',
    nav: 'policies',
    body,
    run: ctx.run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}

/** Failing scenarios a policy page lists (a large run has thousands; the matrix has them all). */
const FAILING_SHOWN = 500;

/**
 * The failing scenarios as table rows, each trace named once in a heading row before its
 * scenarios (as the matrix does) and its links naming it by number: 25 policies x 500 rows with
 * the path in each made a large run's policy pages grow with the path's length.
 */
function failingRows(
  ctx: ReportContext,
  here: string,
  i: number,
  p: PolicyInfo,
  failing: readonly ScenarioRow[],
): SafeHtml[] {
  const out: SafeHtml[] = [];
  let last: string | null = null;
  for (const s of failing) {
    if (s.trace !== last) {
      last = s.trace;
      out.push(
        html`<tr class="trace-row" data-trace="${s.trace}"><th scope="rowgroup" colspan="3"><code>${s.trace}</code></th></tr>`,
      );
    }
    out.push(
      html`<tr><td><a href="${divergenceListHref(here, { scenario: s.name, ...traceFilter(ctx, s.trace), policy: p.id })}">${s.name}</a>${
        s.matrix ? html` <span class="muted">[${s.matrix}]</span>` : ''
      }</td><td>${verdictBadge(s.verdicts[i]!)}</td><td>${(s.failed[i] ?? []).map((f, j) => html`${j ? html`<br>` : ''}<code>${f}</code>`)}${s.reasons[i] ? html`<br>${s.reasons[i]}` : ''}</td></tr>`,
    );
  }
  return out;
}

export function renderPolicyPage(ctx: ReportContext, env: PageEnv, p: PolicyInfo): string {
  const here = policyPath(p.id);
  const i = ctx.policyIds.indexOf(p.id);
  const prev = i > 0 ? ctx.policies[i - 1] : undefined;
  const counts = verdictCounts(ctx, p.id);
  const group = ctx.groupOf.get(p.id);
  const failing = ctx.scenarios.filter((s) => s.verdicts[i] === 'fail' || s.verdicts[i] === 'error');
  const link = safeHref(p.link);
  const rank = (f: string) => {
    const i = (FAMILIES as readonly string[]).indexOf(f);
    return i < 0 ? FAMILIES.length : i;
  };
  const families = Object.entries(p.families).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const body = html`
<nav class="crumbs" aria-label="Breadcrumb"><a href="${relativeUrl(here, POLICIES_PATH)}">Policies</a> › ${p.id}</nav>
<h1>${p.id} <span class="badge badge-kind">${p.kind}</span></h1>
<p class="lead">${p.title}</p>
<dl class="meta">
  ${p.commit ? html`<dt>Commit</dt><dd>${commitLink(p.commit)}</dd>` : ''}
  ${p.subject ? html`<dt>Subject</dt><dd>${p.subject}</dd>` : ''}
  ${p.summary ? html`<dt>Summary</dt><dd>${p.summary}</dd>` : ''}
  ${p.link ? html`<dt>Link</dt><dd>${link ? html`<a href="${link}" rel="noreferrer">${p.link}</a>` : html`<code>${p.link}</code>`}</dd>` : ''}
  <dt>Expectations of</dt><dd>${p.scopeRelease || '—'}</dd>
  ${p.source ? html`<dt>Module</dt><dd><code>${p.source}</code>${p.sourceHash ? html` <span class="muted">sha256 ${p.sourceHash.slice(0, 16)}…</span>` : ''}</dd>` : ''}
  <dt>Logic hash</dt><dd><code>${p.moduleHash ? `${p.moduleHash.slice(0, 16)}…` : '—'}</code> <span class="muted">(a triage acceptance expires when it changes)</span></dd>
  ${p.overrides.length ? html`<dt>Overrides</dt><dd>${p.overrides.map((o, j) => html`${j ? ', ' : ''}<code>${o}</code>`)}</dd>` : ''}
  ${group ? html`<dt>Verdict group</dt><dd>${group.label}: ${group.policies.map((q, j) => html`${j ? ', ' : ''}${policyLink(ctx, here, q)}`)}</dd>` : ''}
</dl>
<section aria-labelledby="fam-h"><h2 id="fam-h">Families</h2>
<p class="muted">The version of each function family this policy composes${prev ? html`; <span class="changed-mark">changed</span> marks a difference from ${policyLink(ctx, here, prev.id)}, the policy before it in run order` : ''}.</p>
<table class="data"><thead><tr><th scope="col">family</th><th scope="col">version</th><th scope="col">commit</th><th scope="col">first release</th>${prev ? html`<th scope="col">${prev.id}</th>` : ''}</tr></thead>
<tbody>${families.map(([f, v]) => {
    const before = prev?.families[f];
    const changed = prev !== undefined && (before?.id ?? null) !== v.id;
    return html`<tr${changed ? html` class="changed"` : ''}><th scope="row">${f}</th><td><code>${v.id}</code>${changed ? html` <span class="changed-mark">changed</span>` : ''}</td><td>${commitLink(v.commit)}</td><td>${v.release ?? '—'}</td>${
      prev ? html`<td><code>${before?.id ?? '—'}</code></td>` : ''
    }</tr>`;
  })}</tbody></table>
</section>
<section aria-labelledby="ver-h"><h2 id="ver-h">Verdicts</h2>
<ul class="cards">${VERDICTS.map((v) => html`<li class="card">${verdictBadge(v, VERDICT_MARKS[v].label)} <span class="num">${formatCount(counts[v])}</span></li>`)}</ul>
<p><a href="${divergenceListHref(here, { policy: p.id })}">Divergences involving ${p.id}</a></p>
${
  failing.length
    ? html`<h3>Failing scenarios</h3>${
        failing.length > FAILING_SHOWN
          ? html`<p class="muted">The first ${formatCount(FAILING_SHOWN)} of ${formatCount(failing.length)}; <a href="${relativeUrl(here, matrixPath())}">the matrix</a> shows every one.</p>`
          : ''
      }<table class="data"><thead><tr><th scope="col">scenario (under its trace)</th><th scope="col">verdict</th><th scope="col">failed expectations</th></tr></thead><tbody>${failingRows(
        ctx,
        here,
        i,
        p,
        failing.slice(0, FAILING_SHOWN),
      )}</tbody></table>`
    : html`<p class="muted">No failing scenarios.</p>`
}
</section>`;
  return renderPage({
    path: here,
    title: `Policy ${p.id}`,
    nav: 'policies',
    body,
    run: ctx.run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}
