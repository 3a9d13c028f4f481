/**
 * `pinbench check` explains itself (issue 12): a headline with the counts and the exit code's
 * meaning, a note when the candidate changes nothing, an LKP-style mail with the reproduce
 * command, and candidate modules that are broken (syntax error, a throw while loading, a throw
 * during replay, a misspelled override) reported as bad input, never as regressions.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

const TRACE = 'traces/01-vfio-zero-ro.trace';
const run = promisify(execFile);
const DEFINE = resolve('policies/define-policy.ts');

async function check(...args: string[]) {
  const c = captureIo();
  const code = await main(['check', '-j', '0', ...args], c.io);
  return { code, out: c.out(), err: c.err() };
}

function module(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-check-'));
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

function policyModule(name: string, override: string, extra = ''): string {
  return module(
    name,
    [
      `import { definePolicy } from '${DEFINE}';`,
      extra,
      'export default definePolicy({',
      `  id: '${name.replace(/\.ts$/, '')}', base: 'v6.1', subject: 'mm: test',`,
      `  override: { ${override} },`,
      '});',
      '',
    ].join('\n'),
  );
}

describe('pinbench check explains itself', () => {
  it('a headline: candidate, baseline, scenarios, regressions, fixes, unchanged, and what the exit code means', async () => {
    const r = await check('--candidate', 'v6.0-rc1', '--baseline', 'v5.19', TRACE);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^check: candidate v6\.0-rc1 against baseline v5\.19\n {2}2 scenario\(s\) run: 1 regression\(s\), 0 fix\(es\), 1 unchanged, 0 error\(s\), 0 inconclusive\n/,
    );
    expect(r.out).toContain('exit 1: 1 regression(s): scenarios v5.19 passes and v6.0-rc1 fails');
    const ok = await check('--candidate', 'v6.1', '--baseline', 'v6.0', TRACE);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/exit 0: no regressions\n$/);
  });

  it('says when the candidate runs exactly the baseline functions', async () => {
    const same = policyModule('same.ts', '');
    const r = await check('--candidate', same, '--baseline', 'v6.1', TRACE);
    expect(r.code).toBe(0);
    expect(r.out).toContain("note: same's kernel table is v6.1's, function for function");
    const differs = await check('--candidate', 'v6.0-rc1', '--baseline', 'v5.19', TRACE);
    expect(differs.out).not.toContain('note:');
  });

  it('--lkp FILE writes a mail-ready text with the regression and the command that reproduces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-lkp-'));
    const file = join(dir, 'check.txt');
    const r = await check('--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '--lkp', file, TRACE);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`lkp: ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('pinbench check: 1 regression(s) of v6.0-rc1 against v5.19');
    expect(text).toContain(
      'REGRESSION vfio-zero-ro-hang (traces/01-vfio-zero-ro.trace): v5.19 pass, v6.0-rc1 fail',
    );
    expect(text).toContain('\tfailed: ret!=livelock (got livelock)');
    expect(text).toContain(
      'To reproduce:\n\n\tnpx pinbench check --candidate v6.0-rc1 --baseline v5.19 traces/01-vfio-zero-ro.trace\n',
    );
  });

  it('--html DIR writes a shareable HTML report of the check (the run report of both policies) and its text', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pinbench-check-html-')), 'report');
    const r = await check('--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '--html', dir, TRACE);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`html: ${join(dir, 'index.html')}`);
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(index).toContain('v6.0-rc1');
    expect(index).toContain('v5.19');
    expect(readFileSync(join(dir, 'check.txt'), 'utf8')).toContain(
      'exit 1: 1 regression(s): scenarios v5.19 passes and v6.0-rc1 fails',
    );
  });

  it('a candidate with a syntax error names file:line:col, exit 2', async () => {
    const file = policyModule('syntax.ts', 'isLongtermPinnable: () => false ++');
    // A real process: the test runner's own module loader reports syntax errors its own way.
    const r = await run(process.execPath, [
      resolve('bin/pinbench.js'),
      'check',
      '-j',
      '0',
      '--candidate',
      file,
      '--baseline',
      'v6.1',
      TRACE,
    ]).then(
      (x) => ({ code: 0, err: x.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `${file.replaceAll('.', '\\.')}:5:\\d+: syntax error in policy module: .*\\[PB_POLICY_LOAD\\]`,
      ),
    );
  });

  it('a candidate that throws while loading is bad input, exit 2', async () => {
    const file = policyModule('throws.ts', '', "throw new Error('no kernel for you');");
    const r = await check('--candidate', file, '--baseline', 'v6.1', TRACE);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no kernel for you [PB_POLICY_LOAD]');
  });

  it('a candidate that throws during replay gives that policy error for the scenario: exit 2, not a regression', async () => {
    const file = policyModule(
      'boom.ts',
      "isLongtermPinnable: () => { throw new Error('boom in isLongtermPinnable'); }",
    );
    const r = await check('--candidate', file, '--baseline', 'v6.1', '--json', TRACE);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out);
    expect(report.regressions).toEqual([]);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors[0]).toMatchObject({ policy: 'boom', trace: TRACE });
    expect(report.errors[0].reason).toContain('boom in isLongtermPinnable');
    const text = await check('--candidate', file, '--baseline', 'v6.1', TRACE);
    expect(text.out).toContain('errors (bad input or a policy that threw; neither a regression nor a fix):');
    expect(text.out).toMatch(/exit 2: \d+ scenario\(s\) could not be judged/);
  });

  it('--typecheck type-checks a candidate against the kernel table types: errors are bad input; a pass is cached by module hash outside the checkout', {
    timeout: 120_000,
  }, async () => {
    const cache = mkdtempSync(join(tmpdir(), 'pinbench-cache-'));
    const env = { PINBENCH_CACHE: cache };
    const typed = async (file: string) => {
      const c = captureIo({ env });
      const code = await main(
        ['check', '-j', '0', '--typecheck', '--candidate', file, '--baseline', 'v6.1', TRACE],
        c.io,
      );
      return { code, out: c.out(), err: c.err() };
    };
    const bad = await typed(policyModule('tbad.ts', "isLongtermPinnable: () => 'yes'"));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /tbad\.ts:5:15: type error \(TS2322\): Type '\(\) => string' is not assignable to type '\(k: Kernel, st: State, folio: Folio\) => boolean'/,
    );
    const good = policyModule('tgood.ts', 'isLongtermPinnable: () => false');
    const first = await typed(good);
    expect(first.code).toBe(1); // type-correct, and a regression: nothing is long-term pinnable
    expect(first.out).toContain(`typecheck: ${good} ok\n`);
    const again = await typed(good);
    expect(again.out).toContain(`typecheck: ${good} ok (cached)\n`);
    expect(readdirSync(join(cache, 'typecheck'))).toHaveLength(1);
  });

  it('a misspelled override name gets "did you mean"', async () => {
    const file = policyModule('typo.ts', 'isLongtermPinable: () => false');
    const r = await check('--candidate', file, '--baseline', 'v6.1', TRACE);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "override 'isLongtermPinable' is not a kernel function of v6.1 (did you mean 'isLongtermPinnable'?) [PB_POLICY]",
    );
  });
});
