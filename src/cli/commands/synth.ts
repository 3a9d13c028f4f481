/**
 * `pinbench synth --seed N [--scenarios K | --size 1GiB] [--layout tracefs|trace-pipe|trace-cmd]
 * [--gaps] [--call-heavy] [--out FILE]`: a seeded synthetic trace, streamed to a file or standard
 * output. The work is `synthesize()` (src/synth); this parses, opens the output and prints.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileErrorCode, PinbenchError, UsageError } from '../../errors.ts';
import { DEFAULT_SCENARIOS, type SynthLayout, synthesize } from '../../synth/index.ts';
import { bool, type Command, int, str, strs } from '../command.ts';

const LAYOUT_NAMES = ['tracefs', 'trace-pipe', 'trace-cmd'] as const;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** `1GiB`, `512MiB`, `100MB`, `64k`, `1000` (bytes) -> bytes; null when it is not a size. */
export function parseByteSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'Write a seeded synthetic trace: random scenarios of every family among realistic noise',
  details: `
The same seed and options give the same bytes on any machine. Scenarios are drawn from every
family of the vocabulary (page kinds, zones and migratetypes, VMA kinds, every GUP API and flag
mix, vfio map/unmap cycles, io_uring, page-table inserts and lookups, munmap, fork), each
well-formed for the parser, among records of other tasks on other CPUs. Expectations appear now
and then and are not meant to pass on every release.

--size keeps writing scenarios until the trace body reaches the size (streamed: memory stays
bounded for gigabytes); units B, KB/MB/GB (powers of 1000), KiB/MiB/GiB or K/M/G (powers of 1024).
--call-heavy makes most lines call events (replay benchmarks). --gaps adds integrity gaps:
'CPU:n [LOST n EVENTS]' (trace-cmd: '[n EVENTS DROPPED]'), a CPU buffer that started late and an
overwritten buffer (tracefs).

Exit codes: 0 written; 2 bad options or an output that cannot be written.`,
  options: {
    seed: { type: 'string', arg: 'N', description: 'Seed (a whole number; required)' },
    scenarios: {
      type: 'string',
      arg: 'K',
      description: `Number of scenarios (default ${DEFAULT_SCENARIOS} without --size)`,
    },
    size: {
      type: 'string',
      arg: 'SIZE',
      description: 'Write scenarios until this size: 1GiB, 512MiB, 100MB',
    },
    layout: {
      type: 'string',
      arg: 'LAYOUT',
      description: `Text layout: ${LAYOUT_NAMES.join(', ')}`,
      default: 'tracefs',
    },
    gaps: { type: 'boolean', description: 'Add integrity gaps (lost events, late buffer start, overwrite)' },
    'call-heavy': {
      type: 'boolean',
      description: 'Long call sequences, little noise (at least half the lines are calls)',
    },
    out: { type: 'string', short: 'o', arg: 'FILE', description: 'Write to FILE instead of standard output' },
    target: {
      type: 'string',
      arg: 'FAMILY|FILE:LINE',
      description:
        'Guided: draw --candidates scenarios and keep those that reach the most branches of this family or line not yet reached (coverage runner)',
    },
    candidates: {
      type: 'string',
      arg: 'N',
      description: 'With --target: scenarios to draw and choose from (default 8 x --scenarios)',
    },
    policy: {
      type: 'string',
      short: 'p',
      multiple: true,
      arg: 'ID',
      description: 'With --target: measure under these policies (default: every release)',
    },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const seedText = str(values, 'seed');
    if (seedText === undefined) throw new UsageError('--seed is required (a whole number, e.g. --seed 1)');
    const seed = int(values, 'seed')!;
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed is too large: '${seedText}'`);
    const layout = str(values, 'layout') ?? 'tracefs';
    if (!(LAYOUT_NAMES as readonly string[]).includes(layout)) {
      throw new UsageError(`--layout must be one of ${LAYOUT_NAMES.join(', ')}, got '${layout}'`);
    }
    const scenarios = int(values, 'scenarios');
    if (scenarios === 0) throw new UsageError('--scenarios must be at least 1');
    const sizeText = str(values, 'size');
    let sizeBytes: number | undefined;
    if (sizeText !== undefined) {
      const n = parseByteSize(sizeText);
      if (n === null)
        throw new UsageError(`--size takes a size such as 1GiB, 512MiB or 100MB, got '${sizeText}'`);
      sizeBytes = n;
    }
    if (sizeBytes !== undefined && scenarios !== undefined) {
      throw new UsageError('give --scenarios or --size, not both');
    }
    const outPath = str(values, 'out');
    const target = str(values, 'target');
    if (target !== undefined) {
      if (sizeBytes !== undefined) throw new UsageError('--target takes --scenarios, not --size');
      const n = scenarios ?? DEFAULT_SCENARIOS;
      const drawn = int(values, 'candidates') ?? 8 * n;
      if (drawn < 1) throw new UsageError('--candidates must be at least 1');
      const { synthTarget, formatSynthTarget } = await import('../../analysis/synth-target.ts');
      const r = await synthTarget({
        target,
        seed,
        scenarios: n,
        drawn,
        synth: {
          layout: layout as SynthLayout,
          gaps: bool(values, 'gaps'),
          callHeavy: bool(values, 'call-heavy'),
        },
        policySpecs: strs(values, 'policy'),
        cwd: io.cwd,
      });
      if (outPath === undefined) io.stdout.write(r.text);
      else
        await writeFile(resolve(io.cwd, outPath), r.text).catch((e: NodeJS.ErrnoException) => {
          throw new PinbenchError(fileErrorCode(e), `cannot write ${outPath}: ${e.message}`, { cause: e });
        });
      (outPath === undefined ? io.stderr : io.stdout).write(formatSynthTarget(r));
      return 0;
    }
    const out: NodeJS.WritableStream =
      outPath === undefined ? io.stdout : createWriteStream(resolve(io.cwd, outPath));
    let failure: Error | undefined;
    out.on('error', (e: Error) => {
      failure ??= e;
    });
    if (outPath !== undefined) await Promise.race([once(out, 'open'), once(out, 'error')]).catch(() => {});
    const write = async (chunk: string): Promise<void> => {
      if (failure) throw failure;
      if (!out.write(chunk)) {
        await new Promise<void>((done) => {
          const wake = (): void => {
            out.off('drain', wake);
            out.off('error', wake);
            done();
          };
          out.on('drain', wake);
          out.on('error', wake);
        });
      }
      if (failure) throw failure;
    };
    const opts = {
      seed,
      layout: layout as SynthLayout,
      gaps: bool(values, 'gaps'),
      callHeavy: bool(values, 'call-heavy'),
      ...(scenarios !== undefined ? { scenarios } : {}),
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    };
    try {
      const stats = await synthesize(opts, write);
      if (outPath !== undefined) {
        await new Promise<void>((done, fail) => out.end(() => (failure ? fail(failure) : done())));
        io.stdout.write(
          `${outPath}: ${stats.bytes} bytes, ${stats.lines} lines, ${stats.scenarios} scenarios, ${stats.calls} call events, ${stats.integrity} integrity lines (${layout}, seed ${seed})\n`,
        );
      }
      // Gaps fall at random (about one record in 250): a short trace can draw none. Say so
      // rather than let "--gaps" look honoured.
      if (opts.gaps && stats.integrity === 0) {
        io.stderr.write(
          `pinbench synth: --gaps: no lost-event or buffer-start line fell in these ${stats.scenarios} scenario(s) (${stats.records} records; gaps fall on about 1 record in ${opts.callHeavy ? 2000 : 250} at random): give more --scenarios, a --size, or another --seed\n`,
        );
      }
      return 0;
    } catch (e) {
      const err = (failure ?? e) as NodeJS.ErrnoException;
      // A reader that went away (`pinbench synth ... | head`) is not an error of ours.
      if (outPath === undefined && err.code === 'EPIPE') return 0;
      if (e instanceof PinbenchError) throw e;
      throw new PinbenchError(
        fileErrorCode(err),
        `cannot write ${outPath ?? 'standard output'}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
  },
};
