/**
 * The report of a synthetic run (issue 16: a 64 MiB run's report under 50 MiB, written in under
 * 10 s, minimised slices included, the first report as well as later ones): `pinbench synth
 * --seed 7 --size N`, `pinbench run --no-report` into a fresh PGlite directory and a fresh
 * slice cache (PINBENCH_CACHE; run makes the kinds' minimised slices there), then `pinbench
 * report` of that run, each a child process: the first report (slices from run), a second,
 * `--no-minimize`, and one with an empty cache (a report that has to minimise within its own
 * budget, as on a machine other than run's). Reports the report's size on disk (every file), its
 * pages, the slice counts each command printed, and the wall and CPU time of each command (CPU
 * from /usr/bin/time where it exists: on a shared machine the wall time says little). Measures;
 * asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/pinbench.js');
const TIME = '/usr/bin/time';

interface Timed {
  wallS: number;
  cpuS: number | null;
  maxRssMiB: number | null;
  /** What it printed about minimised slices. */
  slices: string;
}

/** Runs `pinbench ...args` (exit 0 or 1: synthetic expectations fail on some releases). */
function pinbench(args: string[], dir: string, cache: string): Timed {
  const times = join(dir, 'time.txt');
  const withTime = existsSync(TIME);
  const cmd = withTime ? TIME : process.execPath;
  const argv = withTime ? ['-o', times, '-f', '%U %S %M', process.execPath, BIN, ...args] : [BIN, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    env: { ...process.env, PINBENCH_CACHE: cache },
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`pinbench ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-2000)}`);
  }
  const slices = /(\d+ minimised slice\(s\).*)$/m.exec(r.stdout.toString())?.[1] ?? 'none';
  if (!withTime) return { wallS, cpuS: null, maxRssMiB: null, slices };
  const [user, sys, rssKb] = readFileSync(times, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallS, cpuS: user! + sys!, maxRssMiB: Math.round(rssKb! / 1024), slices };
}

function dirStats(dir: string): { bytes: number; files: number; pages: number } {
  let bytes = 0;
  let files = 0;
  let pages = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        bytes += statSync(p).size;
        files++;
        if (e.name.endsWith('.html')) pages++;
      }
    }
  };
  walk(dir);
  return { bytes, files, pages };
}

const fmt = (t: Timed) =>
  `${t.wallS.toFixed(1)} s wall${t.cpuS === null ? '' : `, ${t.cpuS.toFixed(1)} s CPU`}${t.maxRssMiB === null ? '' : `, ${t.maxRssMiB} MiB peak RSS`}; ${t.slices}`;
const size = (dir: string) => {
  const s = dirStats(dir);
  return `${(s.bytes / 2 ** 20).toFixed(1)} MiB in ${s.files} files (${s.pages} pages)`;
};

export async function benchReportSynth(opts: {
  dir: string;
  sizeMiB: number;
}): Promise<Record<string, string>> {
  const trace = join(opts.dir, `synth-${opts.sizeMiB}.trace`);
  const db = join(opts.dir, 'db');
  const out = join(opts.dir, 'report');
  const synth = spawnSync(process.execPath, [
    BIN,
    'synth',
    '--seed',
    '7',
    '--size',
    `${opts.sizeMiB}MiB`,
    '-o',
    trace,
  ]);
  if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr.toString()}`);
  const cache = join(opts.dir, 'cache');
  const empty = join(opts.dir, 'empty-cache');
  try {
    const run = pinbench(['run', '--no-report', '--db', db, trace], opts.dir, cache);
    const first = pinbench(['report', '--db', db, '-o', out], opts.dir, cache);
    const firstSize = size(out);
    const again = pinbench(['report', '--db', db, '-o', out], opts.dir, cache);
    const bare = pinbench(['report', '--db', db, '-o', out, '--no-minimize'], opts.dir, cache);
    const bareSize = size(out);
    const cold = pinbench(['report', '--db', db, '-o', out], opts.dir, empty);
    return {
      trace: `synth --seed 7 --size ${opts.sizeMiB}MiB`,
      'run --no-report (makes the slices)': fmt(run),
      'report, first (slices from run)': fmt(first),
      'report, again': fmt(again),
      'report --no-minimize': fmt(bare),
      'report, empty cache (own 10 s budget)': fmt(cold),
      'report size': firstSize,
      'report size --no-minimize': bareSize,
    };
  } finally {
    for (const p of [trace, db, out, cache, empty]) rmSync(p, { recursive: true, force: true });
  }
}
