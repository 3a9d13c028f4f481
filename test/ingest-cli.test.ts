/**
 * End-to-end: `pinbench ingest` through the CLI's top level (exit codes, output shapes).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIX = 'test/fixtures/real-traces/tracefs-6.18';
const tmp = mkdtempSync(join(tmpdir(), 'pinbench-cli-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(cwd = ROOT, stdin = new PassThrough()) {
  return captureIo({ cwd, stdin });
}

const CONTRACT_KEYS = [
  'source',
  'bytes',
  'lines',
  'layout',
  'sha256',
  'records',
  'headers',
  'integrity',
  'blank',
  'skipped',
];

describe('pinbench ingest', () => {
  it('--json prints one object per source per line with the contract keys', async () => {
    const c = capture();
    const files = ['a_default_io_uring_mmap_kmem.trace', 'i1_overflow_trace_pipe.txt'].map(
      (f) => `${FIX}/${f}`,
    );
    expect(await main(['ingest', ...files, '--json'], c.io)).toBe(0);
    const lines = c.out().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objs) {
      expect(Object.keys(o).slice(0, CONTRACT_KEYS.length)).toEqual(CONTRACT_KEYS);
      const skipped = Object.values(o.skipped as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(o.lines).toBe(
        (o.records as number) +
          (o.headers as number) +
          (o.integrity as number) +
          (o.blank as number) +
          skipped,
      );
    }
    expect(objs[0]).toMatchObject({
      source: files[0],
      bytes: 56242,
      lines: 299,
      layout: 'tracefs',
      records: 287,
      headers: 12,
      integrity: 0,
      blank: 0,
      skipped: {},
    });
    expect(objs[1]).toMatchObject({ source: files[1], layout: 'trace-pipe', records: 366, integrity: 2 });
    expect(objs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prints a readable stats table', async () => {
    const c = capture();
    expect(await main(['ingest', `${FIX}/i1_overflow_trace_pipe.txt`], c.io)).toBe(0);
    expect(c.out()).toContain('layout trace-pipe, clock ns, 48,941 bytes');
    expect(c.out()).toMatch(
      / {2}records {4}366\n {2}headers {6}0\n {2}integrity {4}2\n {2}blank {8}0\n {2}skipped {6}0\n {2}lines {6}368\n/,
    );
    expect(c.out()).toContain('line 1: lost-events cpu 1, 15,855 events');
  });

  it('reads stdin for -', async () => {
    const stdin = new PassThrough();
    const c = capture(ROOT, stdin);
    stdin.end(gzipSync(readFileSync(join(ROOT, FIX, 'c_irq_info_off.trace'))));
    expect(await main(['ingest', '-', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({
      source: '-',
      layout: 'tracefs',
      records: 137,
      compressed: true,
    });
  });

  it('with no sources reads the corpus under traces/, or says there is none', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const c = capture(empty);
    expect(await main(['ingest'], c.io)).toBe(0);
    expect(c.out()).toBe(`No traces found under ${join(empty, 'traces')} (*.trace, *.txt, *.trace.gz).\n`);

    const proj = join(tmp, 'proj');
    mkdirSync(join(proj, 'traces', 'sub'), { recursive: true });
    copyFileSync(join(ROOT, FIX, 'f_trace_marker_only.trace'), join(proj, 'traces', 'f.trace'));
    writeFileSync(
      join(proj, 'traces', 'sub', 'c.trace.gz'),
      gzipSync(readFileSync(join(ROOT, FIX, 'c_irq_info_off.trace'))),
    );
    writeFileSync(join(proj, 'traces', 'notes.md'), 'not a trace\n');
    const d = capture(proj);
    expect(await main(['ingest', '--json'], d.io)).toBe(0);
    const objs = d
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; records: number });
    expect(objs.map((o) => [o.source, o.records])).toEqual([
      ['traces/f.trace', 127],
      ['traces/sub/c.trace.gz', 137],
    ]);
  });

  it('exits 2 with file:line:col and the code under --strict', async () => {
    const bad = join(tmp, 'bad.trace');
    writeFileSync(bad, '# tracer: nop\n  x-1 [000] .....  1.000001: ev: ok\nnot a line\n');
    const c = capture(tmp);
    expect(await main(['ingest', 'bad.trace', '--strict'], c.io)).toBe(2);
    expect(c.err()).toBe(
      "pinbench ingest: bad.trace:3:1: expected a '[NNN]' cpu field after '<task>-<pid>': 'not a line' [PB_TRACE_SYNTAX]\n",
    );
    const lenient = capture(tmp);
    expect(await main(['ingest', 'bad.trace', '--json'], lenient.io)).toBe(0);
    expect(JSON.parse(lenient.out())).toMatchObject({
      records: 1,
      headers: 1,
      skipped: { 'no-cpu-field': 1 },
    });
  });

  it('exits 2 on refused layouts and unreadable sources', async () => {
    const graph = join(tmp, 'graph.trace');
    writeFileSync(graph, '# tracer: function_graph\n#\n');
    const c = capture(tmp);
    expect(await main(['ingest', 'graph.trace'], c.io)).toBe(2);
    expect(c.err()).toContain('graph.trace:1: this is function_graph tracer output');
    expect(c.err()).toContain('[PB_TRACE_REFUSED]');
    const d = capture(tmp);
    expect(await main(['ingest', 'nope.trace'], d.io)).toBe(2);
    expect(d.err()).toBe('pinbench ingest: nope.trace: cannot read: no such file [PB_USAGE]\n');
  });

  it('runs as a real process: node bin/pinbench.js ingest ... --json', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'bin/pinbench.js',
        'ingest',
        `${FIX}/c_irq_info_off.trace`,
        `${FIX}/f_trace_marker_only.trace`,
        '--json',
      ],
      { cwd: ROOT },
    );
    const objs = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { records: number; layout: string });
    expect(objs.map((o) => [o.layout, o.records])).toEqual([
      ['tracefs', 137],
      ['tracefs', 127],
    ]);
  });
});
