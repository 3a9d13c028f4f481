/**
 * `pinbench run` over real recordings puts their fidelity (each call's kernel return against the
 * kernel's release model) in the HTML report as `fidelity.html`, linked from the summary; a run
 * without recordings has no such page.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';
import { REPO } from './support/corpus-run.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pinbench-run-fidelity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('run: the fidelity page of the recordings it replayed', () => {
  it('a run over a recording links fidelity.html from the summary, with the counts', async () => {
    // One recording with its sidecar, and the known-disagreements file two levels up. Debian's
    // 5.10.262 carries the 5.15 io_uring backport: its model is v5.10.262, not mainline v5.10.
    const dir = join(tmp, 'rec', 'traces', 'real', 'debian-5.10');
    mkdirSync(dir, { recursive: true });
    for (const f of ['plain.trace.gz', 'plain.trace.json'])
      cpSync(join(REPO, 'traces/real/debian-5.10', f), join(dir, f));
    cpSync(
      join(REPO, 'traces/real/known-disagreements.json'),
      join(tmp, 'rec', 'traces', 'real', 'known-disagreements.json'),
    );
    const c = captureIo({ cwd: join(tmp, 'rec') });
    const code = await main(
      ['run', '--db', join(tmp, 'db1'), '--policy', 'v5.10', 'traces/real/debian-5.10/plain.trace.gz'],
      c.io,
    );
    expect(code, c.err()).toBeLessThan(2);
    const report = join(tmp, 'rec', 'reports', '1');
    const page = readFileSync(join(report, 'fidelity.html'), 'utf8');
    expect(page).toContain('5.10/plain');
    expect(page).toContain('v5.10.262');
    // The run's own summary checks the recording as `pinbench fidelity` does: against v5.10.262,
    // so mainline v5.10's refusal of shmem buffers is no fidelity failure.
    expect(c.out()).toContain("real kernels (each recording against its kernel's release model");
    expect(c.out()).toMatch(
      /fidelity: 1 recordings, (\d+) calls with the kernel's return, \1 agree, 0 disagree/,
    );
    expect(c.out()).toContain('models: 5.10 -> v5.10.262');
    expect(c.out()).not.toContain('fidelity failures');
    const summary = readFileSync(join(report, 'index.html'), 'utf8');
    expect(summary).toContain('<a href="fidelity.html">Fidelity</a>');
    // The recording's calls all agree with v5.10.262 (test/real-recordings.test.ts checks each one).
    expect(summary).toMatch(/1 recording\(s\), (\d+) call\(s\) with the kernel's own return, \1 reproduced/);
    expect(summary).toContain(' 0 new disagreement(s)');
  });

  it('a run without recordings has no fidelity page', async () => {
    const c = captureIo({ cwd: tmp });
    const code = await main(
      ['run', '--db', join(tmp, 'db2'), '--policy', 'v6.1', join(REPO, 'traces/01-vfio-zero-ro.trace')],
      c.io,
    );
    expect(code, c.err()).toBeLessThan(2);
    expect(existsSync(join(tmp, 'reports', '1', 'index.html'))).toBe(true);
    expect(existsSync(join(tmp, 'reports', '1', 'fidelity.html'))).toBe(false);
    expect(readFileSync(join(tmp, 'reports', '1', 'index.html'), 'utf8')).not.toContain('fidelity.html');
  });
});
