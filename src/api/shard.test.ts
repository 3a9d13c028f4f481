import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PinbenchError } from '../errors.ts';
import { parseRunId, parseShard, selectShard, sourcesHash } from './shard.ts';

describe('shards', () => {
  it('parses I/N from 1 and refuses the rest', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '1/5000', '-1/2']) {
      expect(() => parseShard(bad)).toThrow(PinbenchError);
    }
    expect(parseRunId('17')).toBe(17);
    for (const bad of ['0', '-3', 'x', '2147483648', '12345678901'])
      expect(() => parseRunId(bad)).toThrow(/--run-id/);
  });

  it('N slices of any source list are disjoint, cover it, and differ in size by at most one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        (list, n) => {
          const slices = Array.from({ length: n }, (_, i) => selectShard(list, { index: i + 1, count: n }));
          const all = slices.flat();
          expect(new Set(all).size).toBe(all.length);
          expect(new Set(all)).toEqual(new Set(list));
          const sizes = slices.map((s) => s.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('slices and the list hash do not depend on the order the sources were listed in', () => {
    const a = ['t/03.trace', 't/01.trace', 't/02.trace', 't/01.trace'];
    const b = ['t/02.trace', 't/01.trace', 't/03.trace'];
    expect(selectShard(a, { index: 1, count: 2 })).toEqual(selectShard(b, { index: 1, count: 2 }));
    expect(selectShard(a, { index: 1, count: 2 })).toEqual(['t/01.trace', 't/03.trace']);
    expect(sourcesHash(a)).toBe(sourcesHash(b));
    expect(sourcesHash(a)).not.toBe(sourcesHash([...b, 't/04.trace']));
  });
});
