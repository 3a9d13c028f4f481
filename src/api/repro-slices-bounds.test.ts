/**
 * What the repro-slice phase of a run holds, whatever the trace's size: the diverging scenarios
 * as one ascending array (the first of each signature, as the row-per-signature query gave),
 * slices within the per-trace byte cap only, and a tied scenario past the cap neither kept nor
 * explored; work done after each chunk of the read keeps its own errors.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { unmapVsPinRace } from '../../test/support/race-trace.ts';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from '../../test/support/store-backends.ts';
import { type ScenarioSlice, scenarioSlices } from '../analysis/scenario-slices.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { synthesizeText } from '../synth/synthesize.ts';
import { sortedSidx, TraceSlices } from './repro-slices.ts';

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
    it('reads the diverging scenarios as one ascending array: the first scenario of each signature', async () => {
      const trace = join(dir, 'synth.trace');
      await writeFile(trace, (await synthesizeText({ seed: 7, scenarios: 40, layout: 'tracefs' })).text);
      const store = await h.open(await h.newDb());
      {
        const runId = await store.startRun();
        await store.recordPolicies(runId, RELEASES);
        const result = await replayTrace(trace, RELEASES, { outcomes: false, adapters: defaultAdapters });
        await store.writeTraceResult(runId, result);
        const first = new Map<string, number>();
        result.scenarios.forEach((s, sidx) => {
          for (const d of s.divergences) if (!first.has(d.signature)) first.set(d.signature, sidx);
        });
        const expected = [...new Set(first.values())].sort((a, b) => a - b);
        // Several signatures per scenario and scenarios sharing one: the query must fold both.
        expect(first.size).toBeGreaterThan(expected.length);
        const got = await store.divergingScenarios(runId, { sha256: result.sha256, matrix: '' });
        expect(got).toBeInstanceOf(Int32Array);
        expect([...got]).toEqual(expected);
        const set = new Set(expected);
        const has = sortedSidx(got);
        for (let i = -1; i <= result.scenarios.length; i++) expect(has.has(i)).toBe(set.has(i));
        expect(
          (await store.divergingScenarios(runId, { sha256: result.sha256, matrix: 'other' })).length,
        ).toBe(0);
      }
    }, 60_000);
  });
});
