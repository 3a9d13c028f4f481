/**
 * What the repro-slice phase of a run holds, whatever the trace's size: the diverging scenarios
 * read a window of scenarios at a time (the first of each signature, as the query of one row per
 * signature over the whole trace gave), slices within the per-trace byte cap only, the read
 * ended at the cap, and a tied scenario past the cap neither kept nor explored; work done after
 * each chunk of the read keeps its own errors.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { unmapVsPinRace } from '../../test/support/race-trace.ts';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from '../../test/support/store-backends.ts';
import { type ScenarioSlice, scenarioSlices } from '../analysis/scenario-slices.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { synthesizeText } from '../synth/synthesize.ts';
import { TraceSlices, WantedSlices } from './repro-slices.ts';

const RELEASES = ['v5.6', 'v5.18', 'v6.1', 'v6.5'].map(getPolicy);

async function slicesOf(source: string): Promise<ScenarioSlice[]> {
  const out: ScenarioSlice[] = [];
  await scenarioSlices(source, {
    layout: 'tracefs',
    adapters: true,
    wanted: { has: () => true },
    onSlice: (s) => {
      out.push({ ...s, stamps: new Map(s.stamps) });
      return true;
    },
  });
  return out;
}

describe('the bounds of the repro-slice phase', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-slice-bounds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps no slice past the byte cap and explores no tied scenario it does not keep', async () => {
    const race = join(dir, 'race.trace');
    await writeFile(race, unmapVsPinRace());
    const zero = join(dir, 'zero.trace');
    await copyFile(resolve('traces/01-vfio-zero-ro.trace'), zero);
    const [tied] = await slicesOf(race);
    const plain = await slicesOf(zero);
    expect(tied).toBeDefined();
    const first = plain[0]!;
    expect(first).toBeDefined();

    // After a first slice, the tied one does not fit: it is dropped with its scenario, and so is
    // every later one, even one that would fit.
    const capped = new TraceSlices(first.text.length + tied!.text.length - 1, true);
    expect(capped.add(first)).toBe(true);
    expect(capped.add(tied!)).toBe(false);
    expect(capped.add({ ...first, sidx: first.sidx + 1, text: 'x' })).toBe(false);
    expect(capped.slices.map((s) => s.sidx)).toEqual([first.sidx]);
    expect(capped.takeTied()).toEqual([]);

    // It fits: kept, and waits (once) to be explored, with its own copy of its stamps.
    const fits = new TraceSlices(tied!.text.length, true);
    expect(fits.add(tied!)).toBe(true);
    const taken = fits.takeTied();
    expect(taken.map((t) => t.scenario)).toEqual([tied!.scenario]);
    expect(taken[0]!.stamps).not.toBe(tied!.stamps);
    expect(fits.takeTied()).toEqual([]);
    // Without policies to explore with, nothing waits.
    const noPolicies = new TraceSlices(tied!.text.length, false);
    expect(noPolicies.add(tied!)).toBe(true);
    expect(noPolicies.takeTied()).toEqual([]);
  });

  it('takes the wanted slices in trace order whatever the window, and ends the read at the cap', async () => {
    const trace = join(dir, 'windows.trace');
    await writeFile(trace, (await synthesizeText({ seed: 7, scenarios: 30, layout: 'tracefs' })).text);
    const all = await slicesOf(trace);
    expect(all.length).toBeGreaterThan(20);
    const wantedSidx = all.map((s) => s.sidx).filter((i) => i % 3 !== 1);
    const window = async (from: number, to: number) =>
      Int32Array.from(wantedSidx.filter((i) => i >= from && i < to));
    const readWith = async (span: number, cap: number) => {
      const kept = new TraceSlices(cap, false);
      const wanted = new WantedSlices(window, span, kept);
      await wanted.load(wantedSidx[0]!);
      let offered = 0;
      await scenarioSlices(trace, {
        layout: 'tracefs',
        adapters: true,
        wanted,
        onSlice: (s) => {
          offered++;
          return wanted.offer(s);
        },
        afterChunk: () => wanted.settle(),
      });
      const open = await wanted.settle();
      return { kept: kept.slices, offered, open };
    };
    const expected = all
      .filter((s) => wantedSidx.includes(s.sidx))
      .map((s) => ({ sidx: s.sidx, text: s.text }));
    // The trace is one chunk: with a small window most slices wait for theirs.
    for (const span of [1, 3, 1000]) {
      const r = await readWith(span, Number.MAX_SAFE_INTEGER);
      expect(r.kept).toEqual(expected);
      expect(r.open).toBe(true);
    }
    // The cap reached at the fourth wanted slice: the first three are kept, the read ends there.
    const cap = expected.slice(0, 3).reduce((n, s) => n + s.text.length, 0);
    for (const span of [1, 1000]) {
      const r = await readWith(span, cap);
      expect(r.kept).toEqual(expected.slice(0, 3));
      expect(r.open).toBe(false);
      if (span === 1000) expect(r.offered).toBe(4);
    }
  });

  it('ends the read at the first slice its taker refuses', async () => {
    const zero = join(dir, 'zero3.trace');
    await copyFile(resolve('traces/01-vfio-zero-ro.trace'), zero);
    const all = await slicesOf(zero);
    expect(all.length).toBeGreaterThan(1);
    const seen: number[] = [];
    await scenarioSlices(zero, {
      layout: 'tracefs',
      adapters: true,
      wanted: { has: () => true },
      onSlice: (s) => {
        seen.push(s.sidx);
        return false;
      },
    });
    expect(seen).toEqual([all[0]!.sidx]);
  });

  it('runs the work after each chunk before reading on, and throws its error as is', async () => {
    const zero = join(dir, 'zero2.trace');
    await copyFile(resolve('traces/01-vfio-zero-ro.trace'), zero);
    let seen = 0;
    let atChunk = -1;
    await scenarioSlices(zero, {
      layout: 'tracefs',
      adapters: true,
      wanted: { has: () => true },
      onSlice: () => {
        seen++;
        return true;
      },
      afterChunk: async () => {
        atChunk = seen;
        return true;
      },
    });
    // One chunk (the trace is under 1 MiB): the work after it saw its complete scenarios.
    expect(seen).toBeGreaterThan(0);
    expect(atChunk).toBeGreaterThan(0);
    const mine = new Error('the work failed');
    await expect(
      scenarioSlices(zero, {
        layout: 'tracefs',
        adapters: true,
        wanted: { has: () => true },
        onSlice: () => true,
        afterChunk: async () => {
          throw mine;
        },
      }),
    ).rejects.toBe(mine);
  });
});

describe.each(STORE_BACKENDS)('the diverging scenarios a run slices (%s)', (kind) => {
  const h = useStoreBackend(kind);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-slice-wanted-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  describe.skipIf(backendSkip(kind) !== null)('read', () => {
    it('reads the diverging scenarios a window at a time: the first scenario of each signature, as one query read them', async () => {
      // A synthetic trace, then its scenarios again (the same scenarios, later): their signatures
      // repeat, so the second copies are not wanted.
      const { text } = await synthesizeText({ seed: 7, scenarios: 30, layout: 'tracefs' });
      const lines = text.split('\n');
      const body = lines.filter((l) => /^\s+\S+-\d+\s+\[/.test(l));
      const again = body.map((l) =>
        l.replace(/ (\d+)\.(\d+): /, (_m, s: string, f: string) => ` ${Number(s) + 5000}.${f}: `),
      );
      const trace = join(dir, 'twice.trace');
      await writeFile(trace, `${text}${again.join('\n')}\n`);
      const store = await h.open(await h.newDb());
      const runId = await store.startRun();
      await store.recordPolicies(runId, RELEASES);
      const result = await replayTrace(trace, RELEASES, { outcomes: false, adapters: defaultAdapters });
      await store.writeTraceResult(runId, result);
      const first = new Map<string, number>();
      let all = 0;
      result.scenarios.forEach((s, sidx) => {
        for (const d of s.divergences) {
          all++;
          if (!first.has(d.signature)) first.set(d.signature, sidx);
        }
      });
      const expected = [...new Set(first.values())].sort((a, b) => a - b);
      // Signatures repeat across scenarios, and scenarios have several.
      expect(all).toBeGreaterThan(first.size);
      expect(first.size).toBeGreaterThan(expected.length);
      // What the query of one row per signature over the whole trace gave.
      const before = await sql<{ sidx: number }>`select min(d.sidx) as sidx from divergences d
        join traces t on t.id = d.trace_id
        where d.run_id = ${runId} and t.sha256 = ${result.sha256} and d.matrix = '' group by d.signature`.execute(
        store.db,
      );
      expect([...new Set(before.rows.map((r) => Number(r.sidx)))].sort((a, b) => a - b)).toEqual(expected);
      const key = { sha256: result.sha256, matrix: '' };
      expect(await store.firstDivergingScenario(runId, key)).toBe(expected[0]);
      const n = result.scenarios.length;
      for (const span of [1, 7, n + 1]) {
        const got: number[] = [];
        for (let from = 0; from < n; from += span) {
          const w = await store.divergingScenarios(runId, key, from, from + span);
          expect(w).toBeInstanceOf(Int32Array);
          got.push(...w);
        }
        expect(got).toEqual(expected);
      }
      const other = { sha256: result.sha256, matrix: 'other' };
      expect(await store.firstDivergingScenario(runId, other)).toBeNull();
      expect((await store.divergingScenarios(runId, other, 0, n)).length).toBe(0);
    }, 60_000);
  });
});
