/**
 * The fidelity page: the kernel x case matrix of real recordings against each kernel's release
 * model (`pinbench fidelity --html DIR`), one cell per case and recording: agreed (every call's
 * return and recorded effect reproduced), a disagreement listed as known, a new disagreement, or
 * a case the kernel could not run (with its reason). The input is the part of the report
 * `fidelity()` returns that the page shows (its types are the replay stage's, so the report stage
 * imports nothing from the API layer).
 */
import { lstat, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PinbenchError } from '../../errors.ts';
import {
  effectValue,
  type FidelityCell,
  type FidelitySkip,
  type FidelityTrace,
  type KnownDisagreement,
} from '../../replay/fidelity-report.ts';
import { html, type SafeHtml } from '../html.ts';
import { ASSET_NAMES, loadAssets } from '../report-assets.ts';
import { assetPath } from '../report-paths.ts';
import { renderPage } from './page-layout.ts';

export const FIDELITY_PATH = 'fidelity.html';

/** Where a cell is: the key the page matches cells, skips and known disagreements on. */
type CellKey = 'series' | 'boot' | 'scenario' | 'seq' | 'event';

/** The parts of a fidelity report (replay/fidelity-report.ts) the page shows. */
export interface FidelityPageInput {
  traces: readonly Omit<FidelityTrace, 'error'>[];
  cells: readonly Pick<FidelityCell, CellKey | 'observed' | 'model' | 'agree' | 'effects'>[];
  skipped: readonly Pick<FidelitySkip, 'series' | 'boot' | 'scenario' | 'reason'>[];
  unexpected: readonly Pick<FidelityCell, CellKey>[];
  known: readonly Pick<KnownDisagreement, CellKey | 'observed' | 'model' | 'release' | 'why' | 'source'>[];
  stale: readonly Pick<KnownDisagreement, CellKey>[];
}

type CellState = 'agree' | 'known' | 'new' | 'skip';
const CLASS: Record<CellState, string> = {
  agree: 'v v-pass',
  known: 'v v-fail v-known',
  new: 'v v-fail v-unexpected',
  skip: 'v v-unsupported',
};
const LABEL: Record<CellState, string> = {
  agree: 'agrees',
  known: 'known',
  new: 'DISAGREES',
  skip: 'cannot run',
};

const key = (c: { series: string; boot: string; scenario: string; seq: number; event: string }) =>
  `${c.series}|${c.boot}|${c.scenario}|${c.seq}|${c.event}`;

/** The counts the run summary shows beside its link to the page. */
export function fidelitySummary(r: FidelityPageInput): {
  recordings: number;
  calls: number;
  agree: number;
  unexpected: number;
  skipped: number;
} {
  return {
    recordings: r.traces.length,
    calls: r.cells.length,
    agree: r.cells.filter((c) => c.agree).length,
    unexpected: r.unexpected.length,
    skipped: r.skipped.length,
  };
}

export function fidelityPageHtml(r: FidelityPageInput, generatedAt?: Date): string {
  const cols = [...new Map(r.traces.map((t) => [`${t.series}/${t.boot}`, t])).values()].sort(
    (a, b) => a.series.localeCompare(b.series, 'en', { numeric: true }) || a.boot.localeCompare(b.boot),
  );
  const unexpected = new Set(r.unexpected.map(key));
  const knownKeys = new Set(r.known.map(key));
  // case -> column -> state and the text of its calls
  const rows = new Map<string, Map<string, { state: CellState; text: string[] }>>();
  const cell = (scenario: string, col: string) => {
    if (!rows.has(scenario)) rows.set(scenario, new Map());
    const m = rows.get(scenario)!;
    if (!m.has(col)) m.set(col, { state: 'agree', text: [] });
    return m.get(col)!;
  };
  const rank: Record<CellState, number> = { agree: 0, skip: 1, known: 2, new: 3 };
  for (const c of r.cells) {
    const x = cell(c.scenario, `${c.series}/${c.boot}`);
    const state: CellState = c.agree
      ? 'agree'
      : unexpected.has(key(c))
        ? 'new'
        : knownKeys.has(key(c))
          ? 'known'
          : 'new';
    if (rank[state] > rank[x.state]) x.state = state;
    const effect = (c.effects ?? [])
      .map((e) => ` ${e.what} ${effectValue(e, e.kernel)}/${effectValue(e, e.model)}`)
      .join('');
    x.text.push(`#${c.seq} ${c.event}: ${c.observed}${c.agree ? '' : ` (model ${c.model})`}${effect}`);
  }
  for (const s of r.skipped) {
    const x = cell(s.scenario, `${s.series}/${s.boot}`);
    x.state = 'skip';
    x.text.push(s.reason);
  }
  const agree = r.cells.filter((c) => c.agree).length;
  const head = html`<tr><th scope="col">case</th>${cols.map(
    (t) =>
      html`<th scope="col" title="${t.kernel} · ${t.packages}">${t.series}<br>${t.boot}<br><small>${t.release}</small></th>`,
  )}</tr>`;
  const body: SafeHtml[] = [...rows.keys()].sort().map((scenario) => {
    const m = rows.get(scenario)!;
    return html`<tr><th scope="row">${scenario}</th>${cols.map((t) => {
      const x = m.get(`${t.series}/${t.boot}`);
      if (!x) return html`<td>-</td>`;
      return html`<td class="${CLASS[x.state]}" title="${x.text.join('\n')}">${LABEL[x.state]}</td>`;
    })}</tr>`;
  });
  const page = html`<h1>Fidelity: real kernels against their release models</h1>
<p>${r.traces.length} recordings, ${r.cells.length} calls with the kernel's own return: ${agree} agree,
${r.known.length} known disagreements, ${r.unexpected.length} new, ${r.skipped.length} cases the kernel could not run,
${r.stale.length} stale entries in the known list. A cell agrees when every call of the case returned what the model returns
and every recorded effect (locked_vm, refcount, gup_flags, migrated pages) matches; hover a cell for its calls.</p>
<table class="matrix fidelity"><thead>${head}</thead><tbody>${body}</tbody></table>
${
  r.known.length
    ? html`<h2>Known disagreements</h2><ul>${r.known.map(
        (k) =>
          html`<li><strong>${k.series}/${k.boot} ${k.scenario} #${k.seq} ${k.event}</strong>: kernel ${k.observed}, ${k.release} model ${k.model}: ${k.why}<pre>${k.source.join('\n')}</pre></li>`,
      )}</ul>`
    : ''
}
${
  r.stale.length
    ? html`<h2>Stale known disagreements</h2><ul>${r.stale.map(
        (k) => html`<li>${k.series}/${k.boot} ${k.scenario} #${k.seq} ${k.event}</li>`,
      )}</ul>`
    : ''
}
<h2>Recordings</h2>
<ul>${r.traces.map((t) => html`<li>${t.series}/${t.boot}: kernel ${t.kernel}, model ${t.release}, ${t.packages} (${t.trace})</li>`)}</ul>`;
  return renderPage({
    path: FIDELITY_PATH,
    title: 'Fidelity',
    nav: null,
    body: page,
    ...(generatedAt ? { generatedAt } : {}),
  });
}

/**
 * Writes `fidelity.html` and the report's assets into `dir`: a new or empty directory, or one
 * that holds only what an earlier call wrote (nothing else is ever replaced).
 */
export async function writeFidelityPage(
  dir: string,
  r: FidelityPageInput,
  generatedAt = new Date(),
): Promise<string> {
  let entries: string[] = [];
  try {
    const st = await lstat(dir);
    if (!st.isDirectory() || st.isSymbolicLink())
      throw new PinbenchError('PB_UNSAFE_PATH', `${dir}: not a real directory`);
    entries = await readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  const foreign = entries.filter((e) => e !== FIDELITY_PATH && e !== 'assets');
  if (foreign.length)
    throw new PinbenchError(
      'PB_UNSAFE_PATH',
      `${dir}: holds files the fidelity page does not (${foreign.slice(0, 5).join(', ')}): give a new or empty directory`,
    );
  await mkdir(join(dir, 'assets'), { recursive: true });
  const assets = await loadAssets();
  for (const name of ASSET_NAMES) await writeFile(join(dir, assetPath(name)), assets.get(name)!);
  const out = join(dir, FIDELITY_PATH);
  await writeFile(`${out}.tmp`, fidelityPageHtml(r, generatedAt));
  await rename(`${out}.tmp`, out);
  return out;
}
