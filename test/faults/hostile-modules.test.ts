/**
 * Hostile policy modules through the CLI (in process: a module's code only ever runs in worker
 * threads until it has loaded cleanly there): loops at load and in an override, process.exit,
 * Promises and NaN as return values, prototype pollution. Each ends in a clear message and the
 * right exit code, never a hang and never a silent `no regressions`. Budgets are small so that
 * every case is bounded to a few seconds.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli-io.ts';

const DIR = mkdtempSync(join(tmpdir(), 'pinbench-hostile-modules-'));
const TRACE = 'traces/01-vfio-zero-ro.trace';
const BUDGET = '1000';

/** A policy module built on v6.0-rc3 with `body` before it and `override` as its overrides. */
function module(id: string, override: string, body = ''): string {
  const file = join(DIR, `${id}.ts`);
  writeFileSync(
    file,
    [
      `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
      body,
      `export default definePolicy({ id: '${id}', base: 'v6.0-rc3', subject: 'hostile', override: { ${override} } });`,
      '',
    ].join('\n'),
  );
  return file;
}

async function pinbench(...args: string[]) {
  const c = captureIo();
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

function check(candidate: string, ...more: string[]) {
  return pinbench(
    'check',
    '--candidate',
    candidate,
    '--baseline',
    'v6.0-rc3',
    '-j',
    '0',
    '--policy-timeout-ms',
    BUDGET,
    ...more,
    TRACE,
  );
}

/** Each verdict of `policy` in `replay --json` output, by scenario. */
async function verdicts(policy: string, file: string) {
  const r = await pinbench(
    'replay',
    '--json',
    '-j',
    '0',
    '--policy-timeout-ms',
    BUDGET,
    '--policy',
    'v6.0-rc3',
    '--policy',
    file,
    TRACE,
  );
  const recs = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((x) => x.type === 'verdict');
  return {
    code: r.code,
    mine: recs.filter((x) => x.policy === policy),
    base: recs.filter((x) => x.policy === 'v6.0-rc3'),
  };
}

/** The baseline's verdicts replayed on its own, to compare with its verdicts beside a hostile module. */
async function baselineAlone(): Promise<string[]> {
  const r = await pinbench('replay', '--json', '-j', '0', '--policy', 'v6.0-rc3', TRACE);
  return r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((x) => x.type === 'verdict')
    .map((x) => x.verdict);
}

describe('hostile policy modules', { timeout: 60_000 }, () => {
  it('a module that loops at load is bad input: exit 2 after the budget', async () => {
    const r = await check(module('loop-load', '', 'for (;;) {}'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`did not finish loading within ${BUDGET} ms`);
    expect(r.err).toContain('[PB_POLICY_LOAD]');
  });

  it('a module that calls process.exit at load is bad input, not a silent exit 0', async () => {
    const r = await check(module('exit-load', '', 'process.exit(0);'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('ended the process while loading');
  });

  it('an override that never returns is stopped: that policy is error there, check exits 2', async () => {
    const r = await check(module('loop-call', 'isLongtermPinnable: () => { for (;;) {} }'));
    expect(r.code).toBe(2);
    expect(r.out).toContain(`loop-call exceeded ${BUDGET} ms in this scenario`);
    expect(r.err).toContain('ended in error (the check is not valid)');
  });

  it('an override that calls process.exit makes that policy error, not check exit 0', async () => {
    const r = await check(module('exit-call', 'isLongtermPinnable: () => process.exit(0)'));
    expect(r.code).toBe(2);
    expect(r.out).toContain('exit-call ended the replay worker (exit code 0)');
  });

  it('Promises, NaN and huge numbers returned by an override are errors, not pass or fail', async () => {
    for (const [id, fn, text] of [
      ['async-ret', 'isLongtermPinnable: async () => true', 'returned a Promise'],
      ['nan-ret', 'isLongtermPinnable: () => NaN', 'returned NaN'],
      ['huge-ret', 'vfioMapDma: () => ({ ret: 1e300 })', 'returned a number out of range (1e+300) in .ret'],
    ] as const) {
      const v = await verdicts(id, module(id, fn));
      expect(v.code).toBe(2);
      expect(v.mine.length).toBeGreaterThan(0);
      for (const x of v.mine) {
        expect(x.verdict).toBe('error');
        expect(x.reason).toContain(text);
      }
      // The baseline in the same worker is untouched.
      expect(v.base.map((x) => x.verdict)).toEqual(await baselineAlone());
    }
  });

  it('prototype pollution: at load exit 2; in a call the polluter errs and the others keep their results', async () => {
    const atLoad = await check(module('pollute-load', '', '(Object.prototype as any).polluted = 1;'));
    expect(atLoad.code).toBe(2);
    expect(atLoad.err).toContain('changes shared prototypes at load: Object.prototype.polluted added');
    const v = await verdicts(
      'pollute-call',
      module('pollute-call', 'isLongtermPinnable: () => { (Object.prototype as any).x = 1; return true; }'),
    );
    expect(v.mine.map((x) => x.verdict)).toEqual(['error', 'error']);
    expect(v.mine[0].reason).toContain('changed shared prototypes (Object.prototype.x added); restored');
    expect(v.base.map((x) => x.verdict)).toEqual(await baselineAlone());
    expect(Object.hasOwn(Object.prototype, 'x')).toBe(false);
  });

  it("check runs a module's code only in watched workers, unless this thread needs its functions (--lkp)", async () => {
    const marker = '__pinbenchModuleRanHere';
    const file = module('marks-thread', '', `(globalThis as any).${marker} = true;`);
    const r = await check(file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('candidate marks-thread against baseline v6.0-rc3');
    expect(marker in globalThis).toBe(false);
    // The LKP text names the candidate's source and subject: loaded here, after a watched worker did.
    const lkp = await check(file, '--lkp', join(DIR, 'marks-thread.txt'));
    expect(lkp.code).toBe(0);
    expect(marker in globalThis).toBe(true);
  });

  it('check exits 2 when scenarios error on both sides (a bad field value in the trace)', async () => {
    const bad = join(DIR, 'bad-field.trace');
    writeFileSync(
      bad,
      readFileSync(TRACE, 'utf8').replaceAll('refcount=1 flags=reserved', 'refcount=x flags=reserved'),
    );
    const r = await pinbench('check', '--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '-j', '0', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ended in error (the check is not valid)');
  });
});
