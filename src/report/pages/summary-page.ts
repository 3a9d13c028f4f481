/**
 * The run summary (the report's index.html): what ran, verdict totals, integrity warnings,
 * what changed since the previous complete run, policy groups, traces and the first root
 * divergences. Entirely static: it reads the same without JavaScript.
 */

import { formatFailureCounts } from '../../replay/failure-kind.ts';
import { VERDICTS, type Verdict } from '../../replay/results.ts';
import type { TraceInfo, VerdictChange } from '../../store/store.ts';
import { html, type SafeHtml } from '../html.ts';
import { compressPolicySet } from '../policy-classes.ts';
import type { ReportContext, ScenarioRow } from '../report-context.ts';
import { KINDS_PATH, kindPath, matrixPath, POLICIES_PATH, SUMMARY_PATH } from '../report-paths.ts';
import { FIDELITY_PATH } from './fidelity-page.ts';
import { classesText, divergenceFlags, divergenceListHref, occurrenceHref, policyLink } from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import {
  badge,
  formatBytes,
  formatCount,
  formatDate,
  formatDuration,
  renderPage,
  VERDICT_MARKS,
  verdictBadge,
} from './page-layout.ts';

const HERE = SUMMARY_PATH;
const LIST_MAX = 25;

function verdictBar(counts: Record<Verdict, number>): SafeHtml {
  const total = VERDICTS.reduce((n, v) => n + counts[v], 0);
  if (total === 0) return html``;
  let x = 0;
  const rects: SafeHtml[] = [];
  for (const v of VERDICTS) {
    const w = (counts[v] / total) * 1000;
    if (w > 0) {
      rects.push(
        html`<rect class="bar-${v}" x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="20"><title>${VERDICT_MARKS[v].label}: ${counts[v]}</title></rect>`,
      );
    }
    x += w;
  }
  return html`<svg class="vbar" viewBox="0 0 1000 20" preserveAspectRatio="none" role="img" aria-label="verdict shares">${rects}</svg>`;
}

function integrityWarnings(ctx: ReportContext): SafeHtml {
  const items: SafeHtml[] = [];
  if (ctx.run.status !== 'complete') {
    items.push(
      html`<li>The run is <strong>${ctx.run.status}</strong>: ${
        ctx.run.status === 'running'
          ? 'it is still being written; these results are partial.'
          : ctx.run.status === 'partial'
            ? 'some traces could not be read or fetched.'
            : 'it stopped before every trace was stored (`pinbench run --resume` finishes it).'
      }</li>`,
    );
  }
  for (const t of ctx.traces) {
    if (t.error)
      items.push(
        html`<li><code>${t.trace}</code>: could not be replayed: ${t.error.message} <code>[${t.error.code}]</code></li>`,
      );
    for (const e of t.integrity.slice(0, 10)) {
      items.push(
        html`<li><code>${t.trace}:${e.line}</code> ${e.kind}${e.cpu !== null ? html` on CPU ${e.cpu}` : ''}${
          e.count !== null ? html` (${e.count} events)` : ''
        }: <code class="tl">${e.text}</code></li>`,
      );
    }
    if (t.integrity.length > 10)
      items.push(html`<li><code>${t.trace}</code>: ${t.integrity.length - 10} more integrity events</li>`);
    const skipped = skippedLines(t);
    if (skipped.length) {
      items.push(
        html`<li><code>${t.trace}</code>: lines skipped: ${skipped.map(([k, n], i) => html`${i ? ', ' : ''}${k} ×${n}`)}</li>`,
      );
    }
  }
  const inconclusive = ctx.totals.verdicts.inconclusive;
  if (inconclusive > 0) {
    items.push(
      html`<li>${inconclusive} verdict(s) are <strong>inconclusive</strong>: an expectation was decided after an integrity gap on the scenario's CPU.</li>`,
    );
  }
  if (items.length === 0) {
    return html`<section class="ok-box" aria-labelledby="integ"><h2 id="integ">Integrity</h2><p>No integrity events, unreadable traces or skipped lines.</p></section>`;
  }
  return html`<section class="warn-box" aria-labelledby="integ"><h2 id="integ">Integrity warnings</h2><ul>${items}</ul></section>`;
}

function skippedLines(t: TraceInfo): [string, number][] {
  const ingest = t.ingest as { skipped?: Record<string, number> } | null;
  return Object.entries(ingest?.skipped ?? {}).filter(([, n]) => typeof n === 'number' && n > 0);
}

/** Kinds shown on the summary, most frequent first; the kinds page lists every one. */
const KINDS_SHOWN = 10;

function kindsSection(ctx: ReportContext): SafeHtml {
  if (ctx.kinds.length === 0) return html``;
  return html`<section aria-labelledby="kinds"><h2 id="kinds">Divergence kinds</h2>
<p class="muted">${formatCount(ctx.kinds.length)} kinds over ${formatCount(ctx.totals.divergences)} divergences: one event with one set of class outcomes, pages and counts abstracted.</p>
<ol class="klist">${ctx.kinds
    .slice(0, KINDS_SHOWN)
    .map(
      (k) =>
        html`<li><a href="${kindPath(k.kind)}">${k.title}</a> <span class="muted">${formatCount(k.count)} ${k.count === 1 ? 'occurrence' : 'occurrences'} in ${formatCount(k.traces.length)} ${k.traces.length === 1 ? 'trace' : 'traces'}</span>${
          ctx.newKinds?.has(k.kind) ? html` ${badge('new', 'new', 'not in the previous complete run')}` : ''
        }</li>`,
    )}</ol>${ctx.kinds.length > KINDS_SHOWN ? html`<p><a href="${KINDS_PATH}">All ${formatCount(ctx.kinds.length)} kinds</a></p>` : ''}
</section>`;
}

function changes(ctx: ReportContext, env: PageEnv): SafeHtml {
  const prev = ctx.previous;
  if (!prev || !ctx.diff) {
    return html`<section aria-labelledby="changes"><h2 id="changes">Changes since the previous run</h2>
<p class="muted">No earlier complete run${ctx.run.configName ? html` of config <code>${ctx.run.configName}</code>` : ''} to compare with: every divergence counts as new.</p></section>`;
  }
  const d = ctx.diff;
  const prevUrl = env.runUrl(prev.id);
  const order = ctx.policyIds;
  const newRoots = d.new.filter((x) => x.root);
  // Counted as the table below lists them: a verdict both runs have that differs. Verdicts of a
  // scenario or policy only one run has are listed apart, so one page never says "70 verdict
  // changes" above "No verdict changed".
  const changedBoth = d.verdictChanges.filter((c) => c.before && c.after).length;
  return html`<section aria-labelledby="changes"><h2 id="changes">Changes since run ${
    prevUrl ? html`<a href="${prevUrl}">${prev.id}</a>` : prev.id
  }</h2>
<p class="muted">Previous complete run ${prev.id}, ${formatDate(prev.startedAt)}${
    env.site ? html` · <a href="${env.site.diff}?a=${prev.id}&amp;b=${ctx.run.id}">full diff</a>` : ''
  }.</p>
<ul class="cards">
${
  ctx.newKinds && ctx.goneKinds
    ? html`<li class="card"><a href="${KINDS_PATH}"><span class="num">${formatCount(ctx.newKinds.size)}</span> new kinds</a> <span class="sub">${formatCount(ctx.goneKinds.length)} gone, ${formatCount(ctx.kinds.length - ctx.newKinds.size)} still</span></li>`
    : ''
}
  <li class="card"><span class="num">${formatCount(d.new.length)}</span> new divergences <span class="sub">${formatCount(newRoots.length)} root</span></li>
  <li class="card"><span class="num">${formatCount(d.fixed.length)}</span> gone since</li>
  <li class="card"><span class="num">${formatCount(d.unchanged.length)}</span> unchanged</li>
  <li class="card"><span class="num">${formatCount(changedBoth)}</span> verdict changes <span class="sub">${formatCount(d.verdictChanges.length - changedBoth)} only in one run</span></li>
</ul>
${
  d.new.length
    ? html`<h3>New root divergences</h3>${
        newRoots.length
          ? html`<ul class="dlist">${newRoots.slice(0, LIST_MAX).map(
              (x) =>
                html`<li><a href="${occurrenceHref(env, HERE, x)}">${x.title}</a> <code>${x.trace}:${x.line}</code> <span class="classes">${classesText(
                  x.classes.map((policies) => ({ policies })),
                  order,
                )}</span></li>`,
            )}</ul>${newRoots.length > LIST_MAX ? html`<p><a href="${divergenceListHref(HERE, { triage: 'new', kind: 'root' })}">all ${formatCount(newRoots.length)} new root divergences</a></p>` : ''}`
          : html`<p class="muted">None: the new divergences are all cascades. <a href="${divergenceListHref(HERE, { triage: 'new' })}">List them</a>.</p>`
      }`
    : ''
}
${
  d.fixed.length
    ? html`<h3>Divergences gone since run ${prev.id}</h3><ul class="dlist">${d.fixed.slice(0, LIST_MAX).map(
        (x) =>
          html`<li><code>${x.trace}:${x.line}</code> ${x.scenario} #${x.seq} ${x.event}${x.root ? '' : ' (cascade)'} <span class="classes">${classesText(
            x.classes.map((policies) => ({ policies })),
            order,
          )}</span></li>`,
      )}</ul>${d.fixed.length > LIST_MAX ? html`<p class="muted">and ${formatCount(d.fixed.length - LIST_MAX)} more</p>` : ''}`
    : ''
}
${verdictChanges(ctx, d.verdictChanges)}
</section>`;
}

/**
 * Verdict changes: real changes (both runs have the verdict) one row each, policies in run order;
 * scenarios only one run has, one line each with their verdict counts (a new trace would
 * otherwise fill the table with "not run -> pass").
 */
function verdictChanges(ctx: ReportContext, changes: readonly VerdictChange[]): SafeHtml {
  const ord = new Map(ctx.policyIds.map((p, i) => [p, i]));
  const real = changes
    .filter((c) => c.before && c.after)
    .sort(
      (a, b) =>
        cmp(a.trace, b.trace) ||
        cmp(a.matrix, b.matrix) ||
        cmp(a.scenario, b.scenario) ||
        (ord.get(a.policy) ?? 1e9) - (ord.get(b.policy) ?? 1e9),
    );
  const grouped = (side: 'before' | 'after') => {
    const m = new Map<
      string,
      { trace: string; matrix: string; scenario: string; counts: Map<Verdict, number> }
    >();
    for (const c of changes) {
      const v = c[side];
      if (!v || c[side === 'after' ? 'before' : 'after']) continue;
      const k = `${c.trace}\0${c.matrix}\0${c.scenario}`;
      const g = m.get(k) ?? {
        trace: c.trace,
        matrix: c.matrix,
        scenario: c.scenario,
        counts: new Map<Verdict, number>(),
      };
      m.set(k, g);
      g.counts.set(v, (g.counts.get(v) ?? 0) + 1);
    }
    return [...m.values()];
  };
  const added = grouped('after');
  const removed = grouped('before');
  const regressions = real.filter((c) => c.before === 'pass' && (c.after === 'fail' || c.after === 'error'));
  const scenarioList = (title: string, list: ReturnType<typeof grouped>) =>
    list.length
      ? html`<h3>${title}</h3><ul class="dlist">${list
          .slice(0, LIST_MAX)
          .map(
            (g) =>
              html`<li><code>${g.trace}</code>${g.matrix ? html` <span class="muted">[${g.matrix}]</span>` : ''} ${g.scenario}: ${VERDICTS.filter(
                (v) => g.counts.has(v),
              ).map((v) => html`${verdictBadge(v, `${VERDICT_MARKS[v].label} ×${g.counts.get(v)}`)} `)}</li>`,
          )}</ul>${list.length > LIST_MAX ? html`<p class="muted">and ${formatCount(list.length - LIST_MAX)} more</p>` : ''}`
      : '';
  return html`${
    regressions.length
      ? html`<h3 class="bad">Regressions: ${formatCount(regressions.length)} scenario × policy passed before and fail now</h3><ul class="dlist">${regressions
          .slice(0, LIST_MAX)
          .map(
            (c) =>
              html`<li><strong>REGRESSION</strong> <code>${c.trace}</code>${c.matrix ? html` <span class="muted">[${c.matrix}]</span>` : ''} ${c.scenario} · ${policyLink(ctx, HERE, c.policy)}: ${verdictBadge('pass')} → ${verdictBadge(c.after!)}</li>`,
          )}</ul>`
      : ''
  }${
    real.length
      ? html`<h3>Verdict changes</h3><table class="data"><thead><tr><th scope="col">trace</th><th scope="col">scenario</th><th scope="col">policy</th><th scope="col">before</th><th scope="col">now</th></tr></thead><tbody>${real
          .slice(0, 100)
          .map(
            (c) =>
              html`<tr><td><code>${c.trace}</code>${c.matrix ? html` <span class="muted">[${c.matrix}]</span>` : ''}</td><td>${c.scenario}</td><td>${policyLink(ctx, HERE, c.policy)}</td><td>${verdictBadge(c.before!)}</td><td>${verdictBadge(c.after!)}</td></tr>`,
          )}</tbody></table>${real.length > 100 ? html`<p class="muted">and ${formatCount(real.length - 100)} more</p>` : ''}`
      : html`<p class="muted">No verdict changed for a scenario and policy both runs have${
          added.length || removed.length ? ' (verdicts only one run has are listed below)' : ''
        }.</p>`
  }${scenarioList('Verdicts new in this run (a scenario or policy the previous run did not have)', added)}${scenarioList(
    'Verdicts no longer given (a scenario or policy this run does not have)',
    removed,
  )}`;
}

/**
 * Scenario x policy where the baseline passes and a candidate (a policy that is not a release:
 * a user's module, an alias, a variant) fails or errs: the regressions a patch author must see
 * first, whatever the previous run said.
 */
export function baselineRegressions(ctx: ReportContext): { row: ScenarioRow; policy: string }[] {
  const b = ctx.baseline === null ? -1 : ctx.policyIds.indexOf(ctx.baseline);
  if (b < 0) return [];
  const kind = new Map(ctx.policies.map((p) => [p.id, p.kind]));
  const out: { row: ScenarioRow; policy: string }[] = [];
  for (const row of ctx.scenarios) {
    if (row.verdicts[b] !== 'pass') continue;
    ctx.policyIds.forEach((id, i) => {
      const v = row.verdicts[i];
      if (i !== b && kind.get(id) !== 'release' && (v === 'fail' || v === 'error'))
        out.push({ row, policy: id });
    });
  }
  return out;
}

function baselineSection(ctx: ReportContext): SafeHtml {
  if (ctx.baseline === null) return html``;
  const regs = baselineRegressions(ctx);
  return html`<section aria-labelledby="vs-baseline"><h2 id="vs-baseline">Against the baseline ${ctx.baseline}</h2>${
    regs.length
      ? html`<h3 class="bad">Regressions against baseline ${ctx.baseline}: ${formatCount(regs.length)} scenario × candidate the baseline passes and the candidate fails</h3><ul class="dlist">${regs
          .slice(0, LIST_MAX)
          .map(
            ({ row, policy }) =>
              html`<li><strong>REGRESSION</strong> <code>${row.trace}</code>${row.matrix ? html` <span class="muted">[${row.matrix}]</span>` : ''} ${row.name} · ${policyLink(ctx, HERE, policy)}: ${verdictBadge('pass')} on ${ctx.baseline} → ${verdictBadge(row.verdicts[ctx.policyIds.indexOf(policy)] ?? 'error')}</li>`,
          )}</ul>${regs.length > LIST_MAX ? html`<p class="muted">and ${formatCount(regs.length - LIST_MAX)} more</p>` : ''}`
      : html`<p>No candidate fails a scenario that baseline ${ctx.baseline} passes.</p>`
  }</section>`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The link to the fidelity page, with its counts, when the run replayed real recordings. */
function fidelityLine(env: PageEnv): SafeHtml | string {
  const f = env.fidelity;
  if (!f) return '';
  return html`<section aria-labelledby="fidelity-h"><h2 id="fidelity-h">Real kernels</h2>
<p class="${f.unexpected ? 'bad' : ''}"><a href="${FIDELITY_PATH}">Fidelity</a>: ${formatCount(f.recordings)} recording(s), ${formatCount(f.calls)} call(s) with the kernel's own return, ${formatCount(f.agree)} reproduced by the kernel's release model, ${formatCount(f.unexpected)} new disagreement(s), ${formatCount(f.skipped)} case(s) the kernels could not run.</p>
</section>`;
}

export function renderSummaryPage(ctx: ReportContext, env: PageEnv): string {
  const run = ctx.run;
  const t = ctx.totals;
  const order = ctx.policyIds;
  const opts = run.options as { sources?: unknown[]; policies?: unknown[] };
  const accepted = [...ctx.triage.values()].filter((x) => !x.expired).length;
  const duration = run.endedAt ? formatDuration(run.endedAt.getTime() - run.startedAt.getTime()) : '';
  const body = html`
<h1>Run ${run.id} <span class="status status-${run.status}">${run.status}</span></h1>
<dl class="meta">
  <dt>Started</dt><dd>${formatDate(run.startedAt)}${duration ? html` · took ${duration}` : ''}</dd>
  ${run.configName ? html`<dt>Config</dt><dd><code>${run.configName}</code></dd>` : ''}
  ${run.gitRevision ? html`<dt>Policies at</dt><dd><code>${run.gitRevision}</code>${run.gitDirty ? ' (with uncommitted changes)' : ''}</dd>` : ''}
  <dt>Database</dt><dd><code>${ctx.storeLocation}</code></dd>
  ${run.pinbenchVersion ? html`<dt>pinbench</dt><dd>${run.pinbenchVersion}</dd>` : ''}
  ${Array.isArray(opts.sources) ? html`<dt>Sources</dt><dd>${opts.sources.length} trace(s) given</dd>` : ''}
</dl>
<ul class="cards">
  <li class="card"><span class="num">${formatCount(t.traces)}</span> traces${t.traceErrors ? html` <span class="sub bad">${t.traceErrors} unreadable</span>` : ''}</li>
  <li class="card"><span class="num">${formatCount(t.scenarios)}</span> scenarios</li>
  <li class="card"><span class="num">${formatCount(ctx.policies.length)}</span> policies <span class="sub">${ctx.groups.length} verdict groups</span></li>
  <li class="card"><span class="num">${formatCount(t.calls)}</span> calls</li>
  <li class="card"><a href="${KINDS_PATH}"><span class="num">${formatCount(ctx.kinds.length)}</span> divergence kinds</a></li>
  <li class="card"><a href="${divergenceListHref(HERE)}"><span class="num">${formatCount(t.divergences)}</span> divergences</a> <span class="sub"><a href="${divergenceListHref(HERE, { kind: 'root' })}">${formatCount(t.rootDivergences)} root</a></span></li>
  <li class="card"><span class="num">${formatCount(t.integrityEvents)}</span> integrity events</li>
  <li class="card"><span class="num">${formatCount(accepted)}</span> accepted in triage</li>
</ul>

<section aria-labelledby="verdicts"><h2 id="verdicts">Verdicts</h2>
${verdictBar(t.verdicts)}
<table class="data totals"><thead><tr>${VERDICTS.map((v) => html`<th scope="col">${verdictBadge(v)}</th>`)}</tr></thead>
<tbody><tr>${VERDICTS.map((v) => html`<td class="num">${formatCount(t.verdicts[v])}</td>`)}</tr></tbody></table>
<p class="failures${ctx.failures.unexpected ? ' bad' : ''}">${formatFailureCounts(ctx.failures)}: a failure the trace header expects (a historical bug) is known, any other is unexpected.</p>
<p><a href="${matrixPath()}">The scenario × policy matrix</a> shows every verdict.</p>
</section>
${fidelityLine(env)}

${integrityWarnings(ctx)}

${baselineSection(ctx)}

${changes(ctx, env)}

<section aria-labelledby="groups"><h2 id="groups">Policy groups</h2>
<p class="muted">Policies whose verdicts agree on every scenario fall into one group; the matrix puts each group's columns together.</p>
<table class="data"><thead><tr><th scope="col">group</th><th scope="col">policies</th>${VERDICTS.map((v) => html`<th scope="col">${verdictBadge(v)}</th>`)}</tr></thead>
<tbody>${ctx.groups.map(
    (g) =>
      html`<tr><th scope="row">${g.label}</th><td>${g.policies.map((p, i) => html`${i ? ', ' : ''}${policyLink(ctx, HERE, p)}`)}</td>${VERDICTS.map(
        (v) => html`<td class="num">${g.counts[v] || ''}</td>`,
      )}</tr>`,
  )}</tbody></table>
<p><a href="${POLICIES_PATH}">Every policy</a> with its families and commits.</p>
</section>

${kindsSection(ctx)}

<section aria-labelledby="roots"><h2 id="roots">First root divergences</h2>
${
  ctx.firstRoots.length
    ? html`<ol class="dlist">${ctx.firstRoots
        .slice(0, 10)
        .map(
          (d) =>
            html`<li><a href="${occurrenceHref(env, HERE, d)}"><code>${d.trace}:${d.line}</code> ${d.scenario} #${d.seq} ${d.event}</a> ${divergenceFlags(ctx, d)}<br><span class="classes">${classesText(d.classes, order)}</span></li>`,
        )}</ol><p><a href="${divergenceListHref(HERE, { kind: 'root' })}">All ${formatCount(t.rootDivergences)} root divergences</a></p>`
    : html`<p class="muted">No divergences: every policy behaved the same on every call.</p>`
}
</section>

<section aria-labelledby="traces"><h2 id="traces">Traces</h2>
<table class="data"><thead><tr><th scope="col">trace</th><th scope="col">layout</th><th scope="col" class="num">size</th><th scope="col" class="num">scenarios</th><th scope="col" class="num">divergences</th><th scope="col" class="num">integrity</th><th scope="col" class="num">replay</th></tr></thead>
<tbody>${ctx.traces.map(
    (tr) =>
      html`<tr${tr.error ? html` class="row-error"` : ''}><td><code>${tr.trace}</code>${tr.matrix ? html` <span class="muted">[${tr.matrix}]</span>` : ''}${
        tr.error ? html`<br><span class="bad">${tr.error.message}</span>` : ''
      }</td><td>${tr.layout}</td><td class="num">${formatBytes(tr.bytes)}</td><td class="num">${tr.scenarios}</td><td class="num">${
        tr.divergences
          ? html`<a href="${divergenceListHref(HERE, { trace: tr.trace })}">${formatCount(tr.divergences)}</a>`
          : '0'
      }</td><td class="num">${tr.integrity.length ? html`<span class="bad">${tr.integrity.length}</span>` : '0'}</td><td class="num">${formatDuration(tr.ms)}</td></tr>`,
  )}</tbody></table>
</section>
<p class="muted">Policies in run order: ${compressPolicySet(order, order)}.</p>
`;
  return renderPage({
    path: HERE,
    title: `Run ${run.id} summary`,
    nav: 'summary',
    body,
    run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? run.pinbenchVersion,
  });
}
