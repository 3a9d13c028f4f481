/**
 * The report at scale: a run with 100k divergences (PINBENCH_BENCH_DIVERGENCES to change it),
 * stored through the store API, then
 *
 *   generate     writeHtmlReport(): every page, the list's compact index, assets
 *   interactive  Chromium (Debian's, headless) opens divergences/index.html from file:// and
 *                the list's script sets data-ready: navigation start -> data-ready, as the
 *                script measured it (performance.now() at that point); then when the call
 *                texts (a second file, loaded after that, for search) arrived
 *   filter       a scenario filter and a text search over every divergence, input -> the list
 *                re-rendered (includes the script's 60 ms input debounce)
 *   serve        the same list page from `pinbench serve` (index built on the first request,
 *                then cached)
 *
 * The divergences are real ones: the shipped corpus is replayed once against every release and
 * its divergence records (outcomes, why paths, context lines) are cloned into 100 traces x 10
 * scenarios x 1000 calls' worth (signatures, seqs and lines made unique; roots re-derived),
 * with the template scenarios' verdicts and finals.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releases } from '../policies/index.ts';
import { traceIdentity } from '../src/replay/divergence-identity.ts';
import { replayCorpus } from '../src/replay/replay-corpus.ts';
import type { ScenarioResult } from '../src/replay/replay-scenario.ts';
import type { DivergenceRecord, TraceReplayResult } from '../src/replay/results.ts';
import { startReportServer } from '../src/report/serve/report-server.ts';
import { writeHtmlReport } from '../src/report/write-html-report.ts';
import { openStore } from '../src/store/store.ts';
import { launchChromium } from '../test/support/chromium.ts';
import type { BenchOptions } from './main.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS_PER_TRACE = 10;

function hex(s: string, n = 16): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One synthetic trace result of `perScenario` x SCENARIOS_PER_TRACE divergences cloned from `pool`. */
export function synthTrace(
  t: number,
  perScenario: number,
  templates: TraceReplayResult[],
  pool: DivergenceRecord[],
): TraceReplayResult {
  const tpl = templates[t % templates.length]!;
  const trace = `bench/t${String(t).padStart(4, '0')}-${tpl.identity.name}`;
  const scenarios: ScenarioResult[] = [];
  for (let s = 0; s < SCENARIOS_PER_TRACE; s++) {
    const ts = tpl.scenarios[s % tpl.scenarios.length]!;
    const name = `${ts.scenario}-${s}`;
    const seen = new Set<string>();
    const divergences: DivergenceRecord[] = [];
    for (let k = 0; k < perScenario; k++) {
      const d = pool[(t * SCENARIOS_PER_TRACE * perScenario + s * perScenario + k) % pool.length]!;
      const line = 1000 + s * perScenario * 8 + k * 8;
      const partition = d.classes.map((c) => c.policies.join(',')).join('|');
      divergences.push({
        ...d,
        trace,
        scenario: name,
        seq: k,
        line,
        signature: hex(`${t}/${s}/${k}/${d.signature}`),
        root: !seen.has(partition),
        context: d.context.map((c) => ({ line: c.line - d.line + line, text: c.text })),
      });
      seen.add(partition);
    }
    scenarios.push({
      ...ts,
      scenario: name,
      calls: perScenario,
      outcomes: [],
      fidelity: [],
      divergences,
      verdicts: ts.verdicts.map((v) => ({ ...v, trace, scenario: name })),
      finals: ts.finals.map((f) => ({ ...f, trace, scenario: name })),
    });
  }
  return { ...tpl, identity: traceIdentity(trace), sha256: hex(`bench-trace-${t}`, 64), scenarios };
}

export async function benchReport(opts: BenchOptions): Promise<Record<string, number | string>> {
  const total = Number(process.env.PINBENCH_BENCH_DIVERGENCES ?? 100_000);
  const perScenario = 100;
  const traces = Math.max(1, Math.round(total / (SCENARIOS_PER_TRACE * perScenario)));

  const files = (await readdir(join(ROOT, 'traces')))
    .filter((f) => f.endsWith('.trace'))
    .map((f) => `traces/${f}`);
  const policies = releases();
  const corpus = await replayCorpus(files, { policySpecs: [], policies, jobs: 2, cwd: ROOT });
  const templates = corpus.filter((r) => r.scenarios.length > 0);
  const pool = corpus.flatMap((r) => r.scenarios.flatMap((s) => s.divergences));

  const store = await openStore({ db: join(opts.dir, 'db') });
  const out: Record<string, number | string> = {};
  try {
    const t0 = performance.now();
    const runId = await store.startRun({ configName: 'bench-report' });
    await store.recordPolicies(runId, policies);
    for (let t = 0; t < traces; t++)
      await store.writeTraceResult(runId, synthTrace(t, perScenario, templates, pool));
    await store.finishRun(runId, 'complete');
    const totals = await store.runTotals(runId);
    out.divergences = totals.divergences;
    out['root divergences'] = totals.rootDivergences;
    out['store (s)'] = Number(((performance.now() - t0) / 1000).toFixed(1));

    const t1 = performance.now();
    const report = await writeHtmlReport(store, runId, join(opts.dir, 'report'));
    out['generate (s)'] = Number(((performance.now() - t1) / 1000).toFixed(1));
    out['pages written'] = report.pages;
    out['report size (MiB)'] = Number((report.bytes / 2 ** 20).toFixed(0));
    const { stat } = await import('node:fs/promises');
    out['list index (MiB)'] = Number(
      ((await stat(join(report.dir, 'data/divergences.js'))).size / 2 ** 20).toFixed(1),
    );
    out['list call text (MiB)'] = Number(
      ((await stat(join(report.dir, 'data/divergence-text.js'))).size / 2 ** 20).toFixed(1),
    );

    const browser = await launchChromium();
    const server = await startReportServer({ store, port: 0 });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const ready = async (url: string): Promise<number> => {
        await page.goto(url);
        await page.waitForSelector('html[data-ready]', { timeout: 60_000 });
        return Number(await page.locator('html').getAttribute('data-ready-ms'));
      };
      const listUrl = `file://${report.dir}/divergences/index.html`;
      const fileRuns: number[] = [];
      for (let i = 0; i < 5; i++) fileRuns.push(await ready(listUrl));
      out['list interactive, file:// first (ms)'] = fileRuns[0]!;
      out['list interactive, file:// median of 5 (ms)'] = median(fileRuns);
      await page.waitForSelector('#dlist-app[data-text="loaded"]', { timeout: 60_000 });
      out['call text searchable, file:// (ms)'] = Number(
        await page.locator('#dlist-app').getAttribute('data-text-ms'),
      );

      // In-page code as strings: this project's TypeScript has no DOM library.
      const timeInput = async (field: string, value: string): Promise<number> =>
        Number(
          await page.evaluate(`new Promise((resolve) => {
            const app = document.getElementById('dlist-app');
            const el = document.getElementById(${JSON.stringify(field)});
            const v = ${JSON.stringify(value)};
            const t = performance.now();
            new MutationObserver((_, o) => {
              o.disconnect();
              resolve(performance.now() - t);
            }).observe(app, { attributes: true, attributeFilter: ['data-count'] });
            if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === v)) el.append(new Option(v, v));
            el.value = v;
            el.dispatchEvent(new Event('input', { bubbles: true }));
          })`),
        );
      const scenario = `${templates[0]!.scenarios[0]!.scenario}-0`;
      out['filter by scenario (ms, incl. 60 ms debounce)'] = Math.round(
        await timeInput('f-scenario', scenario),
      );
      out['filter matches'] = Number(await page.locator('#dlist-app').getAttribute('data-count'));
      await timeInput('f-scenario', '');
      out['search text, first (ms, incl. debounce)'] = Math.round(await timeInput('f-q', 'zero pfn'));
      out['search text, again (ms, incl. debounce)'] = Math.round(await timeInput('f-q', 'vfio_map'));
      const scroll = Number(
        await page.evaluate(`new Promise((resolve) => {
          const vp = document.getElementById('dlist-viewport');
          const t = performance.now();
          vp.scrollTop = vp.scrollHeight / 2;
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t)));
        })`),
      );
      out['scroll to the middle, two frames (ms)'] = Math.round(scroll);
      const domRows = await page.locator('.dl-row').count();
      out['list rows in the DOM'] = domRows;

      const serveUrl = `${server.url}runs/${runId}/divergences/index.html`;
      out['list interactive, serve cold (ms)'] = await ready(serveUrl);
      const warm: number[] = [];
      for (let i = 0; i < 3; i++) warm.push(await ready(serveUrl));
      out['list interactive, serve warm median (ms)'] = median(warm);

      const [d] = (await store.divergences(runId, {}, { limit: 1, after: null })).rows;
      const t2 = performance.now();
      await page.goto(`file://${report.dir}/d/${d!.signature.slice(0, 2)}/${d!.signature}.html`);
      out['divergence page load, file:// (ms)'] = Math.round(performance.now() - t2);
    } finally {
      await server.close();
      await browser.close();
    }
  } finally {
    await store.close();
  }
  return out;
}
