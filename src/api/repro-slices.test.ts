/**
 * What a run keeps for repro, and what reports make of it, on a constructed race: a long-term
 * pin of the zero page on CPU 1 and a munmap of it on CPU 0 at one timestamp. In the trace's
 * order the pin comes first and the releases diverge on it; in the other order the page is gone
 * and every release agrees. The run stores the diverging scenario's slice (which replays the
 * divergence by itself) and marks both divergences order-dependent (1 of 2 orders); a trace
 * without ties gets slices but no mark. The report shows the repro and minimize commands on
 * every divergence page, and the order-dependent badge and note where they apply.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { unmapVsPinRace } from '../../test/support/race-trace.ts';
import { pgliteTemplate } from '../../test/support/store-backends.ts';
import { loadReportContext } from '../report/report-context.ts';
import { formatRunReport } from '../report/reporters/terminal-reporter.ts';
import { writeRunReport } from '../report/write-html-report.ts';
import { openStore, type Store } from '../store/store.ts';
import { reproCapsule, storedCapsule } from './repro-job.ts';
import { runJob } from './run-job.ts';

const RACE = unmapVsPinRace('memlock_pages=2048 lock_cap=0');

describe('slices and order dependence stored with a run', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-slices-'));
    store = await openStore({ db: join(dir, 'db'), pgliteTemplate: await pgliteTemplate() });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each diverging scenario, marks the order-dependent ones, and reports both', async () => {
    const race = join(dir, 'race.trace');
    await writeFile(race, RACE);
    const zero = join(dir, 'zero.trace');
    await copyFile(resolve('traces/01-vfio-zero-ro.trace'), zero);
    const policies = ['v5.6', 'v5.18', 'v6.1', 'v6.5'].map(getPolicy);
    const result = await runJob({
      store,
      sources: [race, zero],
      policySpecs: policies.map((p) => p.id),
      policies,
      jobs: 0,
      cwd: dir,
    });
    const runId = result.run.id;

    const marked = await store.orderDependentDivergences(runId);
    expect(marked.map((o) => [o.line, o.diverging, o.orders, o.sampled])).toEqual([
      [8, 1, 2, false],
      [9, 1, 2, false],
    ]);
    expect(marked.every((o) => o.trace === race && o.scenario === 'unmap-vs-pin')).toBe(true);

    // Every diverging scenario has its slice; the zero-page trace's divergences are not marked.
    const raceDivs = result.results[0]!.scenarios.flatMap((s) => s.divergences);
    const zeroDivs = result.results[1]!.scenarios.flatMap((s) => s.divergences);
    expect(zeroDivs.length).toBeGreaterThan(0);
    const marks = new Set(marked.map((o) => o.signature));
    expect(zeroDivs.some((d) => marks.has(d.signature))).toBe(false);
    // The report's batched read gives each signature what the read of one gives.
    const batch = await store.reproTargets(
      runId,
      [...raceDivs, ...zeroDivs, { signature: 'ffffffffffffffff' }].map((d) => d.signature),
    );
    expect(batch.size).toBe(new Set([...raceDivs, ...zeroDivs].map((d) => d.signature)).size);
    for (const d of [...raceDivs, ...zeroDivs]) {
      const t = await store.reproTarget(d.signature.slice(0, 10), runId);
      expect(t.signature).toBe(d.signature);
      expect(t.slice).toContain(`pinbench_scenario: name=${d.scenario}`);
      expect(t.slice).toContain(d.text);
      expect(batch.get(d.signature)).toEqual(t);
    }

    // A slice replays its divergence by itself, the trace file gone.
    await rm(race);
    const pin = raceDivs.find((d) => d.event === 'pin_user_pages')!;
    const found = await storedCapsule(store, pin.signature, runId);
    const again = await reproCapsule(found.capsule, found.target, dir);
    expect(again.today.reproduces).toBe(true);
    expect(again.today.changedOutcome).toEqual([]);

    const ctx = await loadReportContext(store, runId);
    const text = formatRunReport(ctx);
    expect(text).toContain(
      'order-dependent: 2 divergence(s) occur in some orders of equal-timestamp events only:',
    );
    expect(text).toContain(`[${pin.signature}]  at ${race}:8, diverges in 1 of 2 orders`);

    // The default report (a page per kind) shows the first occurrence's commands on its kind
    // page; `--pages all` adds a page per occurrence, each with its own.
    const kinds = await writeRunReport(store, runId, { reportsDir: join(dir, 'kinds-report') });
    const kindFiles = (await readdir(join(kinds.dir, 'k'), { recursive: true })).filter((f) =>
      f.endsWith('.html'),
    );
    expect(kindFiles.length).toBeGreaterThan(0);
    for (const f of kindFiles) {
      const kindPage = await readFile(join(kinds.dir, 'k', f), 'utf8');
      expect(kindPage).toContain('<h2 id="repro-h">Reproduce</h2>');
      expect(kindPage).toMatch(new RegExp(`<code>pinbench repro [0-9a-f]{16} --run ${runId}</code>`));
    }
    const report = await writeRunReport(store, runId, { reportsDir: join(dir, 'reports'), pages: 'all' });
    const page = (sig: string) => readFile(join(report.dir, 'd', sig.slice(0, 2), `${sig}.html`), 'utf8');
    const pinPage = await page(pin.signature);
    expect(pinPage).toContain(`<code>pinbench repro ${pin.signature} --run ${runId}</code>`);
    expect(pinPage).toContain(
      `<code>pinbench minimize ${race} --divergence ${pin.signature} --scenario unmap-vs-pin --policy v5.6 --policy v5.18 --policy v6.1 --policy v6.5</code>`,
    );
    expect(pinPage).toContain('>order-dependent</span>');
    expect(pinPage).toContain('diverges in 1 of 2 orders');
    const zeroPage = await page(zeroDivs[0]!.signature);
    expect(zeroPage).toContain(`<code>pinbench repro ${zeroDivs[0]!.signature} --run ${runId}</code>`);
    expect(zeroPage).not.toContain('order-dependent');
  });
});
