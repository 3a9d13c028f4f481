/**
 * `pinbench synth` end to end through the CLI's top level: output to stdout and to a file (the
 * same bytes), a real process piping into `pinbench ingest`, and exit 2 with a message naming
 * what to fix for each bad option.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../../test/support/cli-io.ts';
import { main } from '../main.ts';
import { parseByteSize } from './synth.ts';

function capture(cwd = process.cwd()) {
  return captureIo({ cwd });
}

describe('pinbench synth', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-synth-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads sizes with binary and decimal units', () => {
    expect(parseByteSize('1GiB')).toBe(2 ** 30);
    expect(parseByteSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('100MB')).toBe(100_000_000);
    expect(parseByteSize('64k')).toBe(65536);
    expect(parseByteSize('1000')).toBe(1000);
    expect(parseByteSize('1.5M')).toBe(1.5 * 2 ** 20);
    for (const bad of ['', 'GiB', '12XB', '-1M', '0', '1 G B']) expect(parseByteSize(bad), bad).toBeNull();
  });

  it('writes the same bytes to standard output and to --out', async () => {
    const a = capture();
    expect(
      await main(['synth', '--seed', '7', '--scenarios', '2', '--layout', 'trace-cmd', '--gaps'], a.io),
    ).toBe(0);
    expect(a.out().startsWith('cpus=')).toBe(true);
    const b = capture(dir);
    expect(
      await main(
        ['synth', '--seed', '7', '--scenarios', '2', '--layout', 'trace-cmd', '--gaps', '--out', 'x.trace'],
        b.io,
      ),
    ).toBe(0);
    expect(await readFile(join(dir, 'x.trace'), 'utf8')).toBe(a.out());
    expect(b.out()).toMatch(/^x\.trace: \d+ bytes, \d+ lines, 2 scenarios, \d+ call events/);
  });

  it('writes --size bytes of a call-heavy trace that pinbench ingest reads with nothing skipped', () => {
    const node = process.execPath;
    const bin = join(process.cwd(), 'bin/pinbench.js');
    const synth = spawnSync(node, [bin, 'synth', '--seed', '3', '--size', '300KiB', '--call-heavy'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(synth.status).toBe(0);
    expect(synth.stdout.length).toBeGreaterThanOrEqual(300 * 1024);
    const ingest = spawnSync(node, [bin, 'ingest', '-', '--json', '--strict'], {
      input: synth.stdout,
      encoding: 'utf8',
    });
    expect(ingest.status, ingest.stderr).toBe(0);
    const res = JSON.parse(ingest.stdout) as { layout: string; skipped: object; bytes: number };
    expect(res).toMatchObject({ layout: 'tracefs', skipped: {}, bytes: synth.stdout.length });
  });

  it('exits 2 with a message naming the option for bad input', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--seed is required/],
      [['--seed', 'x'], /--seed takes a whole number/],
      [['--seed', '1', '--layout', 'latency'], /--layout must be one of tracefs, trace-pipe, trace-cmd/],
      [['--seed', '1', '--size', '12XB'], /--size takes a size such as 1GiB/],
      [['--seed', '1', '--size', '1MiB', '--scenarios', '3'], /--scenarios or --size, not both/],
      [['--seed', '1', '--scenarios', '0'], /--scenarios must be at least 1/],
      [['--seed', '1', 'extra'], /unexpected argument 'extra'/],
      [['--seed', '1', '--bogus'], /bogus/],
      [['--seed', '1', '--out', join('/nonexistent-dir-for-pinbench', 'x.trace')], /cannot write .*x\.trace/],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await main(['synth', ...args], c.io), args.join(' ')).toBe(2);
      expect(c.err(), args.join(' ')).toMatch(message);
      expect(c.out(), args.join(' ')).toBe('');
    }
  });
});
