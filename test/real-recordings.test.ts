/**
 * The shipped real recordings (traces/real/debian-<series>/, written by `pinbench record` on
 * Debian's kernels under qemu) replayed against the release model of each recording kernel:
 * every observed return is reproduced, except exactly the disagreements listed in
 * traces/real/known-disagreements.json (a new one fails, and so does a listed one that agrees now).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fidelity, findRecordings, readKnownDisagreements } from '../src/api/fidelity.ts';

const DIR = join('traces', 'real');
const recordings = findRecordings(DIR);

describe('real recordings against their release models', () => {
  it('ships recordings with sidecars', () => {
    expect(recordings.length).toBeGreaterThan(0);
  });

  it('reproduces every observed return except the known disagreements, which all still occur', async () => {
    const known = readKnownDisagreements(join(DIR, 'known-disagreements.json'));
    const r = await fidelity(recordings, known);
    expect(r.traces.filter((t) => t.error)).toEqual([]);
    expect(r.cells.length).toBeGreaterThan(0);
    const show = (c: { series: string; boot: string; scenario: string; seq: number; event: string }) =>
      `${c.series}/${c.boot} ${c.scenario} #${c.seq} ${c.event}`;
    expect(r.unexpected.map((c) => `${show(c)}: kernel ${c.observed}, ${c.release} ${c.model}`)).toEqual([]);
    expect(r.stale.map(show)).toEqual([]);
    expect(r.known.length).toBe(known.length);
  }, 120_000);

  it('records each kernel with the exact package version and a release model of that series', async () => {
    const r = await fidelity(recordings, []);
    for (const t of r.traces) {
      expect(t.packages).toMatch(/^linux-(image|binary)-\S+ \S+/);
      expect(t.release).toMatch(/^v\d+\.\d+/);
      expect(t.kernel.startsWith(t.series)).toBe(true);
    }
  }, 120_000);
});
