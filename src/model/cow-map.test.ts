import { describe, expect, it } from 'vitest';
import { CowMap, peekValues } from './cow-map.ts';
import { copyPlain, equalPlain } from './plain-data.ts';

describe('CowMap', () => {
  it('keeps forks apart: a value changed through one fork is unchanged in the other', () => {
    const a = new CowMap<string, { n: number; flags: string[] }>([['x', { n: 1, flags: ['lru'] }]]);
    const b = a.fork();
    b.get('x')!.n = 2;
    b.get('x')!.flags.push('dirty');
    expect(a.get('x')).toEqual({ n: 1, flags: ['lru'] });
    expect(b.get('x')).toEqual({ n: 2, flags: ['lru', 'dirty'] });
    expect(equalPlain(a, b)).toBe(false);
    b.get('x')!.n = 1;
    b.get('x')!.flags.pop();
    expect(equalPlain(a, b)).toBe(true);
  });

  it('adds, deletes and iterates in Map order, and compares order-sensitively', () => {
    const a = new CowMap<number, string>([
      [1, 'a'],
      [2, 'b'],
    ]);
    const b = a.fork();
    b.set(3, 'c');
    b.delete(1);
    b.set(2, 'B');
    expect([...b]).toEqual([
      [2, 'B'],
      [3, 'c'],
    ]);
    expect([...a]).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    const c = new CowMap<number, string>([
      [2, 'B'],
      [3, 'c'],
    ]);
    expect(equalPlain(b, c)).toBe(true);
    const d = new CowMap<number, string>([
      [3, 'c'],
      [2, 'B'],
    ]);
    expect(equalPlain(c, d)).toBe(false);
    expect([...peekValues(c)]).toEqual(['B', 'c']);
  });

  it('forks nested maps when a plain copy reaches them', () => {
    const inner = new CowMap<number, { v: number }>([[1, { v: 1 }]]);
    const outer = { m: inner, list: [1, 2] };
    const copy = copyPlain(outer);
    copy.m.get(1)!.v = 9;
    copy.list.push(3);
    expect(outer.m.get(1)).toEqual({ v: 1 });
    expect(outer.list).toEqual([1, 2]);
    expect(equalPlain(outer, copy)).toBe(false);
  });
});
