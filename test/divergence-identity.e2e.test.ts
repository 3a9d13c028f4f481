/**
 * A divergence keeps its identity (issue 12): two nightlies of one config over the same local
 * corpus, the second with one candidate policy added, then a third without it again. Through the
 * CLI against a real PGlite database in a temp directory.
 *
 *   - the second nightly reports as new exactly the divergences with a class only the candidate
 *     holds (the ones it introduced); every divergence it does not touch keeps its signature;
 *   - `diff` of the corpus with and without the candidate: 0 new, 0 fixed for the rest;
 *   - an acceptance (triage) made on the first run still names a divergence of the later runs.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NightlySummary } from '../src/api/nightly-job.ts';
import { main } from '../src/cli/main.ts';
import type { RunDiff } from '../src/store/store.ts';
import { captureIo } from './support/cli-io.ts';
import { useStoreBackend } from './support/store-backends.ts';

const REPO = resolve('.');
const TRACES = ['05-cow-ro-longterm.trace', '06-remote-longterm.trace', '11-io-uring-fixed-buffers.trace'];
const RELEASES = ['v5.4', 'v5.19-rc1', 'v6.0-rc3', 'v6.1'];
const CANDIDATE = 'nothing-pinnable';

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo({ cwd });
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('divergence identity across runs with and without a candidate', () => {
  const h = useStoreBackend('pglite');
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pinbench-identity-'));
    await mkdir(join(work, 'traces'));
    for (const t of TRACES) await copyFile(join(REPO, 'traces', t), join(work, 'traces', t));
    const define = pathToFileURL(join(REPO, 'policies/define-policy.ts')).href;
    await writeFile(
      join(work, 'candidate.ts'),
      `import { definePolicy } from '${define}';\n` +
        `export default definePolicy({ id: '${CANDIDATE}', base: 'v6.0-rc3', subject: 'mm: break pinnability', ` +
        'override: { isLongtermPinnable: () => false } });\n',
    );
    await (await h.open(join(work, 'db'))).close();
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function night(policies: string[]): Promise<NightlySummary> {
    await writeFile(
      join(work, 'pinbench.config.json'),
      JSON.stringify({
        name: 'identity',
        sources: ['traces/*.trace'],
        policies,
        baseline: 'v6.0-rc3',
        db: 'db',
        reportDir: 'reports',
        jobs: 1,
      }),
    );
    const r = await cli(['nightly', '--json'], work);
    expect(r.err).not.toMatch(/internal error/);
    return JSON.parse(r.out) as NightlySummary;
  }

  async function diff(a: number, b: number): Promise<RunDiff> {
    const r = await cli(['diff', '--db', 'db', '--json', String(a), String(b)], work);
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as RunDiff;
  }

  it('a second nightly that adds a candidate reports exactly the divergences it introduced', async () => {
    const first = await night(RELEASES);
    const accepted = await cli(
      ['diff', '--db', 'db', '--json', String(first.run.id), String(first.run.id)],
      work,
    );
    const all = (JSON.parse(accepted.out) as RunDiff).unchanged;
    expect(all.length).toBeGreaterThan(5);

    // Triage on the first run's identity.
    const kept = all[0]!;
    const acc = await cli(['accept', '--db', 'db', kept.signature, '--note', 'known since v5.4'], work);
    expect(acc.code, acc.err).toBe(0);

    const second = await night([...RELEASES, './candidate.ts']);
    const d = await diff(first.run.id, second.run.id);
    const onlyCandidate = (classes: string[][]) =>
      classes.some((c) => c.includes(CANDIDATE) && c.every((p) => p === CANDIDATE || p === 'observed'));
    // New: exactly the divergences where the candidate holds an outcome no release has.
    expect(d.new.length).toBeGreaterThan(0);
    for (const n of d.new) expect(onlyCandidate(n.classes), n.signature).toBe(true);
    // Gone: only divergences whose call now has a further outcome (the candidate's) at the same place.
    for (const f of d.fixed) {
      expect(
        d.new.some((n) => n.trace === f.trace && n.scenario === f.scenario && n.seq === f.seq),
        f.signature,
      ).toBe(true);
    }
    // Every divergence the candidate did not change keeps its identity.
    expect(d.unchanged.length + d.fixed.length).toBe(all.length);
    expect(d.unchanged.length).toBeGreaterThan(0);
    for (const u of d.unchanged) expect(onlyCandidate(u.classes)).toBe(false);
    // The nightly says the same: its new divergences are the diff's (none accepted).
    expect(second.newDivergences).toBe(d.new.length);
    expect(second.details.newDivergences.map((n) => n.signature).sort()).toEqual(
      d.new
        .map((n) => n.signature)
        .slice(0, 50)
        .sort(),
    );

    // Without the candidate again: the same corpus, 0 new and 0 fixed.
    const third = await night(RELEASES);
    const back = await diff(first.run.id, third.run.id);
    expect(back.new).toEqual([]);
    expect(back.fixed).toEqual([]);
    expect(back.unchanged.map((x) => x.signature).sort()).toEqual(all.map((x) => x.signature).sort());
    // Against the night before (with the candidate), the new ones are those the candidate had
    // given a further outcome: back to their old identity.
    expect(third.newDivergences).toBe(d.fixed.length);

    // The acceptance made on run 1 still names a divergence of run 3.
    const triage = await cli(['accept', '--db', 'db', '--list', '--json'], work);
    expect(triage.code, triage.err).toBe(0);
    expect(triage.out).toContain(kept.signature);
    expect(back.unchanged.some((x) => x.signature === kept.signature)).toBe(true);
  }, 240_000);

  it('run separates known from unexpected failures; only unexpected ones exit 1', async () => {
    await copyFile(join(REPO, 'traces/01-vfio-zero-ro.trace'), join(work, 'traces/01-vfio-zero-ro.trace'));
    const args = ['run', '--db', 'db', '--no-report', ...RELEASES.flatMap((p) => ['--policy', p])];
    const known = await cli([...args, 'traces/01-vfio-zero-ro.trace'], work);
    expect(known.code, known.err).toBe(0);
    expect(known.out).toMatch(/^(\d+) failures \(\1 known, 0 unexpected\)$/m);
    const withCandidate = await cli(
      [...args, '--policy', './candidate.ts', 'traces/01-vfio-zero-ro.trace'],
      work,
    );
    expect(withCandidate.code, withCandidate.err).toBe(1);
    // The candidate (base v6.0-rc3) inherits v6.0-rc3's rows: vfio-zero-ro is expected to fail
    // there (known), vfio-zero-ro-hang to pass (its livelock is unexpected).
    const m = /^(\d+) failures \((\d+) known, (\d+) unexpected\)$/m.exec(withCandidate.out)!;
    expect(Number(m[3])).toBe(1);
    expect(Number(m[1])).toBe(Number(m[2]) + 1);
    expect(withCandidate.out).toMatch(/^ {2}unexpected vfio-zero-ro-hang nothing-pinnable: /m);

    // The HTML report of that run: expected beside actual in the matrix and on divergence pages.
    const html = await cli(['report', 'latest', '--db', 'db', '--out', 'html', '--pages', 'all'], work);
    expect(html.code, html.err).toBe(0);
    const matrix = await readFile(join(work, 'html/matrix.html'), 'utf8');
    expect(matrix).toMatch(
      /class="v v-fail v-unexpected[^"]*" data-policy="nothing-pinnable"[^>]*data-expected="pass"/,
    );
    expect(matrix).toMatch(/class="v v-fail v-known[^"]*" data-policy="v5\.19-rc1"[^>]*data-expected="fail"/);
    const pages = (await readdir(join(work, 'html/d'), { recursive: true })).filter((f) =>
      f.endsWith('.html'),
    );
    expect(pages.length).toBeGreaterThan(0);
    const texts = await Promise.all(pages.map((f) => readFile(join(work, 'html/d', f), 'utf8')));
    const all = texts.join('\n');
    expect(all).toMatch(/satisfies the scenario(&#39;|&#x27;|')s expectations/);
    expect(all).toMatch(/fails the scenario(&#39;|&#x27;|')s expectations/);
    expect(all).toMatch(/the \d+ steps? above repeat|↻/);
  }, 120_000);
});
