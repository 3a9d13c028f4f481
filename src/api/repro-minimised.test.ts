/**
 * The report's minimised slices: a run of two shipped traces, its report written with the
 * minimiser. Every kind page links a slice file of the report that, replayed by itself against
 * the run's policies, diverges at the same call with the same divergence kind as the page, and
 * is no larger than the scenario; divergence pages (`--pages all`) link theirs. A second report
 * takes every slice from the cache (outside the checkout), and a spent budget is said on the
 * page instead of hiding the slice.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { pinnabilityModuleText } from '../../test/support/candidate-module.ts';
import { pgliteTemplate } from '../../test/support/store-backends.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { divergenceKind } from '../replay/divergence-kind.ts';
import { resolvePolicies } from '../replay/load-policies.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { kindSliceTargets } from '../report/minimised-slices.ts';
import { loadReportContext } from '../report/report-context.ts';
import { divergencePath, kindPath } from '../report/report-paths.ts';
import { writeRunReport } from '../report/write-html-report.ts';
import { openStore, type Store } from '../store/store.ts';
import { makeKindSlices, ReportMinimiser } from './repro-minimised.ts';
import { runJob } from './run-job.ts';

const TRACES = ['traces/01-vfio-zero-ro.trace', 'traces/05-cow-ro-longterm.trace'];
const POLICIES = ['v5.6', 'v5.18', 'v6.1', 'v6.5'].map(getPolicy);
const LINK =
  /Minimised slice: <a href="([^"]+)" download><code>[0-9a-f]+\.trace<\/code><\/a>, (\d+) -> (\d+) declarations and calls/;

/** Writes a run's report with minimiser `m` into `reportsDir`, and closes `m` whatever happens. */
function reportClosing(
  store: Parameters<typeof writeRunReport>[0],
  runId: Parameters<typeof writeRunReport>[1],
  reportsDir: string,
  m: ReportMinimiser,
  extra: Omit<Parameters<typeof writeRunReport>[2], 'reportsDir' | 'minimiser'> = {},
): ReturnType<typeof writeRunReport> {
  return writeRunReport(store, runId, { ...extra, reportsDir, minimiser: m }).finally(() => m.close());
}
describe('minimised slices in the report', () => {
  let dir: string;
  let store: Store;
  let runId: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-minimised-'));
    store = await openStore({ db: join(dir, 'db'), pgliteTemplate: await pgliteTemplate() });
    const result = await runJob({
      store,
      sources: TRACES,
      policySpecs: POLICIES.map((p) => p.id),
      policies: POLICIES,
      jobs: 0,
      cwd: process.cwd(),
    });
    runId = result.run.id;
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A minimiser of the run, with the shared cache unless `extra` says otherwise. */
  const minimiser = (extra: Partial<ConstructorParameters<typeof ReportMinimiser>[0]> = {}) =>
    new ReportMinimiser({
      store,
      runId,
      cwd: process.cwd(),
      env: { PINBENCH_CACHE: join(dir, 'cache') },
      ...extra,
    });

  it('links a slice from every kind page that diverges with the same kind by itself', async () => {
    const ctx = await loadReportContext(store, runId);
    expect(ctx.kinds.length).toBeGreaterThan(2);
    const m = minimiser();
    const report = await reportClosing(store, runId, join(dir, 'reports'), m, { pages: 'all' });
    // A slice per kind's example and per divergence page (`--pages all`), each made once.
    expect(m.counts.minimised).toBeGreaterThanOrEqual(ctx.kinds.length);
    expect(m.counts).toEqual({ minimised: m.counts.minimised, cached: 0, none: 0 });
    for (const k of ctx.kinds) {
      const page = await readFile(join(report.dir, kindPath(k.kind)), 'utf8');
      const link = LINK.exec(page);
      expect(link, k.title).not.toBeNull();
      const [, href, before, after] = link!;
      expect(Number(after)).toBeLessThanOrEqual(Number(before));
      const slice = await readFile(join(report.dir, 'k', 'xx', href!), 'utf8');
      const r = await replayTrace('-', POLICIES, {
        outcomes: false,
        ingest: { stdin: Readable.from([Buffer.from(slice)]), name: 'slice' },
        adapters: defaultAdapters,
      });
      const kinds = r.scenarios.flatMap((s) => s.divergences).map((d) => divergenceKind(d).kind);
      expect(kinds, k.title).toContain(k.kind);
    }
    // A divergence page links its own slice (the kind's example shares its file).
    const first = ctx.kinds[0]!;
    const kindPage = await readFile(join(report.dir, kindPath(first.kind)), 'utf8');
    const sig = /m\/[0-9a-f]{2}\/([0-9a-f]+)\.trace/.exec(kindPage)![1]!;
    const divPage = await readFile(join(report.dir, divergencePath(sig)), 'utf8');
    expect(divPage).toMatch(LINK);

    // Written again: every slice from the cache, none minimised.
    const again = minimiser();
    await reportClosing(store, runId, join(dir, 'reports'), again);
    expect(again.counts).toEqual({ minimised: 0, cached: ctx.kinds.length, none: 0 });
  }, 120_000);

  it("makes the kinds' slices before the report, as run does; the report then only reads them", async () => {
    const ctx = await loadReportContext(store, runId);
    const cache = { PINBENCH_CACHE: join(dir, 'run-cache') };
    const run = minimiser({ env: cache, budgetOwner: "the run's" });
    const progress: string[] = [];
    await makeKindSlices(run, store, runId, (done, total) => progress.push(`${done}/${total}`));
    const n = ctx.kinds.length;
    expect(progress[0]).toBe(`0/${n}`);
    expect(progress.at(-1)).toBe(`${n}/${n}`);
    expect(run.counts).toEqual({ minimised: n, cached: 0, none: 0 });
    // The report run writes with it asks for each slice again: made once, counted once.
    const first = await reportClosing(store, runId, join(dir, 'run-first'), run);
    expect(run.counts).toEqual({ minimised: n, cached: 0, none: 0 });
    // A later `pinbench report` (a new process, the same cache): every slice from the cache, the same pages.
    const later = minimiser({ env: cache });
    const second = await reportClosing(store, runId, join(dir, 'run-later'), later);
    expect(later.counts).toEqual({ minimised: 0, cached: n, none: 0 });
    for (const k of ctx.kinds) {
      const a = LINK.exec(await readFile(join(first.dir, kindPath(k.kind)), 'utf8'));
      const b = LINK.exec(await readFile(join(second.dir, kindPath(k.kind)), 'utf8'));
      expect(a, k.title).not.toBeNull();
      expect(b?.[0]).toBe(a![0]);
      const file = join('k', 'xx', a![1]!);
      expect(await readFile(join(second.dir, file), 'utf8')).toBe(
        await readFile(join(first.dir, file), 'utf8'),
      );
    }

    // In two worker threads (run's -j 2): the same slices. (Not cached here: under vitest a
    // policy's code, so its identity hash, differs between this thread and a worker's.)
    const threads = minimiser({ env: { PINBENCH_CACHE: join(dir, 'run-cache-threads') }, workers: 2 });
    await makeKindSlices(threads, store, runId).finally(() => threads.close());
    expect(threads.counts).toEqual({ minimised: n, cached: 0, none: 0 });
    for (const d of await kindSliceTargets(store, runId))
      expect(await threads.slice(d)).toEqual(await run.slice(d));
    const files = (await readdir(join(dir, 'run-cache', 'minimised'), { recursive: true }))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, 'run-cache', 'minimised', f));
    expect(files.length).toBe(n);

    // A cached slice its budget stopped: a report takes it as it is (and says so), a run makes it again.
    for (const f of files) {
      const v = JSON.parse(await readFile(f, 'utf8')) as { complete: boolean };
      await writeFile(f, JSON.stringify({ ...v, complete: false }));
    }
    const report = minimiser({ env: cache });
    const stopped = await reportClosing(store, runId, join(dir, 'run-stopped'), report);
    expect(report.counts).toEqual({ minimised: 0, cached: n, none: 0 });
    expect(await readFile(join(stopped.dir, kindPath(ctx.kinds[0]!.kind)), 'utf8')).toContain(
      'stopped by its time budget, so not 1-minimal',
    );
    const rerun = minimiser({ env: cache, retryIncomplete: true });
    await makeKindSlices(rerun, store, runId).finally(() => rerun.close());
    expect(rerun.counts).toEqual({ minimised: n, cached: 0, none: 0 });
    for (const f of files) expect(JSON.parse(await readFile(f, 'utf8')).complete).toBe(true);

    // The run's budget spent: its pages say whose budget it was.
    const spent = minimiser({
      env: { PINBENCH_CACHE: join(dir, 'run-empty-cache') },
      totalBudgetMs: 0,
      budgetOwner: "the run's",
    });
    await makeKindSlices(spent, store, runId);
    const none = await writeRunReport(store, runId, { reportsDir: join(dir, 'run-spent'), minimiser: spent });
    expect(spent.counts).toEqual({ minimised: 0, cached: 0, none: n });
    expect(await readFile(join(none.dir, kindPath(ctx.kinds[0]!.kind)), 'utf8')).toContain(
      'Minimised slice: none in this report (the run&#39;s time budget for minimising (0 s) was spent',
    );
  }, 120_000);

  it('says on the page when the budget left a slice unminimised', async () => {
    const m = minimiser({ env: { PINBENCH_CACHE: join(dir, 'empty-cache') }, totalBudgetMs: 0 });
    const report = await writeRunReport(store, runId, { reportsDir: join(dir, 'budget'), minimiser: m });
    const ctx = await loadReportContext(store, runId);
    expect(m.counts.none).toBe(ctx.kinds.length);
    const page = await readFile(join(report.dir, kindPath(ctx.kinds[0]!.kind)), 'utf8');
    expect(page).toContain(
      'Minimised slice: none in this report (the report&#39;s time budget for minimising',
    );
  }, 60_000);

  it("minimises a run with a user's module in a watched worker, and survives one that loops", async () => {
    const mod = join(dir, 'nothing-pinnable.ts');
    await writeFile(mod, pinnabilityModuleText(false));
    const specs = ['v5.18', mod];
    const policies = await resolvePolicies(specs, dir);
    const run = await runJob({
      store,
      sources: [TRACES[0]!],
      policySpecs: specs,
      policies,
      jobs: 0,
      cwd: dir,
    });
    // Budgets well above a module's load time on a loaded machine, far below a hang.
    const mine = (cache: string, policyTimeoutMs?: number) =>
      new ReportMinimiser({
        store,
        runId: run.run.id,
        cwd: dir,
        env: { PINBENCH_CACHE: join(dir, cache) },
        ...(policyTimeoutMs !== undefined ? { policyTimeoutMs } : {}),
      });
    const ok = mine('user-cache');
    await reportClosing(store, run.run.id, join(dir, 'user'), ok);
    expect(ok.counts.minimised).toBeGreaterThan(0);
    expect(ok.counts.none).toBe(0);

    // The module now loops in the function the divergence turns on: stopped, said on the page.
    await writeFile(mod, pinnabilityModuleText(false).replace('() => false', '() => { for (;;) {} }'));
    const looped = mine('loop-cache', 2000);
    const report = await reportClosing(store, run.run.id, join(dir, 'loop'), looped);
    expect(looped.counts.minimised).toBe(0);
    const ctx = await loadReportContext(store, run.run.id);
    const page = await readFile(join(report.dir, kindPath(ctx.kinds[0]!.kind)), 'utf8');
    expect(page).toMatch(
      /Minimised slice: none in this report \(minimising failed: nothing-pinnable exceeded 2000 ms/,
    );
  }, 120_000);
});
