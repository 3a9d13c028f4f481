/**
 * `run` makes the divergence kinds' minimised slices before its report, with `--no-report` too,
 * so that `pinbench report` afterwards takes every one from the cache; `--no-minimize` skips
 * them. In-process, with the cache in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';
import { REPO } from './support/corpus-run.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pinbench-run-slices-'));
const env = { PINBENCH_CHECK_CACHE: 'off', PINBENCH_CACHE: join(tmp, 'cache') };
const TRACE = join(REPO, 'traces/01-vfio-zero-ro.trace');
const POLICIES = ['--policy', 'v5.18', '--policy', 'v5.19-rc1', '--policy', 'v6.1'];

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("run's minimised slices", () => {
  it('are made by run --no-report and read by the report from the cache; --no-minimize skips them', async () => {
    const db = join(tmp, 'db');
    const run = captureIo({ cwd: tmp, env });
    expect(await main(['run', '--db', db, '--no-report', '-j', '0', ...POLICIES, TRACE], run.io)).toBe(0);
    const made = /^for the report of run 1: (\d+) minimised slice\(s\) in [\d.]+ s$/m.exec(run.out());
    expect(made, run.out()).not.toBeNull();
    const n = Number(made![1]);
    expect(n).toBeGreaterThan(0);

    const report = captureIo({ cwd: tmp, env });
    expect(await main(['report', '--db', db], report.io)).toBe(0);
    expect(report.out()).toContain(`; ${n} minimised slice(s) (${n} from the cache)\n`);

    const skipped = captureIo({ cwd: tmp, env });
    const args = [
      'run',
      '--db',
      join(tmp, 'db2'),
      '--no-report',
      '--no-minimize',
      '-j',
      '0',
      ...POLICIES,
      TRACE,
    ];
    expect(await main(args, skipped.io)).toBe(0);
    expect(skipped.out()).not.toContain('minimised slice');
  }, 120_000);
});
