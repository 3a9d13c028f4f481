/**
 * `pinbench coverage --html DIR`: an index of families and one page per family with, for every
 * file, its source lines and the hit count of each line under each release that has the file
 * (count at the line's first code character inside a function). Source text and every name go
 * through the `html` tag's escaping.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { html, joinHtml, type SafeHtml } from '../report/html.ts';
import type { CoverageReport, GroupCoverage, Tally } from './coverage.ts';

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em}
table{border-collapse:collapse}td,th{padding:0 .4em;text-align:right}
th{font-weight:600;position:sticky;top:0;background:#fff}
td.src{text-align:left;white-space:pre;font:12px ui-monospace,monospace}
td.n{color:#888;font:12px ui-monospace,monospace}
td.h{background:#e6f6e6;font:12px ui-monospace,monospace}td.z{background:#fbe3e3;font:12px ui-monospace,monospace}
td.e{font:12px ui-monospace,monospace}
th.r{writing-mode:vertical-rl;font:11px ui-monospace,monospace}
li{font:12px ui-monospace,monospace}`;

/** A family name as a file name: the name if it is plain, else a slug. */
export function groupPage(group: string): string {
  return `${group.replace(/[^a-z0-9._-]/gi, '_')}.html`;
}

function tally(t: Tally): string {
  return t.total === 0 ? '-' : `${t.reached}/${t.total} (${Math.round((100 * t.reached) / t.total)}%)`;
}

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`.value;
}

function groupBody(g: GroupCoverage): SafeHtml {
  const summary = html`<table><tr><th>policy</th><th>functions</th><th>branches</th><th>unreached</th></tr>${g.releases.map(
    (r) =>
      html`<tr><td>${r.policy}</td><td>${tally(r.functions)}</td><td>${tally(r.branches)}</td><td>${r.unreached.length}</td></tr>`,
  )}</table>`;
  const files = g.files.map((f, fi) => {
    const rels = g.releases.filter((r) => r.files.includes(fi));
    if (rels.length === 0) return html``;
    const lines = f.source.split('\n');
    const rows = lines.map((text, li) => {
      const cells = rels.map((r) => {
        const c = r.counts[fi]!.lines[li];
        return c === null || c === undefined
          ? html`<td class="e"></td>`
          : html`<td class="${c > 0 ? 'h' : 'z'}">${c}</td>`;
      });
      return html`<tr><td class="n">${li + 1}</td>${cells}<td class="src">${text}</td></tr>`;
    });
    const unreached = rels.flatMap((r) =>
      r.unreached
        .filter((u) => u.file === f.file)
        .map((u) => html`<li>${r.policy}: ${u.what} ${u.file}:${u.line}:${u.col} ${u.name}</li>`),
    );
    return html`<h2 id="f${fi}">${f.file}</h2>
${unreached.length ? html`<details><summary>${unreached.length} unreached (by release)</summary><ul>${unreached}</ul></details>` : ''}
<table><tr><th>line</th>${rels.map((r) => html`<th class="r">${r.policy}</th>`)}<th></th></tr>${rows}</table>`;
  });
  return html`<p><a href="index.html">all families</a></p><h1>${g.group}</h1>${summary}${files}`;
}

/** Writes index.html and one page per family into `dir`; returns the number of pages. */
export async function writeCoverageHtml(r: CoverageReport, dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  for (const g of r.groups)
    await writeFile(join(dir, groupPage(g.group)), page(`coverage: ${g.group}`, groupBody(g)));
  const rows = r.groups.map((g) => {
    const cells = r.policies.map((p) => {
      const rel = g.releases.find((x) => x.policy === p);
      return rel
        ? html`<td title="${`${p}: functions ${tally(rel.functions)}`}">${tally(rel.branches)}</td>`
        : html`<td></td>`;
    });
    return html`<tr><td style="text-align:left"><a href="${groupPage(g.group)}">${g.group}</a></td>${cells}</tr>`;
  });
  const body = html`<h1>Coverage of the policy modules</h1>
<p>${r.traces.length} trace(s), ${r.scenarios} scenario(s), ${r.calls} call(s). Branch arms reached / total, per release (hover: functions).</p>
<table><tr><th>family</th>${joinHtml(r.policies.map((p) => html`<th class="r">${p}</th>`))}</tr>${rows}</table>`;
  await writeFile(join(dir, 'index.html'), page('pinbench coverage', body));
  return r.groups.length + 1;
}
