/**
 * Peak memory against trace size (issue 16): `pinbench replay -j 0` and `pinbench run
 * --no-report` (replay + store into a fresh PGlite directory) as child processes on seeded
 * synthetic traces (`pinbench synth --seed 7 --size N`), 64 MiB and 256 MiB; `bench --large`
 * adds 1 GiB and 4 GiB (an hour or more on 2 cores, and the disk for the trace and the database).
 * Each child reports its own peak RSS (getrusage, worker threads included) through a preload,
 * so nothing here samples. Wall time is beside it; on a shared machine it says little.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/pinbench.js');
const PRELOAD = join(ROOT, 'bench/max-rss-on-exit.ts');

export const RSS_SIZES_MIB = [64, 256];
export const RSS_LARGE_SIZES_MIB = [1024, 4096];

/** Runs `pinbench ...args`; its wall time and peak RSS. Fails on a non-zero-or-one exit. */
function measure(args: string[], dir: string): { s: number; rssMiB: number } {
  const out = join(dir, 'rss.txt');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    cwd: dir,
    env: { ...process.env, PINBENCH_RSS_OUT: out },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const s = (performance.now() - t0) / 1000;
  // 1: failures found (synthetic expectations do fail on some releases); anything else is not a measurement.
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`pinbench ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  }
  return { s: Math.round(s * 10) / 10, rssMiB: Math.round(Number(readFileSync(out, 'utf8')) / 2 ** 20) };
}

export async function benchRss(opts: {
  dir: string;
  sizesMiB: readonly number[];
}): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const mib of opts.sizesMiB) {
    const trace = join(opts.dir, `synth-${mib}.trace`);
    const synth = spawnSync(process.execPath, [
      BIN,
      'synth',
      '--seed',
      '7',
      '--size',
      `${mib}MiB`,
      '-o',
      trace,
    ]);
    if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr.toString()}`);
    const replay = measure(['replay', '-j', '0', trace], opts.dir);
    result[`replay -j 0, ${mib} MiB`] = `${replay.rssMiB} MiB peak RSS, ${replay.s} s`;
    const db = join(opts.dir, `db-${mib}`);
    const run = measure(['run', '--no-report', '--db', db, trace], opts.dir);
    result[`run --no-report, ${mib} MiB`] = `${run.rssMiB} MiB peak RSS, ${run.s} s`;
    rmSync(db, { recursive: true, force: true });
    rmSync(trace, { force: true });
  }
  return result;
}
