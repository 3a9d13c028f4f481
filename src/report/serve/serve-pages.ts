/**
 * The pages `pinbench serve` has beyond one run's report: the run history, a diff between two
 * runs, and the triage notes. Rendered with the same shell and helpers as the report pages.
 */
import { VERDICTS } from '../../replay/results.ts';
import type { DivergenceRow, RunDiff, RunInfo, TriageEntry } from '../../store/store.ts';
import { html, type SafeHtml } from '../html.ts';
import type { SiteLinks } from '../pages/page-layout.ts';
import { formatCount, formatDate, formatDuration, renderPage, verdictBadge } from '../pages/page-layout.ts';
import { divergencePath } from '../report-paths.ts';

const LIST_MAX = 500;

function page(
  site: SiteLinks,
  title: string,
  nav: 'runs' | 'diff' | 'triage',
  body: SafeHtml,
  version: string | null,
): string {
  return renderPage({
    path: 'index.html',
    title,
    nav,
    body,
    site,
    generatedAt: new Date(),
    pinbenchVersion: version,
  });
}

export function runUrl(id: number): string {
  return `/runs/${id}/`;
}

export function renderRunsPage(
  site: SiteLinks,
  runs: readonly RunInfo[],
  location: string,
  version: string | null,
): string {
  // The previous complete run of the same config, as nightly compares (runs are newest first).
  const previous = (i: number): RunInfo | undefined =>
    runs.slice(i + 1).find((r) => r.status === 'complete' && r.configName === runs[i]!.configName);
  const body = html`
<h1>Runs</h1>
<p class="lead">${runs.length ? html`${formatCount(runs.length)} most recent runs` : 'No runs yet'} in <code>${location}</code>. Read-only: this server never changes the database.</p>
${
  runs.length
    ? html`<table class="data runs"><thead><tr><th scope="col">run</th><th scope="col">status</th><th scope="col">started</th><th scope="col">took</th><th scope="col">config</th><th scope="col">policies at</th><th scope="col" class="num">traces</th><th scope="col" class="num">divergences</th><th scope="col" class="num">failures</th><th scope="col">compare</th></tr></thead>
<tbody>${runs.map((r, i) => {
        const prev = previous(i);
        return html`<tr><th scope="row"><a href="${runUrl(r.id)}">run ${r.id}</a></th><td><span class="status status-${r.status}">${r.status}</span></td><td>${formatDate(r.startedAt)}</td><td>${
          r.endedAt ? formatDuration(r.endedAt.getTime() - r.startedAt.getTime()) : ''
        }</td><td>${r.configName ?? html`<span class="muted">—</span>`}</td><td>${
          r.gitRevision ? html`<code>${r.gitRevision.slice(0, 12)}</code>${r.gitDirty ? '+' : ''}` : ''
        }</td><td class="num">${formatCount(r.traces)}</td><td class="num"><a href="${runUrl(r.id)}divergences/index.html">${formatCount(r.divergences)}</a></td><td class="num">${
          r.failures ? html`<span class="bad">${formatCount(r.failures)}</span>` : '0'
        }</td><td>${prev ? html`<a href="${site.diff}?a=${prev.id}&amp;b=${r.id}">vs run ${prev.id}</a>` : ''}</td></tr>`;
      })}</tbody></table>`
    : html`<p><code>pinbench run</code> makes one.</p>`
}`;
  return page(site, 'Runs', 'runs', body, version);
}

function summaryList(items: readonly DivergenceRow[], runId: number, linked: boolean): SafeHtml {
  return html`<ul class="dlist">${items
    .slice(0, LIST_MAX)
    .map(
      (x) =>
        html`<li>${
          linked
            ? html`<a href="${runUrl(runId)}${divergencePath(x.signature)}"><code>${x.trace}:${x.line}</code> ${x.scenario} #${x.seq} ${x.event}</a>`
            : html`<code>${x.trace}:${x.line}</code> ${x.scenario} #${x.seq} ${x.event}`
        }${x.root ? '' : html` <span class="badge badge-cascade">cascade</span>`} <span class="classes">${x.classes
          .map((c) => `{${c.join(', ')}}`)
          .join(' ≠ ')}</span></li>`,
    )}</ul>${items.length > LIST_MAX ? html`<p class="muted">and ${formatCount(items.length - LIST_MAX)} more</p>` : ''}`;
}

export function renderDiffPage(
  site: SiteLinks,
  a: number | null,
  b: number | null,
  diff: RunDiff | null,
  message: string | null,
  version: string | null,
): string {
  const body = html`
<h1>Diff between runs</h1>
<form class="diff-form" method="get" action="${site.diff}">
  <label>from run <input type="number" name="a" min="1" value="${a ?? ''}" required></label>
  <label>to run <input type="number" name="b" min="1" value="${b ?? ''}" required></label>
  <button type="submit">Compare</button>
</form>
${message ? html`<p class="muted">${message}</p>` : ''}
${
  diff
    ? html`<p class="lead">Run <a href="${runUrl(diff.a)}">${diff.a}</a> → run <a href="${runUrl(diff.b)}">${diff.b}</a>. Divergences are matched by signature (trace content, scenario, call and outcome classes); verdicts by trace content, scenario and policy.</p>
<ul class="cards">
  <li class="card"><span class="num">${formatCount(diff.new.length)}</span> new in run ${diff.b}</li>
  <li class="card"><span class="num">${formatCount(diff.fixed.length)}</span> gone since run ${diff.a}</li>
  <li class="card"><span class="num">${formatCount(diff.unchanged.length)}</span> unchanged</li>
  <li class="card"><span class="num">${formatCount(diff.verdictChanges.length)}</span> verdict changes</li>
</ul>
<h2>Verdict changes</h2>
${
  diff.verdictChanges.length
    ? html`<table class="data"><thead><tr><th scope="col">trace</th><th scope="col">scenario</th><th scope="col">policy</th><th scope="col">run ${diff.a}</th><th scope="col">run ${diff.b}</th></tr></thead><tbody>${diff.verdictChanges
        .slice(0, LIST_MAX)
        .map(
          (c) =>
            html`<tr><td><code>${c.trace}</code></td><td>${c.scenario}</td><td>${c.policy}</td><td>${c.before ? verdictBadge(c.before) : html`<span class="muted">not run</span>`}</td><td>${
              c.after ? verdictBadge(c.after) : html`<span class="muted">not run</span>`
            }</td></tr>`,
        )}</tbody></table>`
    : html`<p class="muted">No verdict changed.</p>`
}
<h2>New divergences (run ${diff.b})</h2>
${diff.new.length ? summaryList(diff.new, diff.b, true) : html`<p class="muted">None.</p>`}
<h2>Gone since run ${diff.a}</h2>
${diff.fixed.length ? summaryList(diff.fixed, diff.a, true) : html`<p class="muted">None.</p>`}
<p class="muted">Verdicts: ${VERDICTS.map((v) => html`${verdictBadge(v)} `)}</p>`
    : ''
}`;
  return page(site, 'Diff', 'diff', body, version);
}

export function renderTriagePage(
  site: SiteLinks,
  entries: readonly { entry: TriageEntry; runId: number | null }[],
  version: string | null,
): string {
  const body = html`
<h1>Triage notes</h1>
<p class="lead">Divergence signatures accepted with a note (<code>pinbench accept</code>). An acceptance expires when the logic of a policy it involves changes; an expired one counts as unaccepted again.</p>
${
  entries.length
    ? html`<table class="data"><thead><tr><th scope="col">signature</th><th scope="col">note</th><th scope="col">accepted</th><th scope="col">status</th></tr></thead><tbody>${entries.map(
        ({ entry: t, runId }) =>
          html`<tr><td>${
            runId !== null
              ? html`<a href="${runUrl(runId)}${divergencePath(t.signature)}"><code>${t.signature}</code></a>`
              : html`<code>${t.signature}</code>`
          }</td><td>${t.note}</td><td>${formatDate(t.acceptedAt)}</td><td>${
            t.expired
              ? html`<span class="badge badge-expired">expired</span> <span class="muted">changed: ${t.changed.join(', ')}</span>`
              : html`<span class="badge badge-accepted">in force</span>`
          }</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No acceptances yet.</p>`
}`;
  return page(site, 'Triage', 'triage', body, version);
}

export function renderErrorPage(
  site: SiteLinks,
  status: number,
  message: string,
  version: string | null,
): string {
  const body = html`<h1>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error'}</h1><p>${message}</p><p><a href="${site.runs}">All runs</a></p>`;
  return renderPage({
    path: 'index.html',
    title: String(status),
    nav: null,
    body,
    site,
    pinbenchVersion: version,
  });
}
