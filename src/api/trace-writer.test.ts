/**
 * A run lists its divergences in trace-id order (a kind's first occurrence, the JSON report,
 * paging), and a trace's content row gets its id when the trace begins. Two runs of the same
 * corpus listed them differently when a later trace's file was hashed (or its row inserted)
 * before an earlier one's. The writer begins traces in the order their sinks are asked for,
 * which is the corpus order: here the first trace's begin is held back by 150 ms, and the
 * second must still get the later id.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTemplate } from '../../test/support/store-backends.ts';
import { openStore, type Store } from '../store/store.ts';
import { TraceWriter, type TraceWrites } from './trace-writer.ts';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinbench-writer-'));
  store = await openStore({ db: join(dir, 'db'), pgliteTemplate: await pgliteTemplate() });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The run's store calls, the first begin delayed, each begin's source noted as it reaches the store. */
function slowFirstBegin(runId: number, reached: { source: string; id: number }[]): TraceWrites {
  let first = true;
  return {
    begin: async (start) => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 150));
      }
      const progress = await store.beginTrace(runId, start);
      reached.push({ source: start.identity.source, id: progress.traceId });
      return progress;
    },
    scenarios: (at, list) => store.writeScenarios(runId, at, list),
    finish: (traceId, result) => store.finishTrace(runId, traceId, result),
    abandon: (traceId, matrix) => store.abandonTrace(runId, traceId, matrix),
    whole: (result) => store.writeTraceResult(runId, result),
  };
}

describe('TraceWriter', () => {
  it('begins traces in corpus order, whichever is ready first', async () => {
    const runId = await store.startRun();
    const sources = ['a', 'b', 'c'].map((n) => join(dir, `${n}.trace`));
    // Different contents: each trace is its own content row.
    for (const [i, s] of sources.entries()) await writeFile(s, `# trace ${i}\n`);
    const reached: { source: string; id: number }[] = [];
    const writer = new TraceWriter({}, slowFirstBegin(runId, reached));
    const sinks = await Promise.all(
      sources.map((source, index) => writer.sink({ source, matrix: '', index })),
    );
    expect(sinks.every((s) => s !== null)).toBe(true);
    expect(reached.map((r) => r.source)).toEqual(sources);
    const ids = reached.map((r) => r.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });

  it('a trace that cannot be hashed does not hold up the next', async () => {
    const runId = await store.startRun();
    const reached: { source: string; id: number }[] = [];
    const writer = new TraceWriter({}, slowFirstBegin(runId, reached));
    const good = join(dir, 'good.trace');
    await writeFile(good, '# good\n');
    const sinks = await Promise.all([
      writer.sink({ source: join(dir, 'missing.trace'), matrix: '', index: 0 }),
      writer.sink({ source: good, matrix: '', index: 1 }),
    ]);
    expect(sinks[0]).toBeNull();
    expect(sinks[1]).not.toBeNull();
    expect(reached.map((r) => r.source)).toEqual([good]);
  });
});
