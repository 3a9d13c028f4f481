/**
 * Replay against parse-only by CPU time (issue 16, "a lockstep that steps equal kernels once"):
 * `synth --seed 7 --size <N> --call-heavy` (64 MiB unless --size-mib), replayed with the first
 * release, the first 8 and every release, each with every policy stepped alone and with the
 * grouped lockstep (replay-scenario.ts `lockstep`), beside ingest + event stream of the same
 * file. Reports CPU seconds, the replay/parse ratio (target 4x), the model steps each took, and
 * for the grouped lockstep how many steps a split took back and how many state copies it made.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { releases } from '../policies/index.ts';
import { ingestSource } from '../src/ingest/index.ts';
import { EventStream } from '../src/model/event-stream.ts';
import type { LockstepSteps } from '../src/replay/replay-scenario.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import { synthesize } from '../src/synth/index.ts';

export const LOCKSTEP_DEFAULT_MIB = 64;

async function cpuSeconds(fn: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export async function benchLockstep(opts: {
  sizeMiB: number;
  dir: string;
}): Promise<Record<string, number | string>> {
  const path = join(opts.dir, 'lockstep.trace');
  const out = createWriteStream(path);
  await synthesize(
    { seed: 7, sizeBytes: opts.sizeMiB * 1024 * 1024, layout: 'tracefs', callHeavy: true },
    async (chunk) => {
      if (!out.write(chunk)) await once(out, 'drain');
    },
  );
  out.end();
  await once(out, 'finish');

  const parse = async (): Promise<void> => {
    const stream = new EventStream(path);
    await ingestSource(path, { onRecord: (r) => void stream.push(r) });
    stream.end();
  };
  const parseCpu = Math.min(await cpuSeconds(parse), await cpuSeconds(parse));
  const result: Record<string, number | string> = {
    'load average (1 min) at start': round((await import('node:os')).loadavg()[0]!, 1),
    'parse-only cpu s': round(parseCpu),
  };
  const all = releases();
  for (const n of [1, 8, all.length]) {
    const policies = all.slice(0, n);
    for (const lockstep of [false, true]) {
      const steps: LockstepSteps = { alone: 0, stepped: 0, rollbacks: 0, copies: 0 };
      const cpu = await cpuSeconds(() => replayTrace(path, policies, { outcomes: false, lockstep, steps }));
      const label = `${n} ${n === 1 ? 'policy' : 'policies'}, ${lockstep ? 'grouped' : 'alone'}`;
      result[`${label}: cpu s`] = round(cpu);
      result[`${label}: replay / parse (cpu)`] = round(cpu / parseCpu, 1);
      result[`${label}: model steps`] = steps.stepped;
      if (lockstep) {
        result[`${label}: steps saved`] =
          `${steps.alone - steps.stepped} of ${steps.alone} (${round((100 * (steps.alone - steps.stepped)) / steps.alone, 1)}%)`;
        result[`${label}: steps taken back (group split)`] = steps.rollbacks;
        result[`${label}: state copies (split for good)`] = steps.copies;
      }
    }
  }
  return result;
}
