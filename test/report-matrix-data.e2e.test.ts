/**
 * A large run's matrix in the static report: page 1 of each order is HTML, the other pages come
 * from data/matrix.js through assets/matrix.js. Every page the script shows must be the page
 * matrix-page.ts writes statically (`--pages all`, `pinbench serve`): the same rows, cells,
 * classes, titles and links. Checked in Chromium against the static pages, over a run of 1,203
 * scenarios (three pages) with every verdict, expected results, failed assertions, reasons, a
 * matrix label and names that need escaping.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../src/replay/results.ts';
import { matrixDataScript } from '../src/report/matrix-data.ts';
import { type MatrixOrder, matrixPageCount, renderMatrixPage } from '../src/report/pages/matrix-page.ts';
import { STATIC_ENV } from '../src/report/pages/page-env.ts';
import { groupByVerdicts, type PolicyGroup } from '../src/report/policy-classes.ts';
import { ASSET_NAMES, loadAssets } from '../src/report/report-assets.ts';
import type { ReportContext, ScenarioRow } from '../src/report/report-context.ts';
import { assetPath, MATRIX_DATA, matrixPath } from '../src/report/report-paths.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';

const POLICIES = ['v5.4', 'v5.10', 'v6.0-rc1', 'v6.0', 'my <module>'];
const VERDICTS: (Verdict | null)[] = ['pass', 'fail', 'unsupported', 'pass', 'inconclusive', 'error', null];

function context(): ReportContext {
  const scenarios: ScenarioRow[] = [];
  for (let i = 0; i < 1203; i++) {
    const trace = i < 700 ? 'traces/a b.trace' : 'https://example.org/x.trace?raw=1&y=<2>';
    const matrix = i < 700 ? '' : 'pte_special=0';
    const verdicts = POLICIES.map((_, p) => VERDICTS[(i * 7 + p * 3) % VERDICTS.length]!);
    scenarios.push({
      traceId: i < 700 ? 1 : 2,
      trace,
      identity: { source: trace, name: 'x', matrix },
      sha256: 'h',
      matrix,
      sidx: i,
      name: i % 97 === 0 ? `s"<&>'${i}` : `synth-${i}`,
      calls: 3,
      divergences: i % 3,
      roots: i % 2,
      verdicts,
      failed: verdicts.map((v, p) => (v === 'fail' && p % 2 ? ['ret==0 (got 1)', `warns=${i % 4}`] : [])),
      reasons: verdicts.map((v) => (v === 'inconclusive' ? 'cut: <trace> lost events' : null)),
      expected: verdicts.map((_, p) => (i % 5 === 0 ? 'fail' : i % 5 === 1 && p === 1 ? 'pass' : null)),
    });
  }
  const vectors = new Map(POLICIES.map((id, p) => [id, scenarios.map((s) => s.verdicts[p] ?? null)]));
  const groups = groupByVerdicts(POLICIES, vectors);
  const groupOf = new Map<string, PolicyGroup>();
  for (const g of groups) for (const p of g.policies) groupOf.set(p, g);
  return {
    run: { id: 7, status: 'complete', pinbenchVersion: '0.1.0', options: {} },
    generatedAt: new Date('2026-12-07T00:00:00Z'),
    policyIds: POLICIES,
    policies: POLICIES.map((id) => ({ id })),
    scenarios,
    groups,
    groupOf,
  } as unknown as ReportContext;
}

const skip = chromiumSkipReason();

describe.skipIf(skip !== null)('matrix pages from data', () => {
  let browser: Browser;
  let dir = '';
  const ctx = context();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-matrix-'));
    const write = async (path: string, text: string | Buffer) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    };
    const assets = await loadAssets();
    for (const name of ASSET_NAMES) await write(assetPath(name), assets.get(name)!);
    await write(MATRIX_DATA, matrixDataScript(ctx));
    for (const order of ['grouped', 'release'] as const) {
      // Page 1 as the static report writes it for a large run, and every page as written statically.
      await write(matrixPath(1, order), renderMatrixPage(ctx, STATIC_ENV, 1, order, { dataPages: true }));
      for (let page = 2; page <= matrixPageCount(ctx); page++) {
        await write(`static/${matrixPath(page, order)}`, renderMatrixPage(ctx, STATIC_ENV, page, order));
      }
    }
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The table body as data: every row, header cell and cell with its attributes, text and link. */
  async function tableBody(page: Page): Promise<unknown> {
    return page.evaluate(`[...document.querySelectorAll('#matrix tbody tr')].map((tr) => ({
      cls: tr.className,
      scenario: tr.getAttribute('data-scenario'),
      trace: tr.getAttribute('data-trace'),
      cells: [...tr.children].map((c) => ({
        tag: c.tagName,
        attrs: Object.fromEntries([...c.attributes].map((a) => [a.name, a.value]).sort()),
        html: c.innerHTML,
        text: c.textContent,
        links: [...c.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.getAttribute('title')]),
      })),
    }))`);
  }

  async function open(url: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    expect(errors).toEqual([]);
    return page;
  }

  for (const order of ['grouped', 'release'] as MatrixOrder[]) {
    it(`shows pages 2 and 3 (${order} order) as the static pages, and page 1 again`, async () => {
      const page = await open(pathToFileURL(join(dir, matrixPath(1, order))).href);
      const first = await tableBody(page);
      for (const n of [2, 3]) {
        await page.evaluate(`location.hash = 'page=${n}'`);
        await page.waitForSelector(`#matrix[data-page="${n}"]`);
        const shown = (await tableBody(page)) as unknown[];
        // 500 scenarios (or the 203 left) plus the trace rows.
        expect(shown.length).toBeGreaterThan(n === 2 ? 500 : 203);
        const ref = await open(pathToFileURL(join(dir, 'static', matrixPath(n, order))).href);
        expect(shown).toEqual(await tableBody(ref));
        await ref.context().close();
        // The pager marks the page shown.
        await expect(page.locator('nav.pager .cur').first().textContent()).resolves.toBe(String(n));
      }
      await page.evaluate(`location.hash = 'page=1'`);
      await page.waitForSelector('#matrix[data-page="1"]');
      expect(await tableBody(page)).toEqual(first);
      await page.context().close();
    });
  }
});
