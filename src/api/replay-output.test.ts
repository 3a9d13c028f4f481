import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAdapters } from '../replay/adapters.ts';
import { resolvePolicies } from '../replay/load-policies.ts';
import { ndjsonLines } from '../replay/ndjson.ts';
import { replayCorpus } from '../replay/replay-corpus.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { formatSummary } from '../replay/summary.ts';
import { SummaryTally } from '../replay/summary-tally.ts';
import { ReplayOutput } from './replay-output.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinbench-replay-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A header announcing more entries than the trace holds: a trace-wide cut found at its end.
const text = readFileSync('traces/01-vfio-zero-ro.trace', 'latin1');
const short = join(dir, 'short.trace');
writeFileSync(
  short,
  text.slice(0, text.indexOf('\n', text.indexOf('pinbench_expect: ret=0 ret!=livelock')) + 1),
);
const sources = [
  'traces/03-vfio-zero-leak.trace',
  short,
  join(dir, 'empty.trace'),
  'traces/01-vfio-zero-ro.trace',
];
writeFileSync(sources[2]!, '');

describe('ReplayOutput', () => {
  it('streams the same NDJSON and summary as whole results, through a spool that moved to a file', async () => {
    const specs = ['v5.19-rc1', 'v6.1', 'v6.5'];
    const policies = await resolvePolicies(specs, process.cwd());
    // Whole results, every scenario kept, the cut applied to them: what replay printed before.
    const whole = [];
    for (const s of sources) {
      const r = await replayTrace(s, policies, { outcomes: true, adapters: defaultAdapters });
      whole.push(r);
    }
    expect(whole[1]!.scenarios.length).toBeGreaterThan(0);
    expect(whole[1]!.scenarios.every((s) => s.verdicts.every((v) => v.verdict !== 'pass'))).toBe(true);
    expect(whole[2]!.error).toBeDefined();

    for (const jobs of [0, 2]) {
      const out = new PassThrough();
      let ndjson = '';
      out.on('data', (d) => {
        ndjson += d;
      });
      // A spool of 1 KiB: every trace's lines go through a temporary file.
      const output = new ReplayOutput({ json: out, spoolMemory: 1024 });
      await replayCorpus(sources, {
        policySpecs: specs,
        policies,
        jobs,
        outcomes: true,
        stream: async (job) => output.sink(job),
        onResult: (r, i) => output.result(r, i),
      });
      expect(ndjson).toBe([...ndjsonLines(whole)].map((l) => `${l}\n`).join(''));
      const ids = policies.map((p) => p.id);
      expect(formatSummary(output.tally, { policies: ids })).toBe(
        formatSummary(SummaryTally.of(whole), { policies: ids }),
      );
    }
  });
});
