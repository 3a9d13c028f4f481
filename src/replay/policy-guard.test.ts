import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../policies/define-policy.ts';
import { badReturn, guardOverrides, restorePrototypes, snapshotPrototypes } from './policy-guard.ts';

describe('badReturn', () => {
  it('accepts what model functions return and names what they must not', () => {
    for (const ok of [true, 0, -14, 'livelock', null, undefined, [1, 2], { ret: 3, pfns: [0x1000] }])
      expect(badReturn(ok)).toBeUndefined();
    expect(badReturn(Number.NaN)).toBe('NaN');
    expect(badReturn(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(badReturn(1e300)).toBe('a number out of range (1e+300)');
    expect(badReturn(Promise.resolve(true))).toBe('a Promise (overrides must be synchronous)');
    expect(badReturn({ ret: 0, pfns: [1, Number.NaN] })).toBe('NaN at [1] in .pfns');
    expect(badReturn(() => 1)).toBe('a function');
  });
});

describe('guardOverrides', () => {
  it('wraps overrides in a check, keeping their source text for the logic hash', () => {
    const fn = () => Number.NaN;
    const mod = guardOverrides(
      definePolicy({ id: 'g', base: 'v6.1', override: { isLongtermPinnable: fn as never } }),
    );
    const wrapped = mod.override.isLongtermPinnable as unknown as () => unknown;
    expect(String(wrapped)).toBe(String(fn));
    expect(() => wrapped()).toThrow('g: isLongtermPinnable() returned NaN');
  });

  it('an entry point must return { ret }', () => {
    const mod = guardOverrides(
      definePolicy({ id: 'e', base: 'v6.1', override: { munmap: (() => 0) as never } }),
    );
    expect(() => (mod.override.munmap as unknown as () => unknown)()).toThrow(
      'e: munmap() returned number, not { ret }',
    );
  });
});

describe('restorePrototypes', () => {
  it('reports and undoes additions and replacements on the shared prototypes', () => {
    const snap = snapshotPrototypes();
    const map = Array.prototype.map;
    (Object.prototype as Record<string, unknown>).polluted = 1;
    // biome-ignore lint/suspicious/noExplicitAny: the point is to break it
    (Array.prototype as any).map = () => [];
    expect(restorePrototypes(snap).sort()).toEqual([
      'Array.prototype.map changed',
      'Object.prototype.polluted added',
    ]);
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(Array.prototype.map).toBe(map);
    expect(restorePrototypes(snap)).toEqual([]);
  });
});
