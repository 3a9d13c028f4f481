/**
 * `npm run bench` (node bench/main.ts [--size-mib N] [--only NAME] [--large]): runs the registered
 * benchmarks in sequence and prints what each measured. Add a benchmark by adding one entry to
 * BENCHMARKS. Benchmarks are measurements, not tests: nothing here passes or fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCheck } from './check-bench.ts';
import { benchIngest } from './ingest-bench.ts';
import { benchLockstep, LOCKSTEP_DEFAULT_MIB } from './lockstep-bench.ts';
import { benchReplay, REPLAY_DEFAULT_MIB } from './replay-bench.ts';
import { benchReport } from './report-bench.ts';
import { benchReportSynth } from './report-synth-bench.ts';
import { benchRss, RSS_LARGE_SIZES_MIB, RSS_SIZES_MIB } from './rss-bench.ts';
import { benchStore } from './store-bench.ts';

export interface BenchOptions {
  /** Input size for benchmarks that generate data. */
  sizeMiB: number;
  /** A scratch directory, removed afterwards. */
  dir: string;
  /** The size came from `--size-mib`. */
  sizeGiven: boolean;
  /** `--large`: the sizes that take an hour or more too (rss: 1 GiB and 4 GiB). */
  large: boolean;
}

export interface Benchmark {
  name: string;
  /** Its size without `--size-mib` (default 512). */
  defaultSizeMiB?: number;
  run(opts: BenchOptions): Promise<Record<string, number | string>>;
}

export const BENCHMARKS: Benchmark[] = [
  { name: 'ingest', run: benchIngest },
  { name: 'report', run: benchReport },
  {
    name: 'store',
    // PINBENCH_BENCH_PG=postgres://... measures a server of your own (else a throwaway local one).
    run: ({ dir }) =>
      benchStore({
        rows: 50_000,
        dir,
        ...(process.env.PINBENCH_BENCH_PG ? { pgUrl: process.env.PINBENCH_BENCH_PG } : {}),
      }),
  },
  { name: 'replay', defaultSizeMiB: REPLAY_DEFAULT_MIB, run: benchReplay },
  // `check` over the shipped corpus: no cache, cold and warm caches, a release and a user module.
  { name: 'check', run: ({ dir }) => benchCheck({ dir }) },
  {
    name: 'rss',
    defaultSizeMiB: 64,
    // Its own sizes (64 and 256 MiB; --large adds 1 and 4 GiB); --size-mib measures one size.
    run: ({ dir, large, sizeMiB, sizeGiven }) =>
      benchRss({
        dir,
        sizesMiB: sizeGiven ? [sizeMiB] : large ? [...RSS_SIZES_MIB, ...RSS_LARGE_SIZES_MIB] : RSS_SIZES_MIB,
      }),
  },
  { name: 'lockstep', defaultSizeMiB: LOCKSTEP_DEFAULT_MIB, run: benchLockstep },
  // The report of a synthetic run of --size-mib (default 64): run (which makes the kinds' minimised
  // slices), then the first, a later, a --no-minimize and an empty-cache report: size, pages, times.
  { name: 'report-synth', defaultSizeMiB: 64, run: ({ dir, sizeMiB }) => benchReportSynth({ dir, sizeMiB }) },
];

function table(name: string, result: Record<string, number | string>): string {
  const rows = Object.entries(result).map(([k, v]) => [
    k,
    typeof v === 'number' ? v.toLocaleString('en-US') : v,
  ]);
  const w = Math.max(...rows.map(([k]) => k!.length));
  return [`${name}`, ...rows.map(([k, v]) => `  ${k!.padEnd(w)}  ${v}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'size-mib': { type: 'string' }, only: { type: 'string' }, large: { type: 'boolean' } },
  });
  const given = values['size-mib'] === undefined ? undefined : Number(values['size-mib']);
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) {
    process.stderr.write(`--size-mib takes a whole number of MiB, got '${values['size-mib']}'\n`);
    return 2;
  }
  const selected = values.only ? BENCHMARKS.filter((b) => b.name === values.only) : BENCHMARKS;
  if (selected.length === 0) {
    process.stderr.write(
      `no benchmark named '${values.only}' (have: ${BENCHMARKS.map((b) => b.name).join(', ')})\n`,
    );
    return 2;
  }
  process.stdout.write(`node ${process.version}, ${process.arch}\n\n`);
  for (const b of selected) {
    const sizeMiB = given ?? b.defaultSizeMiB ?? 512;
    const dir = await mkdtemp(join(tmpdir(), `pinbench-bench-${b.name}-`));
    try {
      const t0 = performance.now();
      const result = await b.run({
        sizeMiB,
        dir,
        large: values.large === true,
        sizeGiven: given !== undefined,
      });
      process.stdout.write(
        `${table(`${b.name} (${sizeMiB} MiB)`, result)}\n  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
