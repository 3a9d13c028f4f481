/**
 * `check` of an edited candidate replays the baseline from its records (and the candidate too
 * wherever it cannot differ): the report and the exit code are those of `--no-cache`, for a
 * module that changes a little, nothing reached, a slot nearly every call reaches, one that
 * throws, one built on another release than the baseline, and two releases. A damaged record is
 * ignored and replaced. The caches live in temp dirs, never the user's.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

const TRACES = [
  'traces/01-vfio-zero-ro.trace',
  'traces/05-cow-ro-longterm.trace',
  'traces/11-io-uring-fixed-buffers.trace',
  'traces/real/debian-7.2/plain.trace.gz',
];

async function check(env: NodeJS.ProcessEnv, ...args: string[]) {
  const c = captureIo({ env });
  const code = await main(['check', '-j', '0', '--json', ...args, ...TRACES], c.io);
  return { code, out: c.out(), err: c.err() };
}

function moduleText(base: string, override: string): string {
  return [
    `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
    'export default definePolicy({',
    `  id: 'my-fix', base: '${base}', subject: 'a test candidate',`,
    `  override: (base) => ({ ${override} }),`,
    '});',
    '',
  ].join('\n');
}

/** `[traces replayed from a record, traces, scenarios where the candidate took it too, scenarios]`. */
function shared(err: string): [number, number, number, number] | undefined {
  const m = /baseline from its records in (\d+) of (\d+) \(candidate too in (\d+) of (\d+) scenarios\)/.exec(
    err,
  );
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

const CASES: { name: string; args: (dir: string) => string[]; shared: (n: number, of: number) => boolean }[] =
  [
    {
      name: 'a device-private fix',
      args: (dir) => [
        '--candidate',
        module(
          dir,
          'v6.11',
          "folioIsLongtermPinnable(k, st, folio) { if (folio.kind === 'device_private') return false; return base.folioIsLongtermPinnable(k, st, folio); },",
        ),
        '--baseline',
        'v6.11',
      ],
      shared: (n, of) => n > 0 && n < of,
    },
    {
      name: 'a slot no scenario reaches',
      args: (dir) => [
        '--candidate',
        module(dir, 'v6.11', 'vmInsertPages() { return -22; },'),
        '--baseline',
        'v6.11',
      ],
      shared: (n, of) => n === of,
    },
    {
      name: 'a slot nearly every call reaches, and a change that diverges',
      args: (dir) => [
        '--candidate',
        module(dir, 'v5.18', 'gupApi(...a) { return base.gupApi(...a); }, isLongtermPinnable: () => false,'),
        '--baseline',
        'v5.18',
      ],
      shared: (n, of) => n < of / 4,
    },
    {
      name: 'an override that throws',
      args: (dir) => [
        '--candidate',
        module(dir, 'v6.11', "folioIsLongtermPinnable() { throw new Error('boom'); },"),
        '--baseline',
        'v6.11',
      ],
      shared: (n, of) => n > 0 && n < of,
    },
    {
      name: 'a module built on another release than the baseline',
      args: (dir) => [
        '--candidate',
        module(dir, 'v6.10', 'vmInsertPages() { return -22; },'),
        '--baseline',
        'v6.11',
      ],
      shared: (n, of) => n < of,
    },
    {
      name: 'two releases',
      args: () => ['--candidate', 'v6.0-rc1', '--baseline', 'v5.19'],
      shared: (n, of) => n > 0 && n < of,
    },
  ];

let modules = 0;
function module(dir: string, base: string, override: string): string {
  const path = join(dir, `candidate-${modules++}.ts`);
  writeFileSync(path, moduleText(base, override));
  return path;
}

describe('check with baseline records', () => {
  for (const c of CASES) {
    it(`gives the --no-cache report for ${c.name}`, { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pinbench-baseline-records-'));
      const env = { PINBENCH_CACHE: join(dir, 'cache') };
      const args = c.args(dir);
      const bypassed = await check(env, '--no-cache', ...args);
      const cold = await check(env, ...args);
      expect(shared(cold.err)).toEqual([0, TRACES.length, 0, expect.any(Number)]);
      // Edited (a module: a comment; releases: the results dropped), so every result misses.
      const candidate = args[1]!;
      if (candidate.endsWith('.ts')) appendFileSync(candidate, '// edited\n');
      else
        for (const d of readdirSync(join(dir, 'cache', 'check-results')))
          if (d !== 'policies')
            for (const f of readdirSync(join(dir, 'cache', 'check-results', d)))
              writeFileSync(join(dir, 'cache', 'check-results', d, f), '');
      const edited = await check(env, ...args);
      expect(edited.err).toMatch(/cache: 0 result\(s\) read/);
      const [hits, traces, n, of] = shared(edited.err)!;
      expect(hits).toBe(traces);
      expect(c.shared(n, of), `${n} of ${of}`).toBe(true);
      for (const r of [cold, edited]) {
        expect(r.code).toBe(bypassed.code);
        expect(r.out).toBe(bypassed.out);
      }
      if (c.name.endsWith('a change that diverges')) {
        const report = JSON.parse(bypassed.out) as { regressions: unknown[]; fixes: unknown[] };
        expect(report.regressions.length + report.fixes.length).toBeGreaterThan(0);
      }
      if (c.name === 'an override that throws') {
        expect(bypassed.code).toBe(2);
        expect(JSON.parse(bypassed.out).errors.length).toBeGreaterThan(0);
      }
    });
  }

  it('never keeps a record made beside a module that patched pinbench at load', {
    timeout: 120_000,
  }, async () => {
    // A candidate's top-level code runs in the thread that steps the baseline; this one changes a
    // model class there (not a built-in prototype, which the guard puts back): every call's
    // locked_vm change reads 0. A record made in that thread would hand the patched baseline to
    // the next candidate, whose own steps (vfio: it wraps vfio_pin_pages_remote) are not patched.
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-baseline-records-'));
    const env = { PINBENCH_CACHE: join(dir, 'cache') };
    const wrapper = 'vfioPinPagesRemote(...a) { return base.vfioPinPagesRemote(...a); },';
    const poison = join(dir, 'poison.ts');
    writeFileSync(
      poison,
      [
        `import { State } from '${resolve('src/model/state.ts')}';`,
        'State.prototype.totalLockedVm = function () { return 0; };',
        moduleText('v6.11', wrapper),
      ].join('\n'),
    );
    const benign = module(dir, 'v6.11', wrapper);
    const args = (candidate: string) => ['--candidate', candidate, '--baseline', 'v6.11'];
    const bypassed = await check(env, '--no-cache', ...args(benign));
    const poisoned = await check(env, ...args(poison));
    expect(poisoned.err).toMatch(
      new RegExp(`${TRACES.length} baseline record\\(s\\) made apart from the candidate`),
    );
    const clean = await check(env, ...args(benign));
    expect(shared(clean.err)?.[0]).toBe(TRACES.length);
    expect(clean.out).toBe(bypassed.out);
    expect(clean.code).toBe(bypassed.code);
  });

  it('ignores and replaces a damaged record', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-baseline-records-'));
    const env = { PINBENCH_CACHE: join(dir, 'cache') };
    const candidate = module(dir, 'v6.11', 'vmInsertPages() { return -22; },');
    const args = ['--candidate', candidate, '--baseline', 'v6.11'];
    const bypassed = await check(env, '--no-cache', ...args);
    await check(env, ...args);
    const records = join(dir, 'cache', 'baseline-records');
    for (const d of readdirSync(records))
      for (const f of readdirSync(join(records, d))) {
        const buf = readFileSync(join(records, d, f));
        writeFileSync(join(records, d, f), buf.subarray(0, buf.length - 1));
      }
    appendFileSync(candidate, '// edited\n');
    const damaged = await check(env, ...args);
    expect(damaged.err).toMatch(
      new RegExp(`in 0 of ${TRACES.length} .*${TRACES.length} damaged \\(ignored\\)`),
    );
    expect(damaged.out).toBe(bypassed.out);
    appendFileSync(candidate, '// edited again\n');
    const again = await check(env, ...args);
    expect(again.err).toMatch(new RegExp(`in ${TRACES.length} of ${TRACES.length} `));
    expect(again.out).toBe(bypassed.out);
  });
});
