import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestSource } from '../ingest/index.ts';
import { EventStream, type Scenario } from '../model/event-stream.ts';
import { DEFAULT_CONFIG } from '../model/events.ts';
import { canonical, canonicalBy, scenarioFingerprint } from './divergence-identity.ts';

/** The fingerprint as it was first written: one hash update per event, through the replacer. */
function referenceFingerprint(sc: Scenario, matrix: string): string {
  const h = createHash('sha256');
  h.update(canonicalBy({ ...DEFAULT_CONFIG, ...sc.config })).update('\0');
  h.update(matrix).update('\0');
  h.update(sc.index === 0 && sc.line === 1 ? '' : sc.name).update('\0');
  for (const ev of sc.events) h.update(canonicalBy(ev)).update('\n');
  return h.digest('hex');
}

const TRACES = join(import.meta.dirname, '../../traces');

async function scenariosOf(path: string): Promise<Scenario[]> {
  const stream = new EventStream(path);
  const out: Scenario[] = [];
  await ingestSource(path, {
    onRecord: (r) => {
      const sc = stream.push(r);
      if (sc) out.push(sc);
    },
  });
  const last = stream.end();
  if (last) out.push(last);
  return out;
}

function attempt(fn: () => string): { text: string } | { threw: string } {
  try {
    return { text: fn() };
  } catch (e) {
    return { threw: (e as Error).name };
  }
}

describe('canonical', () => {
  it('writes the replacer text for every event and config of the shipped traces, and hashes it the same', async () => {
    let events = 0;
    for (const f of readdirSync(TRACES).filter((x) => x.endsWith('.trace'))) {
      for (const sc of await scenariosOf(join(TRACES, f))) {
        const config = { ...DEFAULT_CONFIG, ...sc.config };
        expect(canonical(config)).toBe(canonicalBy(config));
        expect(scenarioFingerprint(sc, { ...DEFAULT_CONFIG, ...sc.config }, 'pte_special=0')).toBe(
          referenceFingerprint(sc, 'pte_special=0'),
        );
        for (const ev of sc.events) {
          expect(canonical(ev)).toBe(canonicalBy(ev));
          events++;
        }
      }
    }
    expect(events).toBeGreaterThan(100);
  });

  it('writes the replacer text for any value: sets, bigints, location keys, index keys, maps, dates', () => {
    const leaf = fc.oneof(
      fc.anything({
        withBigInt: true,
        withSet: true,
        withMap: true,
        withDate: true,
        withNullPrototype: true,
      }),
      fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, undefined, '\ud800', 10n),
    );
    const keyed = fc.dictionary(
      fc.constantFrom('line', 'text', 'ts', 'cpu', 'name', 'pfn', '10', '9', 'b', 'a', 'toJSON'),
      leaf,
    );
    const value = fc.oneof(
      leaf,
      keyed,
      fc.array(fc.oneof(leaf, keyed)),
      keyed.map((o) => new Set(Object.keys(o))),
    );
    fc.assert(
      fc.property(value, (v) => {
        // A value the replacer cannot write (a set of objects without toString) throws either way.
        expect(attempt(() => canonical(v))).toEqual(attempt(() => canonicalBy(v)));
      }),
      { numRuns: 2000 },
    );
  });
});
