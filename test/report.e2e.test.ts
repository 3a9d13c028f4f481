/**
 * The report end to end in headless Chromium: two real runs of the shipped corpus (the second
 * with the XSS probe trace added) in a PGlite store, one signature accepted in triage, the static
 * report of the second run opened from file://, and the same pages served live by
 * `startReportServer`. Checks the matrix (cells, symbols and colours per verdict), the filtered
 * divergence list, a divergence page (why paths, context lines), keyboard use, pages without
 * JavaScript, and that no string from a trace ever runs as markup. Screenshots go to
 * $PINBENCH_SCREENSHOTS or <tmpdir>/pinbench-test-output/.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_IDS } from '../policies/index.ts';
import { traceLabel } from '../src/replay/divergence-identity.ts';
import { collapseWhy, sharedSteps } from '../src/report/pages/divergence-page.ts';
import { compressPolicySet } from '../src/report/policy-classes.ts';
import { divergencePath, kindPath } from '../src/report/report-paths.ts';
import { type ReportServer, startReportServer } from '../src/report/serve/report-server.ts';
import {
  type HtmlReportResult,
  type RunReportResult,
  writeHtmlReport,
  writeRunReport,
} from '../src/report/write-html-report.ts';
import { reportReads } from '../src/store/report-queries.ts';
import { openStore, type Store, type StoredDivergence } from '../src/store/store.ts';
import { chromiumSkipReason, launchChromium } from './support/chromium.ts';
import { replaySources, shippedTraces, storeRun } from './support/corpus-run.ts';
import { pgliteTemplate } from './support/store-backends.ts';

// Outside the checkout (tests never write into it): $PINBENCH_SCREENSHOTS, or a fixed temp dir.
const SHOTS = process.env.PINBENCH_SCREENSHOTS || join(tmpdir(), 'pinbench-test-output');
const XSS_TRACE = 'test/fixtures/xss-probe.trace';
const XSS_SCENARIO = `xss <img src=x onerror=window.__pwned=1> "dq" 'sq' & <b>amp</b>`;
const XSS_TASK = '<script>alert(1)</script>-77';
const XSS_MARKER = `hello "dq" 'sq' & <img src=x onerror=window.__pwned=1> </pre></td><script>window.__pwned=1</script>`;

const skip = chromiumSkipReason();

describe.skipIf(skip !== null)('report in Chromium', () => {
  let tmp: string;
  let store: Store;
  let run1: number;
  let run2: number;
  let report: RunReportResult;
  let kindsReport: HtmlReportResult;
  let kindsBase: string;
  let server: ReportServer;
  let browser: Browser;
  let base: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    tmp = await mkdtemp(join(tmpdir(), 'pinbench-report-e2e-'));
    await mkdir(SHOTS, { recursive: true });
    store = await openStore({ db: join(tmp, 'db'), pgliteTemplate: await pgliteTemplate() });
    const corpus = await replaySources([...(await shippedTraces()), XSS_TRACE]);
    run1 = await storeRun(store, corpus, { only: (r) => traceLabel(r.identity) !== XSS_TRACE });
    run2 = await storeRun(store, corpus);
    const hang = await store.divergences(run2, { scenario: 'vfio-zero-ro-hang', rootOnly: true });
    await store.accept(hang.rows[0]!.signature, 'known: the v5.19-rc1 / v6.0-rc1 livelock windows <b>&</b>');
    // A page per occurrence too (--pages all): the list, divergence pages and the static list
    // pages below; the default report (a page per kind) is checked apart.
    report = await writeRunReport(store, run2, { reportsDir: join(tmp, 'reports'), pages: 'all' });
    base = `file://${join(tmp, 'reports', String(run2))}/`;
    kindsReport = await writeHtmlReport(store, run2, join(tmp, 'kinds-report'));
    kindsBase = `file://${join(tmp, 'kinds-report')}/`;
    server = await startReportServer({ store, port: 0 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function open(url: string, opts: { js?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      javaScriptEnabled: opts.js ?? true,
    });
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => dialogs.push(`pageerror: ${e.message}`));
    await page.goto(url);
    return page;
  }

  /** Nothing from the data ran: no dialog, no __pwned, no element the data could have made. */
  async function expectInert(page: Page): Promise<void> {
    await page.waitForTimeout(100);
    expect(dialogs).toEqual([]);
    // A string, evaluated in the page (this project's TypeScript has no DOM library).
    const state = await page.evaluate(`({
      pwned: window.__pwned,
      imgs: document.querySelectorAll('img').length,
      svgs: [...document.querySelectorAll('svg')].filter((s) => !s.classList.contains('vbar')).length,
      inline: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
      bold: document.querySelectorAll('main b').length,
    })`);
    expect(state).toEqual({ pwned: undefined, imgs: 0, svgs: 0, inline: 0, bold: 0 });
  }

  it('writes the report and points reports/latest at it', async () => {
    expect(report.path).toBe(join(tmp, 'reports', String(run2), 'index.html'));
    expect(report.divergences).toBe((await store.runTotals(run2)).divergences);
    expect(report.pages).toBeGreaterThan(report.divergences);
    const latest = await readFile(report.latest, 'utf8');
    expect(latest).toContain(`url=../${run2}/index.html`);
  });

  it('summary: counts, integrity warnings, changes since the previous run', async () => {
    const page = await open(`${base}index.html`);
    await expect(page.locator('h1').first().textContent()).resolves.toContain(`Run ${run2}`);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Integrity warnings');
    expect(text).toContain('traces/12-integrity-gap.trace:68');
    expect(text).toContain(`Changes since run ${run1}`);
    const totals = await store.runTotals(run2);
    expect(text).toContain(`${totals.divergences} divergences`);
    await page.screenshot({ path: join(SHOTS, 'report-summary.png'), fullPage: true });
    await expectInert(page);
    await page.context().close();
  });

  it('matrix: vfio-zero-ro-hang fails on v5.19-rc1 and v6.0-rc1 only, by symbol and colour', async () => {
    const page = await open(`${base}matrix.html`);
    const row = page.locator('tr[data-scenario="vfio-zero-ro-hang"]');
    await expect(row.count()).resolves.toBe(1);
    const cells =
      (await page.evaluate(`[...document.querySelectorAll('tr[data-scenario="vfio-zero-ro-hang"] td.v')].map((td) => ({
      policy: td.getAttribute('data-policy'),
      verdict: /(?:^| )v-(pass|fail|inconclusive|unsupported|error|none)(?: |$)/.exec(td.className)?.[1],
      symbol: td.querySelector('.sym')?.textContent,
      bg: getComputedStyle(td).backgroundColor,
    }))`)) as { policy: string; verdict: string; symbol: string; bg: string }[];
    expect(cells).toHaveLength(RELEASE_IDS.length);
    const failing = cells.filter((c) => c.verdict === 'fail').map((c) => c.policy);
    expect(failing.sort()).toEqual(['v5.19-rc1', 'v6.0-rc1']);
    expect(
      cells.filter((c) => c.verdict !== 'fail').every((c) => c.verdict === 'pass' && c.symbol === '✓'),
    ).toBe(true);
    expect(cells.filter((c) => c.verdict === 'fail').every((c) => c.symbol === '✗')).toBe(true);
    const failBg = cells.find((c) => c.verdict === 'fail')!.bg;
    const passBg = cells.find((c) => c.verdict === 'pass')!.bg;
    expect(failBg).toBe('rgb(248, 207, 180)');
    expect(passBg).toBe('rgb(211, 239, 228)');
    // Grouped columns: the two livelock releases share a verdict vector, so they sit side by side.
    const order = cells.map((c) => c.policy);
    expect(Math.abs(order.indexOf('v5.19-rc1') - order.indexOf('v6.0-rc1'))).toBe(1);
    await expect(page.locator('.legend').first().textContent()).resolves.toMatch(
      /✓ pass.*✗ fail.*\? inconclusive/s,
    );
    await page.screenshot({ path: join(SHOTS, 'report-matrix.png') });
    await expectInert(page);

    // A scenario's link names its trace by number (#t=N, the list's data has the path): the
    // list opens on that trace's divergences of the scenario, its trace filter showing the path.
    await page.locator('tr[data-scenario="vfio-zero-ro-hang"] th.sname a').click();
    await page.waitForSelector('html[data-ready]');
    expect(page.url()).toMatch(/#scenario=vfio-zero-ro-hang&t=\d+$/);
    const hang = (await store.divergences(run2, { scenario: 'vfio-zero-ro-hang' })).rows;
    expect(hang.length).toBeGreaterThan(0);
    await page.waitForSelector(`#dlist-app[data-count="${hang.length}"]`);
    await expect(page.locator('#f-trace').inputValue()).resolves.toBe(hang[0]!.trace);
    // A number the run has no trace for matches nothing.
    await page.evaluate(`location.hash = 'scenario=vfio-zero-ro-hang&t=999'`);
    await page.waitForSelector('#dlist-app[data-count="0"]');
    await page.context().close();
  });

  it('divergence list: filter to the root divergences of one scenario, then open one', async () => {
    const page = await open(`${base}divergences/index.html`);
    await page.waitForSelector('html[data-ready]');
    const all = await page.locator('#dlist-app').getAttribute('data-count');
    expect(Number(all)).toBe((await store.runTotals(run2)).divergences);
    await page.selectOption('#f-scenario', 'vfio-zero-ro-hang');
    await page.selectOption('#f-kind', 'root');
    const expected = (await store.divergences(run2, { scenario: 'vfio-zero-ro-hang', rootOnly: true })).rows;
    await page.waitForSelector(`#dlist-app[data-count="${expected.length}"]`);
    const sigs = await page
      .locator('.dl-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-signature')));
    expect(sigs).toEqual(expected.map((d) => d.signature));
    // The fragment is written 60 ms after the last change. Under load the scenario alone may be
    // applied (and written) first, and its count is already the expected one: every divergence of
    // this scenario is a root.
    await page.waitForURL(/#scenario=vfio-zero-ro-hang&kind=root$/);
    await expect(page.locator('.dl-row').first().textContent()).resolves.toContain('accepted');
    await page.screenshot({ path: join(SHOTS, 'report-list-filtered.png') });

    // Keyboard: j moves to the next row, Enter opens it.
    await page.focus('#dlist-viewport');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/${divergencePath(expected[1]!.signature)}`);
    await page.goBack();
    await page.waitForSelector('html[data-ready]');
    await page.locator('.dl-row').first().click();
    await page.waitForURL(`**/${divergencePath(expected[0]!.signature)}`);
    await checkDivergencePage(page, expected[0]!);
    await page.screenshot({ path: join(SHOTS, 'report-divergence.png'), fullPage: true });
    await expectInert(page);
    await page.context().close();
  });

  /** `commits`: a divergence page links the commits where behaviour changes; a kind page does not. */
  async function checkDivergencePage(
    page: Page,
    d: StoredDivergence,
    commits = true,
    omitShared = false,
  ): Promise<void> {
    // Context: every line with its number, the call's own line marked, text as in the trace.
    const ctx = await page.locator('table.ctx-lines tr').evaluateAll((rows) =>
      rows.map((r) => ({
        line: r.querySelector('th')?.textContent,
        text: r.querySelector('pre')?.textContent,
        cur: r.classList.contains('cur'),
      })),
    );
    expect(ctx).toEqual(
      d.context.map((c) => ({ line: String(c.line), text: c.text, cur: c.line === d.line })),
    );
    await expect(page.locator('figure.ctx figcaption').textContent()).resolves.toContain(`${d.trace}:`);
    // Classes side by side with their why paths.
    const cols = await page.locator('.class-col').evaluateAll((els) =>
      els.map((el) => ({
        policies: el.querySelector('.class-pols')?.textContent ?? '',
        why: [...el.querySelectorAll('ol.why li')].map((li) => li.textContent),
      })),
    );
    // Repeated blocks (a retry loop) are shown once, then how many more times they repeat.
    // A kind page leaves out the steps every class shares.
    const shared = omitShared ? sharedSteps(d.classes) : new Set<string>();
    expect(cols.map((c) => c.why)).toEqual(
      d.classes.map((c) =>
        collapseWhy(c.why)
          .filter((w) => w.repeats !== undefined || !shared.has(w.step))
          .map((w) =>
            w.repeats === undefined
              ? w.step
              : `↻ ${w.step} ${w.repeats} more time${w.repeats === 1 ? '' : 's'}`,
          ),
      ),
    );
    const livelock = cols[d.classes.findIndex((c) => c.policies.includes('v5.19-rc1'))];
    expect(livelock?.why.join('\n')).toContain('livelock');
    // A kind page names each class's policies as runs in run order; a divergence page links each.
    expect(cols.map((c) => c.policies)).toEqual(
      d.classes.map((c) => (omitShared ? compressPolicySet(c.policies, RELEASE_IDS) : c.policies.join(', '))),
    );
    if (!commits) return;
    // Commits link to the kernel tree.
    const links = await page.locator('a.commit').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links.length).toBeGreaterThan(0);
    for (const href of links) {
      expect(href).toMatch(
        /^https:\/\/git\.kernel\.org\/pub\/scm\/linux\/kernel\/git\/torvalds\/linux\.git\/commit\/\?id=[0-9a-f]+$/,
      );
    }
  }

  it('XSS probe: task names, scenario names and marker text show as text and never run', async () => {
    const [xss] = (await store.divergences(run2, { trace: XSS_TRACE, rootOnly: true })).rows;
    expect(xss?.scenario).toBe(XSS_SCENARIO);
    for (const url of [
      `${base}${divergencePath(xss!.signature)}`,
      `${server.url}runs/${run2}/${divergencePath(xss!.signature)}`,
    ]) {
      const page = await open(url);
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).toContain(XSS_TASK);
      expect(text).toContain(XSS_MARKER);
      expect(text).toContain(XSS_SCENARIO);
      const pre = await page.locator('table.ctx-lines pre').allTextContents();
      expect(pre.some((t) => t.includes(`${XSS_TASK} [003]`))).toBe(true);
      if (url.startsWith('file:')) await page.screenshot({ path: join(SHOTS, 'report-xss-divergence.png') });
      await expectInert(page);
      await page.context().close();
    }
    for (const url of [`${base}matrix.html`, `${base}index.html`, `${server.url}runs/${run2}/matrix.html`]) {
      const page = await open(url);
      if (url.includes('matrix')) {
        const names = await page.locator('th.sname').allTextContents();
        expect(names).toContain(XSS_SCENARIO);
      }
      await expectInert(page);
      await page.context().close();
    }
    const list = await open(
      `${base}divergences/index.html#${new URLSearchParams({ scenario: XSS_SCENARIO })}`,
    );
    await list.waitForSelector('html[data-ready]');
    await expect(list.locator('#dlist-app').getAttribute('data-count')).resolves.toBe('2');
    await expect(list.locator('.dl-row .scen').first().textContent()).resolves.toBe(XSS_SCENARIO);
    await list.waitForSelector('#dlist-app[data-text="loaded"]');
    await list.fill('#f-q', '<script>');
    await list.waitForSelector('#dlist-app[data-count="2"]');
    await list.screenshot({ path: join(SHOTS, 'report-xss-list.png') });
    await expectInert(list);
    await list.context().close();
  });

  it('kinds (the default report): kinds first on the summary, a page per kind, occurrences in the list', async () => {
    const kinds = await reportReads(store).kinds(run2);
    const totals = await store.runTotals(run2);
    expect(kinds.length).toBeGreaterThan(1);
    expect(kinds.length).toBeLessThan(totals.divergences);
    expect(kinds.reduce((n, k) => n + k.count, 0)).toBe(totals.divergences);
    expect(kindsReport.kinds).toBe(kinds.length);
    // No page per occurrence: fewer pages than divergences, none under d/.
    expect(kindsReport.pages).toBeLessThan(totals.divergences);
    await expect(readdir(join(tmp, 'kinds-report', 'd'))).rejects.toThrow();

    const summary = await open(`${kindsBase}index.html`);
    const cards = await summary.locator('.cards .card').allTextContents();
    const kindCard = cards.findIndex((c) => c.includes('divergence kinds'));
    expect(kindCard).toBeGreaterThanOrEqual(0);
    expect(kindCard).toBeLessThan(cards.findIndex((c) => /\d divergences/.test(c)));
    expect(cards[kindCard]).toContain(String(kinds.length));
    await expectInert(summary);
    await summary.context().close();

    // The kind holding the livelock: its page, its examples, its first occurrence in full.
    const hang = (await store.divergences(run2, { scenario: 'vfio-zero-ro-hang', rootOnly: true })).rows[0]!;
    const kind = kinds.find((k) => k.kind === hang.kind)!;
    const page = await open(`${kindsBase}kinds/index.html`);
    await page
      .locator(`a[href$="${kindPath(kind.kind)}"]`)
      .first()
      .click();
    await page.waitForURL(`**/${kindPath(kind.kind)}`);
    await expect(page.locator('h1').textContent()).resolves.toBe(kind.title);
    const first = (await store.divergences(run2, { kind: kind.kind }, { limit: 1 })).rows[0]!;
    await checkDivergencePage(page, first, false, true);
    // Example rows (a trace heading row precedes each trace's rows when the kind is in several).
    await expect(page.locator('#ex-h + table tbody tr:not(.trace-row)').count()).resolves.toBe(
      Math.min(5, kind.count),
    );
    await page.screenshot({ path: join(SHOTS, 'report-kind.png'), fullPage: true });
    await expectInert(page);

    // Every occurrence of the kind in the list (its data), each row opening the kind's page.
    await page.locator(`a[href*="dkind=${kind.kind}"]`).first().click();
    await page.waitForSelector('html[data-ready]');
    await page.waitForSelector(`#dlist-app[data-count="${kind.count}"]`);
    await page.locator('.dl-row').first().click();
    await page.waitForURL(`**/${kindPath(kind.kind)}`);
    await page.context().close();

    // The XSS probe's kinds: hostile scenario names and lines show as text and never run. Its
    // rarest kind lists every occurrence among its examples when it has few.
    const xssRows = (await store.divergences(run2, { trace: XSS_TRACE })).rows;
    const xssKinds = kinds.filter((k) => xssRows.some((d) => d.kind === k.kind));
    expect(xssKinds.length).toBeGreaterThan(0);
    const rarest = xssKinds.reduce((a, b) => (b.count < a.count ? b : a));
    const xssPage = await open(`${kindsBase}${kindPath(rarest.kind)}`);
    if (rarest.count <= 5)
      await expect(xssPage.locator('main').textContent()).resolves.toContain(XSS_SCENARIO);
    await expectInert(xssPage);
    await xssPage.context().close();
  });

  it('reads without JavaScript: summary, static list pages, divergence pages', async () => {
    const page = await open(`${base}index.html`, { js: false });
    await expect(page.locator('.cards .card').count()).resolves.toBeGreaterThan(4);
    await page.goto(`${base}divergences/index.html`);
    await expect(page.locator('#filters').isHidden()).resolves.toBe(true);
    const rows = await page.locator('#dlist-static table tbody tr').count();
    expect(rows).toBe(Math.min(200, (await store.runTotals(run2)).divergences));
    await page.locator('#dlist-static tbody a').first().click();
    await expect(page.locator('ol.why').count()).resolves.toBeGreaterThan(1);
    // A cascade links to its root: the first divergence of its scenario between the same classes.
    const cycles = (await store.divergences(run2, { scenario: 'vfio-zero-leak-cycles' })).rows;
    const key = (d: StoredDivergence) => d.classes.map((c) => c.policies.join(',')).join('|');
    const cascade = cycles.find((d) => !d.root)!;
    const root = cycles.find((d) => d.root && key(d) === key(cascade))!;
    await page.goto(`${base}${divergencePath(cascade.signature)}`);
    await page.locator('a[data-key="r"]').click();
    await page.waitForURL(`**/${divergencePath(root.signature)}`);
    await expect(page.locator('table.transitions').count()).resolves.toBe(1);
    await page.context().close();
  });

  it('serve: runs, a run report, a diff and the triage notes, with a strict CSP', async () => {
    const page = await open(server.url);
    const resp = await page.goto(server.url);
    expect(resp?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(resp?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(2);
    await page.screenshot({ path: join(SHOTS, 'serve-runs.png') });
    await page.click(`a[href="/runs/${run2}/"]`);
    await page.waitForURL(`**/runs/${run2}/`);
    await expect(page.locator('h1').first().textContent()).resolves.toContain(`Run ${run2}`);
    await page.click('nav a[data-key="d"]');
    await page.waitForSelector('html[data-ready]');
    await page.selectOption('#f-scenario', 'vfio-zero-ro-hang');
    await page.selectOption('#f-kind', 'root');
    const expected = (await store.divergences(run2, { scenario: 'vfio-zero-ro-hang', rootOnly: true })).rows;
    await page.waitForSelector(`#dlist-app[data-count="${expected.length}"]`);
    await page.locator('.dl-row').first().click();
    await page.waitForURL(`**/runs/${run2}/${divergencePath(expected[0]!.signature)}`);
    await checkDivergencePage(page, expected[0]!);
    await expect(page.locator('aside.triage').textContent()).resolves.toContain(
      'known: the v5.19-rc1 / v6.0-rc1 livelock windows <b>&</b>',
    );
    await expect(page.locator('a[rel="next"]').count()).resolves.toBe(1);
    await page.goto(`${server.url}diff?a=${run1}&b=${run2}`);
    const diffText = (await page.locator('main').textContent()) ?? '';
    expect(diffText).toContain(`New divergences (run ${run2})`);
    expect(diffText).toContain(XSS_SCENARIO);
    await page.screenshot({ path: join(SHOTS, 'serve-diff.png') });
    await page.goto(`${server.url}triage`);
    await expect(page.locator('main').textContent()).resolves.toContain('livelock windows <b>&</b>');
    await expectInert(page);
    await page.context().close();
  });
});
