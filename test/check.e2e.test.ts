/**
 * The regression check end to end, as a developer runs it: the real CLI in a child process over
 * the shipped corpus, with exit codes. These are the seed regressions pinbench exists to catch.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve('bin/pinbench.js');

async function pinbench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('pinbench check (seed regressions)', () => {
  it('v6.0-rc1 against v5.19 fails the read-only VFIO zero-page map with a livelock', async () => {
    const r = await pinbench('check', '--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const hang = report.regressions.find((x: { scenario: string }) => x.scenario === 'vfio-zero-ro-hang');
    expect(hang.failed).toContain('ret!=livelock (got livelock)');
    const cls = hang.divergence.classes.find((c: { policies: string[] }) => c.policies.includes('v6.0-rc1'));
    expect(cls.outcome.ret).toBe('livelock');
    expect(hang.divergence.event).toBe('vfio_map_dma');
    expect(hang.divergence.trace).toBe('traces/01-vfio-zero-ro.trace');
  });

  it('post-873aefb376bb against pre-873aefb376bb is a fix; the reverse reports the leak', async () => {
    const fix = await pinbench('check', '--candidate', 'post-873aefb376bb', '--baseline', 'pre-873aefb376bb');
    expect(fix.code).toBe(0);
    expect(fix.stdout).toMatch(/no regressions \(\d+ fix\(es\)\)/);
    const back = await pinbench(
      'check',
      '--candidate',
      'pre-873aefb376bb',
      '--baseline',
      'post-873aefb376bb',
      '--json',
    );
    expect(back.code).toBe(1);
    const report = JSON.parse(back.stdout);
    const leak = report.regressions.find((x: { scenario: string }) => x.scenario === 'vfio-zero-leak-cycles');
    expect(leak.failed).toContain('refs.zero=0 (got 1024)');
    expect(leak.failed).toContain('final.leaks=0 (got 1)');
  });

  it('the v1 posting of fce831c92092 against v6.11 reports the never-writable case', async () => {
    const r = await pinbench('check', '--candidate', 'fce831c92092-v1', '--baseline', 'v6.11');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('REGRESSION rb-meta-page-padding');
    expect(r.stdout).toContain('failed: ret=0 (got -22)');
  });

  it("a candidate given as a path is the user's own module, loaded in every worker", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-policy-'));
    const file = join(dir, 'zero-unpinnable.ts');
    // A patch that makes nothing long-term pinnable: every FOLL_LONGTERM pin of a page that
    // cannot be isolated (the zero page) must now spin, through the release's own retry loop.
    writeFileSync(
      file,
      [
        `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
        'export default definePolicy({',
        "  id: 'nothing-pinnable', base: 'v6.0-rc3', subject: 'mm: break pinnability',",
        '  override: { isLongtermPinnable: () => false },',
        '});',
        '',
      ].join('\n'),
    );
    const r = await pinbench(
      'check',
      '--candidate',
      file,
      '--baseline',
      'v6.0-rc3',
      '--jobs',
      '2',
      'traces/01-vfio-zero-ro.trace',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('candidate nothing-pinnable against baseline v6.0-rc3');
    expect(r.stdout).toContain('ret!=livelock (got livelock)');
  });

  it('bad input exits 2 with a message naming what to fix', async () => {
    const r = await pinbench('check', '--candidate', 'v9.99', '--baseline', 'v6.1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown policy 'v9.99'");
    const u = await pinbench('check', '--candidate', 'v6.1');
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('--candidate and --baseline are both required');
  });
});
