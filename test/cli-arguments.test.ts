/**
 * The command line as a user types it (issue 12, "smaller defects"): directories stand for the
 * traces in them (replay, check, run, ingest), a missing trace stores nothing, a check over no
 * scenario is bad input, typos get a suggestion and a clean message, `accept` names policies in
 * release order, and `synth --gaps` says when no gap fell.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inReleaseOrder } from '../src/cli/commands/accept.ts';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'pinbench-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], cwd = ROOT) {
  const c = captureIo({ cwd });
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** A directory with two shipped traces (one in a subdirectory) and a file that is not a trace. */
function traceDir(): string {
  const dir = join(tmp, `corpus-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, '01.trace'), readFileSync(join(ROOT, 'traces/01-vfio-zero-ro.trace')));
  writeFileSync(join(dir, 'sub/03.trace'), readFileSync(join(ROOT, 'traces/03-vfio-zero-leak.trace')));
  writeFileSync(join(dir, 'notes.md'), '# not a trace\n');
  return dir;
}

describe('a directory names the traces under it', () => {
  it('replay traces/ reads every shipped trace, as the README shows', async () => {
    const r = await cli(['replay', 'traces/', '-j', '0', '--policy', 'v5.19', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const traces = new Set(
      r.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { trace: string }).trace),
    );
    expect(traces).toContain('traces/01-vfio-zero-ro.trace');
    expect(traces).toContain('traces/real/kprobe-6.1/default.kprobe.trace');
  });

  it('replay, check and ingest take a directory (recursively, trace files only)', async () => {
    const dir = traceDir();
    const replay = await cli(['replay', dir, '-j', '0', '--policy', 'v5.19']);
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/^2 trace\(s\)/);
    const check = await cli(['check', '--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '-j', '0', dir]);
    expect(check.code).toBe(1);
    expect(check.out).toContain(`REGRESSION vfio-zero-ro-hang (${join(dir, '01.trace')})`);
    const ingest = await cli(['ingest', dir, '--json']);
    expect(ingest.code).toBe(0);
    expect(
      ingest.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { source: string }).source),
    ).toEqual([join(dir, '01.trace'), join(dir, 'sub/03.trace')]);
  });

  it('run DIR stores the traces under it', async () => {
    const dir = traceDir();
    const db = join(tmp, 'db-dir');
    const r = await cli(
      ['run', dir, '--db', db, '--no-report', '-j', '0', '--policy', 'v5.19', '--json'],
      tmp,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).run).toMatchObject({ status: 'complete', traces: 2 });
  });

  it('a directory without trace files is bad input naming it', async () => {
    const dir = join(tmp, 'empty');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README.md'), 'x');
    for (const cmd of ['replay', 'ingest']) {
      const r = await cli([cmd, dir]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${dir}: no trace files (.trace, .txt, .trace.gz) in this directory`);
    }
  });
});

describe('bad input is caught before any work', () => {
  it('run with a missing trace exits 2 and stores no run', async () => {
    const db = join(tmp, 'db-missing');
    const r = await cli(['run', 'traces/01-vfio-zero-ro.trace', 'traces/nope.trace', '--db', db, '-j', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('pinbench run: traces/nope.trace: cannot read: no such file [PB_USAGE]\n');
    expect(r.out).toBe('');
    const runs = await cli(['runs', '--db', db]);
    expect(runs.out).toMatch(/^no runs in .* yet/);
  });

  it('check over traces holding no scenario exits 2 instead of "no regressions"', async () => {
    const file = join(tmp, 'no-scenarios.txt');
    writeFileSync(file, '# tracer: nop\n#\n');
    const r = await cli(['check', '--candidate', 'v6.0-rc1', '--baseline', 'v5.19', '-j', '0', file]);
    expect(r.code).toBe(2);
    expect(r.out).not.toContain('no regressions');
    expect(r.err).toContain(`no scenarios in ${file}: nothing was checked`);
  });
});

describe('typos', () => {
  it('a mistyped command gets a suggestion', async () => {
    const r = await cli(['chek']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "pinbench: unknown command 'chek' (did you mean 'check'?). Run 'pinbench --help' for the list. [PB_USAGE]\n",
    );
  });

  it('an unknown option reads cleanly, with a suggestion; a missing or extra value too', async () => {
    const typo = await cli(['replay', '--polcy', 'v5.19']);
    expect(typo.code).toBe(2);
    expect(typo.err).toBe(
      "pinbench replay: unknown option '--polcy' (did you mean '--policy'?) [PB_USAGE]\nRun 'pinbench replay --help' for usage.\n",
    );
    const other = await cli(['runs', '--frobnicate']);
    expect(other.err).toMatch(/^pinbench runs: unknown option '--frobnicate' \[PB_USAGE\]\n/);
    expect(other.err).not.toMatch(/positional|place it at the end/);
    const missing = await cli(['synth', '-o']);
    expect(missing.err).toMatch(/^pinbench synth: --out needs a value \(--out FILE\) \[PB_USAGE\]/);
    const extra = await cli(['synth', '--seed', '1', '--gaps=yes']);
    expect(extra.err).toMatch(/^pinbench synth: --gaps takes no value \[PB_USAGE\]/);
  });
});

describe('accept', () => {
  it('names policies in release order, not text order', () => {
    expect(inReleaseOrder(['v6.0', 'v5.13', 'v6.0-rc1', 'my-fix', 'v5.4', 'pre-873aefb376bb'])).toEqual([
      'v5.4',
      'v5.13',
      'v6.0-rc1',
      'v6.0',
      'my-fix',
      'pre-873aefb376bb',
    ]);
  });
});

describe('synth --gaps', () => {
  it('says so when no gap fell in a short trace, and stays quiet when one did', async () => {
    const none = await cli(['synth', '--seed', '7', '--gaps', '--scenarios', '3', '-o', 'g.txt'], tmp);
    expect(none.code).toBe(0);
    expect(none.out).toContain('0 integrity lines');
    expect(none.err).toMatch(
      /^pinbench synth: --gaps: no lost-event or buffer-start line fell in these 3 scenario\(s\)/,
    );
    const some = await cli(['synth', '--seed', '1', '--gaps', '--layout', 'trace-cmd', '-o', 'h.txt'], tmp);
    expect(some.out).toContain('3 integrity lines');
    expect(some.err).toBe('');
  });
});
