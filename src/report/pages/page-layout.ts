/**
 * The page shell every report page shares: head (with a Content-Security-Policy that allows
 * only the report's own CSS and scripts, no inline code), a header with the run and the
 * navigation, the body, and a footer. Pages are plain HTML and read without JavaScript; scripts
 * are separate files loaded with `defer`.
 */
import type { RunInfo } from '../../store/store.ts';
import { html, type SafeHtml, trustedHtml } from '../html.ts';
import {
  assetPath,
  divergenceListPath,
  KINDS_PATH,
  matrixPath,
  POLICIES_PATH,
  relativeUrl,
  SUMMARY_PATH,
} from '../report-paths.ts';

/** The policy a static report states in a meta tag; `pinbench serve` also sends it as a header. */
export const REPORT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'";

/**
 * The CSP as its meta tag's attribute value: a constant whose only markup character is `'`,
 * which a double-quoted attribute takes as it is (escaped, it cost 70 bytes on each of a large
 * report's thousands of pages).
 */
const CSP_ATTRIBUTE = trustedHtml(REPORT_CSP);

export type NavItem =
  | 'summary'
  | 'matrix'
  | 'kinds'
  | 'divergences'
  | 'policies'
  | 'runs'
  | 'triage'
  | 'diff';

/** Links outside one run's report, present when pages are served live (absolute URLs). */
export interface SiteLinks {
  runs: string;
  triage: string;
  diff: string;
  /** Where `/assets/...` live for pages outside a run (serve's top-level pages). */
  assets?: string;
}

export interface PageSpec {
  /** This page's path inside the report (for relative links), e.g. `d/ab/abcd.html`. */
  path: string;
  title: string;
  nav: NavItem | null;
  body: SafeHtml;
  /** The run, for the header; absent on serve's pages about several runs. */
  run?: RunInfo;
  /** Report-relative paths of scripts to load (deferred), in order. */
  scripts?: readonly string[];
  site?: SiteLinks | null;
  /** Extra class on <body>. */
  bodyClass?: string;
  generatedAt?: Date;
  pinbenchVersion?: string | null;
  /** The verdict legend in the footer (default true). */
  legend?: boolean;
}

/**
 * A header link. Its key (`s` summary, `m` matrix, ...) is given by report.js from the label:
 * the keys work only with that script, and the header is on each of a large report's pages.
 */
function navLink(href: string, label: string, current: boolean): SafeHtml {
  return current
    ? html`<a href="${href}" aria-current="page">${label}</a>`
    : html`<a href="${href}">${label}</a>`;
}

export function renderPage(spec: PageSpec): string {
  const inRun = spec.run !== undefined;
  const u = (to: string) => relativeUrl(spec.path, to);
  const asset = (name: string) =>
    inRun || !spec.site?.assets ? u(assetPath(name)) : `${spec.site.assets}${name}`;
  const run = spec.run;
  const nav: SafeHtml[] = [];
  if (spec.site) nav.push(navLink(spec.site.runs, 'Runs', spec.nav === 'runs'));
  if (inRun) {
    nav.push(
      navLink(u(SUMMARY_PATH), 'Summary', spec.nav === 'summary'),
      navLink(u(matrixPath()), 'Matrix', spec.nav === 'matrix'),
      navLink(u(KINDS_PATH), 'Kinds', spec.nav === 'kinds'),
      navLink(u(divergenceListPath()), 'Divergences', spec.nav === 'divergences'),
      navLink(u(POLICIES_PATH), 'Policies', spec.nav === 'policies'),
    );
  }
  if (spec.site) {
    nav.push(
      navLink(spec.site.diff, 'Diff', spec.nav === 'diff'),
      navLink(spec.site.triage, 'Triage', spec.nav === 'triage'),
    );
  }
  const scripts = [asset('report.js'), ...(spec.scripts ?? []).map((s) => u(s))];
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP_ATTRIBUTE}">
<meta name="referrer" content="no-referrer">
<title>${spec.title}${run ? ` · run ${run.id}` : ''} · pinbench</title>
<link rel="stylesheet" href="${asset('report.css')}">
${scripts.map((s) => html`<script src="${s}" defer></script>\n`)}</head>
${spec.bodyClass ? html`<body class="${spec.bodyClass}">` : html`<body>`}
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="top-inner">
<span class="brand">pinbench</span>
${
  run
    ? html`<span class="run-id">run ${run.id}</span> <span class="status status-${run.status}">${run.status}</span>`
    : ''
}
<nav aria-label="Report sections">${nav}</nav>
</div></header>
<main id="main" tabindex="-1">
${spec.body}
</main>
<footer class="foot">
  <div>${
    spec.generatedAt ? html`Generated ${formatDate(spec.generatedAt)}` : ''
  }${spec.pinbenchVersion ? html` by pinbench ${spec.pinbenchVersion}` : ''}.${
    spec.legend === false
      ? ''
      : html` Verdicts:
  ${verdictLegend()}`
  }</div>
</footer>
</body>
</html>
`;
  return body.value;
}

export function formatDate(d: Date | null | undefined): string {
  if (!d) return '';
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export const VERDICT_MARKS = {
  pass: { symbol: '✓', label: 'pass' },
  fail: { symbol: '✗', label: 'fail' },
  inconclusive: { symbol: '?', label: 'inconclusive' },
  unsupported: { symbol: '–', label: 'unsupported' },
  error: { symbol: '!', label: 'error' },
} as const;

export type VerdictName = keyof typeof VERDICT_MARKS;

/** A verdict as a coloured badge with its symbol and name (never colour alone). */
export function verdictBadge(v: VerdictName, text?: string): SafeHtml {
  const m = VERDICT_MARKS[v];
  return html`<span class="vb v-${v}"><span class="sym" aria-hidden="true">${m.symbol}</span> ${text ?? m.label}</span>`;
}

export function verdictLegend(): SafeHtml {
  return html`<span class="legend">${(Object.keys(VERDICT_MARKS) as VerdictName[]).map(
    (v) => html`${verdictBadge(v)} `,
  )}</span>`;
}

export function badge(kind: string, text: string, title?: string): SafeHtml {
  return title
    ? html`<span class="badge badge-${kind}" title="${title}">${text}</span>`
    : html`<span class="badge badge-${kind}">${text}</span>`;
}
