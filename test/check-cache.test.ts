/**
 * `check` with its result cache gives the very output it gives without: cold, warm, with a
 * damaged entry, for a release candidate and a user module, under a matrix; and a module edited
 * since misses. The cache lives in a temp dir (PINBENCH_CACHE), never the user's.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { pinnabilityModuleText } from './support/candidate-module.ts';
import { captureIo } from './support/cli-io.ts';

const TRACES = [
  'traces/01-vfio-zero-ro.trace',
  'traces/11-io-uring-fixed-buffers.trace',
  'traces/real/debian-7.2/plain.trace.gz',
  'traces/real/tracefs-6.18/f_trace_marker_only.trace',
];

async function check(env: NodeJS.ProcessEnv, ...args: string[]) {
  const c = captureIo({ env });
  const code = await main(['check', '-j', '0', '--json', ...args, ...TRACES], c.io);
  return { code, out: c.out(), err: c.err() };
}

function entries(cache: string): string[] {
  const dir = join(cache, 'check-results');
  return readdirSync(dir)
    .filter((d) => d !== 'policies')
    .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));
}

describe('check result cache', () => {
  it('gives the same report cold, warm, damaged and bypassed', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-check-cache-'));
    const module = join(dir, 'my-fix.ts');
    writeFileSync(module, pinnabilityModuleText(false));
    const cases = [
      ['--candidate', 'v6.0-rc1', '--baseline', 'v5.19'],
      ['--candidate', module, '--baseline', 'v5.18'],
      ['--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '--matrix', 'pte_special=0,1'],
    ];
    for (const args of cases) {
      const cache = mkdtempSync(join(dir, 'cache-'));
      const env = { PINBENCH_CACHE: cache };
      const bypassed = await check(env, '--no-cache', ...args);
      expect(bypassed.err).toBe('');
      const cold = await check(env, ...args);
      expect(cold.err).toMatch(/cache: 0 result\(s\) read, \d+ kept/);
      const warm = await check(env, ...args);
      expect(warm.err).toMatch(new RegExp(`cache: ${entries(cache).length} result\\(s\\) read, 0 kept`));
      for (const r of [cold, warm]) {
        expect(r.code).toBe(bypassed.code);
        expect(r.out).toBe(bypassed.out);
      }
      // A truncated entry is ignored, replayed and replaced.
      const first = entries(cache)[0]!;
      writeFileSync(first, readFileSync(first).subarray(0, 100));
      const damaged = await check(env, ...args);
      expect(damaged.err).toMatch(/1 damaged \(ignored\)/);
      expect(damaged.out).toBe(bypassed.out);
      expect((await check(env, ...args)).err).toMatch(/, 0 kept/);
      // The policies' summary (ids, same table) damaged: the policies are loaded again.
      const summaries = join(cache, 'check-results', 'policies');
      for (const f of readdirSync(summaries)) writeFileSync(join(summaries, f), '{}\n{}');
      expect((await check(env, ...args)).out).toBe(bypassed.out);
    }
    // The module edited: every trace misses, and the report is the new module's.
    const cache = mkdtempSync(join(dir, 'cache-'));
    const env = { PINBENCH_CACHE: cache };
    const before = await check(env, '--candidate', module, '--baseline', 'v5.18');
    writeFileSync(module, pinnabilityModuleText(true));
    const after = await check(env, '--candidate', module, '--baseline', 'v5.18');
    expect(after.err).toMatch(/cache: 0 result\(s\) read/);
    expect(after.out).not.toBe(before.out);
    expect(after.out).toBe(
      (await check(env, '--no-cache', '--candidate', module, '--baseline', 'v5.18')).out,
    );
  });
});
