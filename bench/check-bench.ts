/**
 * `pinbench check` over the shipped corpus as a developer runs it (a child process, start to
 * exit; issue 16's target is < 0.5 s wall on an idle machine), with its caches (check-cache.ts,
 * read-trace-cache.ts, baseline-records.ts) in a scratch PINBENCH_CACHE:
 *
 *   release     --candidate v6.0-rc1 --baseline v5.19
 *     no cache    --no-cache: every trace read and replayed (what check did before the caches)
 *     cold        empty result and read caches and no baseline records (Node's compile cache warm)
 *     warm        every result read from the cache
 *   module      a user module (v6.11 with one function overridden) against v6.11
 *     edited      the module changed since the last check: every trace replayed, read from the read cache,
 *                 the baseline (and the module where it cannot differ) from its records
 *                 (by default in one watched worker per 4 MiB of trace text, up to the cores)
 *     edited -j 1 the same in one worker
 *     edited, no records  the same with the baseline's records removed (a first check against v6.11)
 *     warm        the same module again: every result read from the cache
 *
 * Median of 5 each (min and max beside it), wall and CPU (user + sys of the child, by
 * /usr/bin/time when it is there). Every run's stdout is compared with the no-cache run's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const TIME = '/usr/bin/time';
const RUNS = 5;

interface Run {
  wall: number;
  cpu: number | null;
  stdout: string;
}

function check(args: string[], cache: string, dir: string): Run {
  const cmd = [process.execPath, join(ROOT, 'bin/pinbench.js'), 'check', '--no-html', '--json', ...args];
  const timeFile = join(dir, 'time.txt');
  const withTime = existsSync(TIME);
  const t0 = performance.now();
  const res = spawnSync(
    withTime ? TIME : cmd[0]!,
    withTime ? ['-f', '%U %S', '-o', timeFile, ...cmd] : cmd.slice(1),
    {
      cwd: ROOT,
      env: { ...process.env, PINBENCH_CACHE: cache, PINBENCH_CHECK_CACHE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const wall = performance.now() - t0;
  if (res.status !== 0 && res.status !== 1)
    throw new Error(`pinbench check exited ${res.status}: ${res.stderr}`);
  let cpu: number | null = null;
  if (withTime) {
    const [u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    cpu = (u! + s!) * 1000;
  }
  return { wall, cpu, stdout: res.stdout };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function summary(runs: Run[]): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const walls = runs.map((r) => r.wall);
  const cpus = runs.flatMap((r) => (r.cpu === null ? [] : [r.cpu]));
  return `wall ${s(median(walls))} s (${s(Math.min(...walls))}-${s(Math.max(...walls))}), cpu ${
    cpus.length ? `${s(median(cpus))} s` : 'n/a'
  }`;
}

export async function benchCheck({ dir }: { dir: string }): Promise<Record<string, number | string>> {
  // The release's cold runs empty their own cache directory; the module's keeps its records.
  const cache = join(dir, 'cache');
  const releaseCache = join(dir, 'cache-release');
  const clear = () => {
    for (const sub of ['check-results', 'read-traces', 'baseline-records'])
      rmSync(join(releaseCache, sub), { recursive: true, force: true });
  };
  mkdirSync(dir, { recursive: true });
  const module = join(dir, 'my-fix.ts');
  const moduleText = (n: number) =>
    [
      `import { definePolicy } from './${relative(dir, join(ROOT, 'policies/define-policy.ts'))}';`,
      `// edit ${n}`,
      'export default definePolicy({',
      "  id: 'my-fix', base: 'v6.11', subject: 'mm/gup: refuse long-term pins of device-private folios',",
      '  override: (base) => ({',
      '    folioIsLongtermPinnable(k, st, folio) {',
      "      if (folio.kind === 'device_private') return false;",
      '      return base.folioIsLongtermPinnable(k, st, folio);',
      '    },',
      '  }),',
      '});',
      '',
    ].join('\n');
  writeFileSync(module, moduleText(0));
  const release = ['--candidate', 'v6.0-rc1', '--baseline', 'v5.19'];
  const mod = ['--candidate', module, '--baseline', 'v6.11'];
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

  // Warms Node's compile cache in the scratch cache directories (every case below needs it warm).
  check(release, cache, dir);
  check(release, releaseCache, dir);
  const rows: Record<string, Run[]> = {
    'release, no cache': [],
    'release, cold': [],
    'release, warm': [],
    'module, edited (read cache warm)': [],
    'module, edited, one worker (-j 1)': [],
    'module, edited, no baseline records': [],
    'module, warm': [],
  };
  const want = { release: check(['--no-cache', ...release], cache, dir).stdout, module: '' };
  want.module = check(['--no-cache', ...mod], cache, dir).stdout;
  let edit = 1;
  // The baseline's records, as every check against v6.11 after the first finds them.
  writeFileSync(module, moduleText(edit++));
  check(mod, cache, dir);
  // Interleaved, so that a change in the machine's load touches every case alike.
  for (let i = 0; i < RUNS; i++) {
    rows['release, no cache']!.push(check(['--no-cache', ...release], releaseCache, dir));
    clear();
    rows['release, cold']!.push(check(release, releaseCache, dir));
    rows['release, warm']!.push(check(release, releaseCache, dir));
    writeFileSync(module, moduleText(edit++));
    rows['module, edited (read cache warm)']!.push(check(mod, cache, dir));
    rows['module, warm']!.push(check(mod, cache, dir));
    writeFileSync(module, moduleText(edit++));
    rows['module, edited, one worker (-j 1)']!.push(check(['-j', '1', ...mod], cache, dir));
    writeFileSync(module, moduleText(edit++));
    rmSync(join(cache, 'baseline-records'), { recursive: true, force: true });
    rows['module, edited, no baseline records']!.push(check(mod, cache, dir));
  }
  const out: Record<string, number | string> = { 'load average at start (1, 5, 15 min)': load };
  let same = true;
  for (const [name, runs] of Object.entries(rows)) {
    out[`${name} (median of ${RUNS})`] = summary(runs);
    const expected = name.startsWith('release') ? want.release : want.module;
    same &&= runs.every((r) => r.stdout === expected);
  }
  out['--json output identical to --no-cache in every run'] = same ? 'yes' : 'NO';
  return out;
}
