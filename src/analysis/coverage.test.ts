import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../test/support/cli-io.ts';
import { coverageCommand } from '../cli/commands/coverage.ts';
import { type CoverageReport, coverageJson, measureCoverage, policyModuleFiles } from './coverage.ts';
import { coverageMap, RangeCounts } from './coverage-map.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pinbench-coverage-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function group(r: CoverageReport, name: string) {
  const g = r.groups.find((x) => x.group === name);
  if (!g) throw new Error(`no group ${name} in ${r.groups.map((x) => x.group).join(',')}`);
  return g;
}

describe('coverage map', () => {
  it('type stripping keeps every policy file at its length, so V8 offsets are .ts offsets', () => {
    const files = policyModuleFiles();
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(stripTypeScriptTypes(text).length, f).toBe(text.length);
    }
  });

  it('finds functions and the arms of if, ?:, logical operators and cases, read from nested ranges', async () => {
    const ts = (await import('typescript')).default;
    const src = [
      'function f(a: number): number {', //      line 1
      '  if (a > 1) return 1;', //                line 2
      '  const b = a ? 2 : 3;', //                line 3
      '  return (b && a) || 4;', //               line 4
      '}',
    ].join('\n');
    const map = coverageMap(ts, 'x.ts', src);
    expect(map.functions.map((f) => [f.name, f.line])).toEqual([['f', 1]]);
    expect(map.arms.map((a) => `${a.kind}@${a.line}`)).toEqual([
      'if-true@2',
      'if-false@2',
      'cond-true@3',
      'cond-false@3',
      'right@4',
      'short-circuit@4',
      'right@4',
      'short-circuit@4',
    ]);
    // f ran 5 times, the then-block once: the if was false 4 times.
    const fn = map.functions[0]!;
    const then = map.arms[0]!.at;
    const counts = new RangeCounts([
      { start: 0, end: src.length, count: 1 },
      { start: fn.start, end: fn.end, count: 5 },
      { start: then, end: then + 9, count: 1 },
    ]);
    expect(counts.arm(map.arms[0]!)).toBe(1);
    expect(counts.arm(map.arms[1]!)).toBe(4);
  });
});

describe('pinbench coverage', () => {
  it('names a branch of a candidate module that no scenario reaches, and counts the one that runs', async () => {
    const file = join(work, 'my-fix.ts');
    writeFileSync(
      file,
      [
        `import { definePolicy } from '${resolve(ROOT, 'policies/define-policy.ts')}';`,
        'export default definePolicy({',
        "  id: 'cov-fix', base: 'v6.1', subject: 'test',",
        '  override: (base) => ({',
        '    isLongtermPinnable(k, st, folio) {',
        "      if (folio.name === 'no-such-page') return false;",
        '      return base.isLongtermPinnable(k, st, folio);',
        '    },',
        '  }),',
        '});',
        '',
      ].join('\n'),
    );
    const r = await measureCoverage({
      sources: [join(ROOT, 'traces/01-vfio-zero-ro.trace')],
      policySpecs: [file],
      cwd: work,
      jobs: 1,
    });
    expect(r.policies).toEqual(['cov-fix']);
    const g = group(r, 'my-fix');
    const rel = g.releases[0]!;
    const fc = rel.counts[0]!;
    const fi = g.files[0]!.map.functions.findIndex((f) => f.name === 'isLongtermPinnable');
    expect(fc.functions[fi]).toBeGreaterThan(0);
    const arms = g.files[0]!.map.arms;
    const ifTrue = arms.findIndex((a) => a.kind === 'if-true' && a.line === 6);
    const ifFalse = arms.findIndex((a) => a.kind === 'if-false' && a.line === 6);
    expect(fc.arms[ifTrue]).toBe(0);
    expect(fc.arms[ifFalse]).toBe(fc.functions[fi]);
    expect(rel.unreached).toContainEqual({
      what: 'branch',
      file: 'my-fix.ts',
      line: 6,
      col: 42,
      name: 'if true in isLongtermPinnable',
    });
    // The candidate's base files are measured too, under their own families.
    expect(group(r, 'pinnable').releases[0]!.functions.reached).toBeGreaterThan(0);
  }, 120_000);

  it('gives the same numbers on every run (real recordings, one release)', async () => {
    const opts = {
      sources: [join(ROOT, 'traces/real/debian-6.1')],
      policySpecs: ['v6.1'],
      cwd: ROOT,
      jobs: 1,
    };
    const { expandTraceArgs } = await import('../ingest/index.ts');
    opts.sources = await expandTraceArgs(opts.sources, ROOT);
    const a = JSON.stringify(coverageJson(await measureCoverage(opts)));
    const b = JSON.stringify(coverageJson(await measureCoverage(opts)));
    expect(a).toBe(b);
    const r = JSON.parse(a) as ReturnType<typeof coverageJson> & {
      scenarios: number;
      groups: { group: string; releases: { functions: { reached: number } }[] }[];
    };
    expect(r.scenarios).toBeGreaterThan(10);
    // Real recordings of 6.1 pin pages: the GUP core and the pin accounting run.
    for (const name of ['gup-core', 'pin-accounting'])
      expect(r.groups.find((g) => g.group === name)!.releases[0]!.functions.reached).toBeGreaterThan(0);
  }, 240_000);

  it('writes text, JSON and an escaped HTML page per family', async () => {
    const dir = join(work, 'html');
    const cap = captureIo({ cwd: ROOT });
    const code = await coverageCommand.run(
      { policy: ['v6.1'], html: dir, jobs: '1' },
      ['traces/01-vfio-zero-ro.trace'],
      cap.io,
    );
    expect(code).toBe(0);
    expect(cap.out()).toMatch(
      /^vma-checks\n {2}policy +functions +branches\n {2}v6\.1 +\d+\/\d+ +\d+% +\d+\/\d+ +\d+%$/m,
    );
    expect(cap.out()).toContain('unreached:');
    const page = readFileSync(join(dir, 'vma-checks.html'), 'utf8');
    // Source text is escaped: `<`, `&` and quotes of comments and code never reach the page raw.
    expect(page).toContain('from &lt;= 5.14-rc5');
    expect(page).not.toContain('from <= 5.14-rc5');
    expect(page).toContain('flags.has(&#39;FOLL_LONGTERM&#39;) &amp;&amp; vmaIsFsdax(vma)');
    expect(page).not.toContain('&& vmaIsFsdax(vma)');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('href="vma-checks.html"');
    const json = captureIo({ cwd: ROOT });
    await coverageCommand.run(
      { policy: ['v6.1'], json: true, jobs: '1' },
      ['traces/01-vfio-zero-ro.trace'],
      json.io,
    );
    const parsed = JSON.parse(json.out()) as { policies: string[]; groups: { group: string }[] };
    expect(parsed.policies).toEqual(['v6.1']);
    expect(parsed.groups.map((g) => g.group)).toContain('gup-core');
  }, 120_000);
});
