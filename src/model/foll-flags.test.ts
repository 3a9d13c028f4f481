import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FOLL_FLAGS, type FollFlag, formatGupFlags } from './flags.ts';
import { FollFlags } from './foll-flags.ts';

const flagList = fc.array(fc.constantFrom(...FOLL_FLAGS), { maxLength: 8 });

/** What a `Set` built and grown the same way holds, in its iteration order. */
function asSet(
  start: readonly FollFlag[],
  added: readonly FollFlag[],
  removed: readonly FollFlag[],
): Set<FollFlag> {
  const s = new Set<FollFlag>(start);
  for (const f of added) s.add(f);
  for (const f of removed) s.delete(f);
  return s;
}

describe('FollFlags', () => {
  it('holds, orders and prints what a Set grown the same way does', () => {
    fc.assert(
      fc.property(flagList, flagList, flagList, (start, added, removed) => {
        let flags = FollFlags.from(start);
        for (const f of added) flags = flags.with(f);
        for (const f of removed) flags = flags.without(f);
        const set = asSet(start, added, removed);
        expect([...flags]).toEqual([...set]);
        expect(flags.size).toBe(set.size);
        for (const f of FOLL_FLAGS) expect(flags.has(f)).toBe(set.has(f));
        expect(flags.text()).toBe(formatGupFlags(set));
        expect(flags.listText()).toBe(set.size > 0 ? [...set].join('|') : '0');
      }),
    );
  });

  it('is interned: the same flags added in the same order give the same value', () => {
    const a = FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM').with('FOLL_PIN');
    const b = FollFlags.EMPTY.with('FOLL_WRITE').with('FOLL_LONGTERM').with('FOLL_PIN');
    expect(a).toBe(b);
    expect(a.with('FOLL_PIN')).toBe(a);
    expect(a.without('FOLL_GET')).toBe(a);
    expect(a.without('FOLL_PIN')).toBe(FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM'));
    // Another order is another value (its why texts list the flags in that order).
    const c = FollFlags.of('FOLL_LONGTERM', 'FOLL_WRITE');
    expect(c).not.toBe(FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM'));
    expect(c.bits).toBe(FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM').bits);
    expect(c.text()).toBe('FOLL_WRITE|FOLL_LONGTERM');
    expect(c.listText()).toBe('FOLL_LONGTERM|FOLL_WRITE');
    expect(FollFlags.EMPTY.text()).toBe('0');
  });

  it('remembers a Set by identity and a constant list by its bits', () => {
    const set = new Set<FollFlag>(['FOLL_TOUCH', 'FOLL_GET']);
    expect(FollFlags.from(set)).toBe(FollFlags.from(set));
    expect([...FollFlags.from(set)]).toEqual(['FOLL_TOUCH', 'FOLL_GET']);
    const allowed: readonly FollFlag[] = ['FOLL_WRITE', 'FOLL_PIN'];
    expect(FollFlags.maskOf(allowed)).toBe(FollFlags.of('FOLL_PIN', 'FOLL_WRITE').bits);
  });
});
