import { describe, expect, it } from 'vitest';
import { ConfigLines } from './config-lines.ts';

const lines = (c: ConfigLines, at: number): number[] => c.before(at).map((l) => l.line);

describe('ConfigLines', () => {
  it('keeps a line while some field it sets is not set again before the scenario', () => {
    const c = new ConfigLines();
    c.add(10, 'a', ['arch', 'cma']);
    c.add(20, 'b', ['arch']);
    expect(lines(c, 30)).toEqual([10, 20]); // cma still comes from line 10
    c.add(40, 'c', ['cma', 'zero_pfn']);
    expect(lines(c, 50)).toEqual([20, 40]);
    // A scenario that started before line 40 still needs line 10's cma.
    expect(lines(c, 35)).toEqual([10, 20]);
    expect(lines(c, 15)).toEqual([10]);
  });

  it('never supersedes a line that holds whatever follows (a recording marker)', () => {
    const c = new ConfigLines();
    c.add(1, 'recording', null);
    c.add(2, 'x', ['kernel']);
    c.add(3, 'y', ['kernel']);
    expect(lines(c, 9)).toEqual([1, 3]);
  });

  it('drops a line that sets nothing, and forgets only what no later scenario needs', () => {
    const c = new ConfigLines();
    c.add(5, 'empty', []);
    c.add(6, 'a', ['arch']);
    c.add(8, 'b', ['arch']);
    expect(lines(c, 7)).toEqual([6]);
    c.forgetBefore(7); // line 6 is superseded at 8: a scenario at 7 would still need it
    expect(lines(c, 7)).toEqual([6]);
    c.forgetBefore(9);
    expect(lines(c, 9)).toEqual([8]);
    expect(c.before(100)).toEqual([{ line: 8, text: 'b' }]);
  });
});
