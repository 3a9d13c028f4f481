/**
 * Engine invariants over the shipped corpus with every release: lockstep replay equals replaying
 * each policy on its own; worker threads give what the main thread gives; reading the bytes in
 * tiny chunks gives what reading them whole gives.
 */
import { describe, expect, it } from 'vitest';
import { releases } from '../policies/index.ts';
import { findCorpusFiles } from '../src/ingest/index.ts';
import { ndjsonLines } from '../src/replay/ndjson.ts';
import { replayCorpus } from '../src/replay/replay-corpus.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import type { TraceReplayResult } from '../src/replay/results.ts';

const files = (await findCorpusFiles('traces')).filter((f) => !f.startsWith('traces/real'));
const all = releases();

function perPolicy(results: readonly TraceReplayResult[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of ndjsonLines(results)) {
    const rec = JSON.parse(line) as { type: string; policy?: string };
    if (rec.type === 'divergence' || !rec.policy) continue;
    const list = out.get(rec.policy) ?? [];
    list.push(line);
    out.set(rec.policy, list);
  }
  return out;
}

describe('replay invariants', () => {
  it('lockstep over all releases equals one policy at a time', async () => {
    const together: TraceReplayResult[] = [];
    for (const f of files) together.push(await replayTrace(f, all, { outcomes: true }));
    const joint = perPolicy(together);
    for (const p of all) {
      const alone: TraceReplayResult[] = [];
      for (const f of files) alone.push(await replayTrace(f, [p], { outcomes: true }));
      expect(perPolicy(alone).get(p.id), p.id).toEqual(joint.get(p.id));
    }
    expect(joint.size).toBe(all.length);
  });

  it('worker threads (2) give byte-identical NDJSON to the main thread (0)', async () => {
    const opts = { policySpecs: [], policies: all, outcomes: true } as const;
    const inline = await replayCorpus(files, { ...opts, jobs: 0 });
    const threads = await replayCorpus(files, { ...opts, jobs: 2 });
    expect([...ndjsonLines(threads)].join('\n')).toBe([...ndjsonLines(inline)].join('\n'));
    expect([...ndjsonLines(inline)].length).toBeGreaterThan(1000);
  });

  it('reading in 7-byte chunks equals reading in 1 MiB chunks', async () => {
    for (const f of files.slice(0, 4)) {
      const whole = await replayTrace(f, all, { outcomes: true });
      const chunked = await replayTrace(f, all, { outcomes: true, ingest: { readChunkBytes: 7 } });
      expect([...ndjsonLines([chunked])]).toEqual([...ndjsonLines([whole])]);
    }
  });
});
