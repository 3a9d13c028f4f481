/**
 * Replay throughput (issue 5). Writes a seeded call-heavy synthetic trace (`pinbench synth
 * --call-heavy`: at least half of the lines are call events; checked here) and measures:
 *
 *   (a) replay      replayTrace() with every release: call events x policies per second
 *   (b) parse-only  ingestSource() + EventStream on the same file (no policies); the ratio
 *                   replay / parse-only (the target was <= 2x)
 *   (c) workers     replayCorpus() over 8 smaller synthetic traces with jobs 1 and jobs 2: the
 *                   speedup of two worker threads (target >= 1.7x on 2 cores)
 *   (d) check       `pinbench check --no-cache --candidate v6.0-rc1 --baseline v5.19` over the shipped
 *                   corpus as a child process, start to exit (target < 2 s); median of 3 (with the
 *                   caches: bench/check-bench.ts)
 *
 * Times are wall clock, with the CPU time of this process beside them: on a shared machine the
 * CPU time is the steadier figure. --size-mib sets the size of the (a)/(b) trace; the corpus of
 * (c) is 8 traces of size/16 each. Without --size-mib this benchmark uses 16 MiB (bench/main.ts
 * defaults every benchmark to 512 MiB, which would take about half an hour here): about two
 * minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { releases } from '../policies/index.ts';
import { ingestSource } from '../src/ingest/index.ts';
import { EventStream } from '../src/model/event-stream.ts';
import { replayCorpus } from '../src/replay/replay-corpus.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import { type SynthOptions, type SynthStats, synthesize } from '../src/synth/index.ts';

/** The size `npm run bench` uses without `--size-mib` (about a minute on 2 cores). */
export const REPLAY_DEFAULT_MIB = 16;
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

async function writeTrace(path: string, opts: SynthOptions): Promise<SynthStats> {
  const out = createWriteStream(path);
  const stats = await synthesize(opts, async (chunk) => {
    if (!out.write(chunk)) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
  return stats;
}

/** Wall and CPU milliseconds of `fn`. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  return { value, wall, cpu: (cu.user + cu.system) / 1000 };
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

export async function benchReplay(opts: {
  sizeMiB: number;
  dir: string;
}): Promise<Record<string, number | string>> {
  const policies = releases();
  const size = opts.sizeMiB * 1024 * 1024;
  const big = join(opts.dir, 'replay-heavy.trace');
  const synth = await writeTrace(big, { seed: 5, sizeBytes: size, layout: 'tracefs', callHeavy: true });
  const callShare = synth.calls / synth.lines;
  if (callShare < 0.5)
    throw new Error(`the synthetic trace is not call-heavy: ${synth.calls}/${synth.lines} call lines`);

  // (b) first, so the file is in the page cache for both; best of two runs.
  const parseOnce = () =>
    timed(async () => {
      const stream = new EventStream(big);
      await ingestSource(big, {
        onRecord: (r) => {
          stream.push(r);
        },
      });
      stream.end();
      return stream.stats.calls;
    });
  const p1 = await parseOnce();
  const p2 = await parseOnce();
  const parse = p1.wall <= p2.wall ? p1 : p2;

  // (a)
  const replay = await timed(() => replayTrace(big, policies, { outcomes: false }));
  const r = replay.value;
  const calls = r.events.calls;
  const divergences = r.scenarios.reduce((n, s) => n + s.divergences.length, 0);

  // (c) 8 traces of size/16, all releases resolved in each worker.
  const corpus: string[] = [];
  for (let i = 0; i < 8; i++) {
    const path = join(opts.dir, `corpus-${i}.trace`);
    await writeTrace(path, {
      seed: 100 + i,
      sizeBytes: Math.max(64 * 1024, size / 16),
      layout: 'trace-pipe',
      callHeavy: true,
    });
    corpus.push(path);
  }
  const corpusOpts = { policySpecs: [], policies, outcomes: false };
  const jobs1 = await timed(() => replayCorpus(corpus, { ...corpusOpts, jobs: 1 }));
  const jobs2 = await timed(() => replayCorpus(corpus, { ...corpusOpts, jobs: 2 }));

  // (d) the CLI as a developer runs it, in a child process.
  const checkRuns: number[] = [];
  let checkExit: number | null = null;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = spawnSync(
      process.execPath,
      // --no-cache: the replay itself, every time (the caches are measured by `--only check`).
      [
        join(ROOT, 'bin/pinbench.js'),
        'check',
        '--no-cache',
        '--candidate',
        'v6.0-rc1',
        '--baseline',
        'v5.19',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    checkRuns.push(performance.now() - t0);
    checkExit = res.status;
    if (res.status !== 0 && res.status !== 1)
      throw new Error(`pinbench check exited ${res.status}: ${res.stderr}`);
  }
  checkRuns.sort((a, b) => a - b);

  return {
    'trace MiB': round(synth.bytes / 1048576),
    'trace lines': synth.lines,
    'call events': calls,
    'call share of lines': round(callShare, 3),
    scenarios: synth.scenarios,
    policies: policies.length,
    '(a) replay s (wall)': round(replay.wall / 1000, 2),
    '(a) replay s (cpu)': round(replay.cpu / 1000, 2),
    '(a) calls x policies / s': Math.round((calls * policies.length) / (replay.wall / 1000)),
    '(a) calls x policies / cpu s': Math.round((calls * policies.length) / (replay.cpu / 1000)),
    '(a) model events x policies / s': Math.round(
      (r.events.modelEvents * policies.length) / (replay.wall / 1000),
    ),
    '(a) divergences': divergences,
    '(b) parse-only s (wall)': round(parse.wall / 1000, 2),
    '(b) parse-only MiB/s': round(synth.bytes / 1048576 / (parse.wall / 1000)),
    '(b) replay / parse-only (wall)': round(replay.wall / parse.wall),
    '(b) replay / parse-only (cpu)': round(replay.cpu / parse.cpu),
    '(b) per policy: replay / parse-only': round(replay.wall / parse.wall / policies.length, 2),
    '(c) corpus': `8 traces x ${round(size / 16 / 1048576, 2)} MiB`,
    '(c) jobs 1 s': round(jobs1.wall / 1000, 2),
    '(c) jobs 2 s': round(jobs2.wall / 1000, 2),
    '(c) speedup 2 vs 1': round(jobs1.wall / jobs2.wall, 2),
    '(d) check s (median of 3)': round(checkRuns[1]! / 1000, 2),
    '(d) check s (min, max)': `${round(checkRuns[0]! / 1000, 2)}, ${round(checkRuns[2]! / 1000, 2)}`,
    '(d) check exit code': checkExit ?? 'signal',
  };
}
