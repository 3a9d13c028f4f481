/**
 * One divergence: the trace lines around the call (file:line, original text), the policy
 * classes side by side with their outcomes and `why` decision paths (steps not shared by every
 * class stand out), where in run order the behaviour changes and which families (and commits)
 * change there, and the metadata of every policy involved. Every occurrence of the signature in
 * the run is listed (the same trace content under several matrix labels).
 */
import { formatRet } from '../../replay/divergence-identity.ts';
import type { DivergenceClass } from '../../replay/results.ts';
import type { StoredDivergence } from '../../store/store.ts';
import { commitUrl, html, type SafeHtml, safeHref } from '../html.ts';
import { classTransitions, compressPolicySet } from '../policy-classes.ts';
import type { ReportContext } from '../report-context.ts';
import { divergenceListPath, divergencePath, relativeUrl } from '../report-paths.ts';
import { traceFilter } from '../trace-numbers.ts';
import { divergenceFlags, divergenceHref, divergenceListHref, policyLink } from './fragments.ts';
import type { PageEnv } from './page-env.ts';
import { formatDate, renderPage } from './page-layout.ts';
import { reproSection } from './repro-section.ts';

/** A cascade's root: the first divergence of its scenario between the same classes. */
export interface RootRef {
  signature: string;
  seq: number;
  line: number;
}

export interface Neighbours {
  prev: string | null;
  next: string | null;
  /** For a cascade, its root (when known). */
  root?: RootRef | null;
}

/** The class partition of a divergence as a key: equal for a cascade and its root. */
export function partitionKey(classes: readonly { policies: readonly string[] }[]): string {
  return classes.map((c) => c.policies.join(',')).join('|');
}

/** `["zero","zero","new1"]` -> `zero ×2, new1`. */
export function compressPages(pages: readonly string[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < pages.length) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[i]) j++;
    out.push(j > i ? `${pages[i]} ×${j - i + 1}` : pages[i]!);
    i = j + 1;
  }
  return out.join(', ');
}

function deltas(m: Record<string, number> | undefined): string {
  const e = Object.entries(m ?? {});
  return e.length ? e.map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`).join(', ') : '—';
}

type OutcomeField = [label: string, value: (o: DivergenceClass['outcome']) => string];

const OUTCOME_FIELDS: OutcomeField[] = [
  ['ret', (o) => formatRet(o.ret)],
  ['pages', (o) => (o.pages?.length ? compressPages(o.pages) : '—')],
  ['refcount Δ', (o) => deltas(o.refs)],
  ['pincount Δ', (o) => deltas(o.pins)],
  ['locked_vm Δ', (o) => (o.lockedVm ? `${o.lockedVm > 0 ? '+' : ''}${o.lockedVm}` : '0')],
  ['special', (o) => (o.special ? 'yes' : 'no')],
  ['WARN/BUG', (o) => (o.warn?.length ? o.warn.join('; ') : '—')],
  ['left', (o) => (o.left === undefined ? '—' : String(o.left))],
];

/**
 * A why path with its repeated blocks collapsed: a retry loop that logs the same steps eight
 * times (numbers aside) shows them once, then how many more times they repeat.
 */
export function collapseWhy(steps: readonly string[]): { step: string; repeats?: number }[] {
  const norm = steps.map((s) => s.replace(/\d+/g, '#'));
  const out: { step: string; repeats?: number }[] = [];
  let i = 0;
  while (i < steps.length) {
    let best = { len: 0, times: 1 };
    for (let len = 1; len <= 8 && i + 2 * len <= steps.length; len++) {
      let times = 1;
      while (
        i + (times + 1) * len <= steps.length &&
        norm.slice(i, i + len).every((x, k) => x === norm[i + times * len + k])
      )
        times++;
      if (times > 1 && times * len > best.times * best.len) best = { len, times };
    }
    if (best.times > 1) {
      for (let k = 0; k < best.len; k++) out.push({ step: steps[i + k]! });
      out.push({
        step: `the ${best.len === 1 ? 'step' : `${best.len} steps`} above repeat`,
        repeats: best.times - 1,
      });
      i += best.len * best.times;
    } else out.push({ step: steps[i++]! });
  }
  return out;
}

const scenarioIndexes = new WeakMap<ReportContext, Map<string, ReportContext['scenarios'][number]>>();

/**
 * The run's scenarios by (trace, matrix, name), built once per report: a report of thousands of
 * kind pages looked each class's scenario up by a scan of every scenario.
 */
function scenarioIndex(ctx: ReportContext): Map<string, ReportContext['scenarios'][number]> {
  let index = scenarioIndexes.get(ctx);
  if (!index) {
    index = new Map();
    // The first scenario of a name wins, as the scan's find did.
    for (const s of ctx.scenarios) {
      const key = `${s.trace}\0${s.matrix}\0${s.name}`;
      if (!index.has(key)) index.set(key, s);
    }
    scenarioIndexes.set(ctx, index);
  }
  return index;
}

/** Whether the policies of a class satisfy the scenario's expectations, and what the header expects. */
function classExpectation(
  ctx: ReportContext,
  d: StoredDivergence,
  policies: readonly string[],
  compact = false,
): SafeHtml | string {
  const row = scenarioIndex(ctx).get(`${d.trace}\0${d.matrix}\0${d.scenario}`);
  if (!row) return '';
  const counts = new Map<string, string[]>();
  const expected = new Set<string>();
  for (const p of policies) {
    const i = ctx.policyIds.indexOf(p);
    if (i < 0) continue;
    const v = row.verdicts[i];
    if (!v) continue;
    counts.set(v, [...(counts.get(v) ?? []), p]);
    expected.add(row.expected[i] ?? 'not stated');
  }
  if (counts.size === 0) return '';
  const passes = counts.get('pass')?.length ?? 0;
  const total = [...counts.values()].reduce((n, l) => n + l.length, 0);
  const verdictText =
    passes === total
      ? html`<strong class="ok">satisfies the scenario's expectations</strong>`
      : passes === 0 && counts.size === 1 && counts.has('fail')
        ? html`<strong class="bad">fails the scenario's expectations</strong>`
        : html`verdicts: ${[...counts].map(([v, ps], i) => html`${i ? ', ' : ''}${v} (${compact ? compressPolicySet(ps, ctx.policyIds) : ps.join(', ')})`)}`;
  return html`<p class="class-exp">${verdictText} <span class="muted">· the trace header expects ${[...expected].join(' / ')}</span></p>`;
}

/** Decision steps every class shares, in the order of the first class. */
export function sharedSteps(classes: readonly { why: readonly string[] }[]): Set<string> {
  const shared = new Set(classes[0]?.why ?? []);
  for (const c of classes.slice(1)) {
    const mine = new Set(c.why);
    for (const s of [...shared]) if (!mine.has(s)) shared.delete(s);
  }
  return shared;
}

/**
 * The classes side by side. `omitShared`: leave out the decision steps every class shares (a kind
 * page, one of thousands in a large report, keeps the steps that tell the classes apart).
 */
export function classColumns(
  ctx: ReportContext,
  here: string,
  d: StoredDivergence,
  omitShared = false,
): SafeHtml {
  // Rows empty in every class (no pincount change, no WARN anywhere) are left out.
  const fields = OUTCOME_FIELDS.map(([label, f]) => ({
    label,
    values: d.classes.map((c) => f(c.outcome)),
  })).filter((r) => r.label === 'ret' || r.values.some((v) => v !== '—'));
  const shared = sharedSteps(d.classes);
  const steps = (why: readonly string[]) =>
    collapseWhy(why).filter((w) => !omitShared || w.repeats !== undefined || !shared.has(w.step));
  return html`${
    omitShared && shared.size
      ? html`<p class="muted">The ${shared.size} decision steps every class shares are left out; the occurrence's own page shows them.</p>`
      : ''
  }<div class="classes-grid">${d.classes.map(
    (c, ci) =>
      html`<article class="class-col">
<h3>Class ${ci + 1} <span class="muted">(${c.policies.length} ${c.policies.length === 1 ? 'policy' : 'policies'})</span></h3>
<p class="class-pols">${
        omitShared
          ? // A kind page names the policies as runs in run order (`v5.10–v7.1`): a link per
            // policy made the class lists a third of every kind page.
            compressPolicySet(c.policies, ctx.policyIds)
          : c.policies.map(
              (p, i) =>
                html`${i ? ', ' : ''}${p === 'observed' ? html`<span class="pol observed" title="what the recording kernel returned">observed</span>` : policyLink(ctx, here, p)}`,
            )
      }</p>
${classExpectation(ctx, d, c.policies, omitShared)}
<table class="outcome"><tbody>${fields.map(
        (r) =>
          html`<tr${new Set(r.values).size > 1 ? html` class="differs"` : ''}><th>${r.label}</th><td><code>${r.values[ci]!}</code></td></tr>`,
      )}</tbody></table>
<h4>Decision path <span class="muted">(${c.why.length} ${c.why.length === 1 ? 'step' : 'steps'})</span></h4>
<ol class="why">${steps(c.why).map((w) =>
        w.repeats !== undefined
          ? html`<li class="rep muted">↻ ${w.step} ${w.repeats} more time${w.repeats === 1 ? '' : 's'}</li>`
          : shared.has(w.step)
            ? html`<li class="s">${w.step}</li>`
            : html`<li>${w.step}</li>`,
      )}</ol>
</article>`,
  )}</div>`;
}

export function contextTable(d: StoredDivergence): SafeHtml {
  // A line that appears twice in the stored context (overlapping windows) is shown once.
  const seen = new Set<number>();
  const lines = (d.context?.length ? d.context : [{ line: d.line, text: d.text }]).filter((l) => {
    if (seen.has(l.line)) return false;
    seen.add(l.line);
    return true;
  });
  const firstLine = lines[0]?.line ?? d.line;
  const lastLine = lines.at(-1)?.line ?? d.line;
  return html`<figure class="ctx">
<figcaption><code>${d.trace}:${firstLine === lastLine ? firstLine : `${firstLine}–${lastLine}`}</code></figcaption>
<table class="ctx-lines"><tbody>${lines.map(
    (l) =>
      html`<tr${l.line === d.line ? html` class="cur" aria-current="true"` : ''}><th scope="row" class="ln">${l.line}</th><td><pre>${l.text}</pre></td></tr>`,
  )}</tbody></table>
</figure>`;
}

function transitionsTable(ctx: ReportContext, here: string, d: StoredDivergence): SafeHtml {
  const ts = classTransitions(
    d.classes.map((c) => c.policies),
    ctx.policies,
  );
  if (ts.length === 0) return html`<p class="muted">The classes do not meet in run order.</p>`;
  return html`<table class="data transitions"><thead><tr><th scope="col">step (run order)</th><th scope="col">classes</th><th scope="col">families that change there</th></tr></thead>
<tbody>${ts.map(
    (t) =>
      html`<tr><td>${policyLink(ctx, here, t.from)} → ${policyLink(ctx, here, t.to)}</td><td>${t.fromClass + 1} → ${t.toClass + 1}</td><td>${
        t.families.length
          ? html`<ul class="fam-changes">${t.families.map((f) => {
              const url = commitUrl(f.commit);
              return html`<li><strong>${f.family}</strong> <code>${f.from ?? '—'}</code> → <code>${f.to ?? '—'}</code>${
                url ? html` <a class="commit" href="${url}" rel="noreferrer">${f.commit}</a>` : ''
              }</li>`;
            })}</ul>`
          : html`<span class="muted">no family version changes (overrides or a variant)</span>`
      }</td></tr>`,
  )}</tbody></table>`;
}

/**
 * Metadata of the involved policies that have any of their own (aliases, variants, user modules:
 * a commit, subject, link or module). Releases have none beyond their family versions, whose
 * commits the transitions table links; their pages are one click away from the class headers.
 */
function policyMetadata(ctx: ReportContext, here: string, d: StoredDivergence): SafeHtml {
  const classOf = new Map<string, number>();
  d.classes.forEach((c, i) => {
    for (const p of c.policies) classOf.set(p, i);
  });
  const involved = ctx.policies.filter((p) => classOf.has(p.id) || d.unsupported.includes(p.id));
  const described = involved.filter((p) => p.commit || p.subject || p.link || p.source || p.summary);
  const kinds = new Map<string, number>();
  for (const p of involved) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
  const kindText = [...kinds].map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`).join(', ');
  if (described.length === 0) {
    return html`<p class="muted">${involved.length} policies (${kindText}); none carries a commit of its own: the commits are those of the family versions that change between the classes (“Where the behaviour changes”).</p>`;
  }
  return html`<p class="muted">${involved.length} policies (${kindText}); those with metadata of their own:</p>
<table class="data pmeta"><thead><tr><th scope="col">policy</th><th scope="col">class</th><th scope="col">kind</th><th scope="col">commit</th><th scope="col">subject</th></tr></thead>
<tbody>${described.map((p) => {
    const url = commitUrl(p.commit);
    const link = safeHref(p.link);
    const ci = classOf.get(p.id);
    return html`<tr><td>${policyLink(ctx, here, p.id)}</td><td>${ci === undefined ? html`<span class="muted">unsupported</span>` : ci + 1}</td><td>${p.kind}</td><td>${
      url
        ? html`<a class="commit" href="${url}" rel="noreferrer">${p.commit}</a>`
        : p.commit
          ? html`<code>${p.commit}</code>`
          : html`<span class="muted">—</span>`
    }</td><td>${p.subject ?? p.title}${p.summary ? html`<br><span class="muted">${p.summary}</span>` : ''}${link ? html` · <a href="${link}" rel="noreferrer">link</a>` : ''}</td></tr>`;
  })}</tbody></table>`;
}

function familyList(ctx: ReportContext, d: StoredDivergence): SafeHtml | string {
  const fams = ctx.families.families(d.classes.map((c) => c.policies));
  return fams.length ? html`${fams.map((f, i) => html`${i ? ', ' : ''}<strong>${f}</strong>`)}` : 'none';
}

export function renderDivergencePage(
  ctx: ReportContext,
  env: PageEnv,
  occurrences: readonly StoredDivergence[],
  neighbours: Neighbours = { prev: null, next: null },
  /** The paragraph about its minimised slice (minimised-slices.ts), when the report made one. */
  slice?: SafeHtml,
): string {
  const d = occurrences[0]!;
  const here = divergencePath(d.signature);
  const listHref = relativeUrl(here, divergenceListPath());
  const t = ctx.triage.get(d.signature);
  const body = html`
<nav class="crumbs" aria-label="Breadcrumb"><a href="${listHref}" data-key="u">Divergences</a> › <a href="${divergenceListHref(here, { scenario: d.scenario, ...traceFilter(ctx, d.trace) })}">${d.scenario}</a> › #${d.seq}</nav>
<div class="prevnext">${
    neighbours.prev
      ? html`<a href="${divergenceHref(here, neighbours.prev)}" rel="prev" data-key="[">← previous</a>`
      : html`<span class="off">← previous</span>`
  } ${neighbours.next ? html`<a href="${divergenceHref(here, neighbours.next)}" rel="next" data-key="]">next →</a>` : html`<span class="off">next →</span>`}</div>
<h1>${d.title}</h1>
<p class="dwhere"><code>${d.event}</code> at <code>${d.trace}:${d.line}</code></p>
<p class="dmeta">${divergenceFlags(ctx, d)}${
    !d.root && neighbours.root
      ? html` of <a href="${divergenceHref(here, neighbours.root.signature)}">#${neighbours.root.seq}</a>`
      : ''
  } · scenario <strong>${d.scenario}</strong> · call #${d.seq}${
    d.matrix ? html` · matrix <code>${d.matrix}</code>` : ''
  } · ${d.classes.length} classes · signature <code class="sig">${d.signature}</code></p>
${
  t
    ? html`<aside class="${t.expired ? 'warn-box' : 'ok-box'} triage"><h2>Triage</h2><p>${t.expired ? 'Accepted, but the acceptance expired: ' : 'Accepted: '}<q>${t.note}</q> <span class="muted">(${formatDate(t.acceptedAt)}${
        t.expired ? html`; changed since: ${t.changed.join(', ')}` : ''
      })</span></p></aside>`
    : ''
}
${reproSection(ctx, d, slice)}
<section aria-labelledby="ctx-h"><h2 id="ctx-h">Trace context</h2>
${contextTable(d)}
</section>
<section aria-labelledby="cls-h"><h2 id="cls-h">Policy classes side by side</h2>
<p class="muted">Outcome fields that differ between classes are highlighted; decision steps every class shares are dimmed.</p>
${classColumns(ctx, here, d)}
${
  d.unsupported.length
    ? html`<p class="unsupported">Unsupported (the release lacks the API, in no class): ${d.unsupported.map((p, i) => html`${i ? ', ' : ''}${policyLink(ctx, here, p)}`)}</p>`
    : ''
}
</section>
<section aria-labelledby="tr-h"><h2 id="tr-h">Where the behaviour changes</h2>
${
  !d.root && neighbours.root
    ? html`<p>The same classes as its root, <a href="${divergenceHref(here, neighbours.root.signature)}" data-key="r">call #${neighbours.root.seq} at line ${neighbours.root.line}</a>, which shows every step in run order. Families that change between these classes: ${familyList(ctx, d)}.</p>`
    : transitionsTable(ctx, here, d)
}
</section>
<section aria-labelledby="pm-h"><h2 id="pm-h">Policy metadata</h2>
${policyMetadata(ctx, here, d)}
</section>
${
  occurrences.length > 1
    ? html`<section aria-labelledby="occ-h"><h2 id="occ-h">Every occurrence in this run</h2><ul>${occurrences.map(
        (o) =>
          html`<li><code>${o.trace}:${o.line}</code> ${o.scenario} #${o.seq}${o.matrix ? html` <span class="muted">[${o.matrix}]</span>` : ''}</li>`,
      )}</ul></section>`
    : ''
}`;
  return renderPage({
    path: here,
    title: `${d.event} at ${d.trace}:${d.line}`,
    nav: 'divergences',
    body,
    run: ctx.run,
    site: env.site,
    generatedAt: ctx.generatedAt,
    pinbenchVersion: env.pinbenchVersion ?? ctx.run.pinbenchVersion,
  });
}
