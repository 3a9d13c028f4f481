/**
 * The progress line: on a TTY, `\r`-redrawn lines with traces, bytes, rates and an ETA, messages
 * above it, and the line cleared at the end; on anything else (a pipe, a file, `--json`) not a
 * byte. The clock is the test's own, so the numbers are exact.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress, progressFor, progressWanted, StatusLine, sourceBytes, statusLineFor } from './progress.ts';

function fakeStderr(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => chunks.join('') };
}

const MiB = 1024 * 1024;

describe('progress on a TTY', () => {
  it('redraws one line in place with traces, bytes, rates and an ETA, and clears it at the end', () => {
    const err = fakeStderr(true);
    let t = 0;
    const p = new Progress({ stream: err.stream, label: 'run', traces: 4, bytes: 40 * MiB, now: () => t });
    t = 2000;
    p.traceDone({ bytes: 10 * MiB, scenarios: 30 });
    t = 2050; // within the redraw interval: no redraw
    p.traceDone({ bytes: 10 * MiB, scenarios: 10 });
    t = 4000;
    p.message('resuming run 3');
    t = 8000;
    p.traceDone({ bytes: 20 * MiB, scenarios: 20 });
    p.end();
    const frames = err.text().split('\r\x1b[K');
    expect(frames).toEqual([
      '',
      'run: 1/4 trace(s), 10.0 MiB of 40.0 MiB, 5.0 MiB/s, 30 scenario(s) (15/s), ETA 0:06',
      'resuming run 3\n',
      'run: 2/4 trace(s), 20.0 MiB of 40.0 MiB, 5.0 MiB/s, 40 scenario(s) (10/s), ETA 0:04',
      'run: 3/4 trace(s), 40.0 MiB of 40.0 MiB, 5.0 MiB/s, 60 scenario(s) (8/s)',
      '',
    ]);
  });

  it('estimates from traces when a size is unknown', () => {
    const err = fakeStderr(true);
    let t = 0;
    const p = new Progress({ stream: err.stream, label: 'replay', traces: 3, now: () => t });
    t = 1000;
    p.traceDone({ bytes: 2 * MiB, scenarios: 5 });
    expect(p.line()).toBe('replay: 1/3 trace(s), 2.0 MiB, 2.0 MiB/s, 5 scenario(s) (5/s), ETA 0:02');
  });

  it('writes nothing when standard error is not a TTY, or with --json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinbench-progress-'));
    try {
      await writeFile(join(dir, 'a.trace'), 'x'.repeat(100));
      await writeFile(join(dir, 'b.trace'), 'y'.repeat(50));
      expect(await sourceBytes(['a.trace', 'b.trace'], dir)).toBe(150);
      expect(await sourceBytes(['a.trace', 'https://example.org/t.trace'], dir)).toBeUndefined();
      const pipe = fakeStderr(false);
      expect(progressWanted({ stderr: pipe.stream }, false)).toBe(false);
      expect(
        await progressFor(
          { stderr: pipe.stream, cwd: dir },
          { json: false, label: 'run', sources: ['a.trace'] },
        ),
      ).toBeNull();
      const tty = fakeStderr(true);
      expect(
        await progressFor(
          { stderr: tty.stream, cwd: dir },
          { json: true, label: 'run', sources: ['a.trace'] },
        ),
      ).toBeNull();
      const p = await progressFor(
        { stderr: tty.stream, cwd: dir },
        { json: false, label: 'run', sources: ['a.trace', 'b.trace'], configs: 2 },
      );
      expect(p?.line()).toMatch(/^run: 0\/4 trace\(s\), 0\.0 MiB of 0\.0 MiB/);
      expect(pipe.text()).toBe('');
      expect(tty.text()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the phase and the time elapsed for jobs without counts (record, report)', () => {
    const err = fakeStderr(true);
    let t = 0;
    const s = new StatusLine({ stream: err.stream, label: 'record', now: () => t, tickMs: null });
    s.phase('booting under qemu');
    t = 65_000;
    s.message('record: wrote t.trace');
    s.end();
    expect(err.text().split('\r\x1b[K')).toEqual([
      '',
      'record: booting under qemu, 0:00 elapsed',
      'record: wrote t.trace\n',
      'record: booting under qemu, 1:05 elapsed',
      '',
    ]);
    expect(statusLineFor({ stderr: fakeStderr(false).stream }, { json: false, label: 'report' })).toBeNull();
    expect(statusLineFor({ stderr: err.stream }, { json: true, label: 'report' })).toBeNull();
  });
});
