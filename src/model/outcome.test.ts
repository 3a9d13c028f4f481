import { describe, expect, it } from 'vitest';
import { collapseRepeats } from './outcome.ts';

describe('collapseRepeats', () => {
  it('folds a loop body repeated back to back, counters ignored', () => {
    const loop = (n: number) => ['pin zero', 'not pinnable', `retry #${n}`];
    const steps = ['start', ...loop(1), ...loop(2), ...loop(3), ...loop(4), 'livelock'];
    expect(collapseRepeats(steps)).toEqual([
      'start',
      'pin zero',
      'not pinnable',
      'retry #1',
      '(the 3 steps above repeated 4 times)',
      'livelock',
    ]);
  });
  it('leaves fewer than three repeats and distinct steps alone', () => {
    expect(collapseRepeats(['a', 'b', 'a', 'b', 'c'])).toEqual(['a', 'b', 'a', 'b', 'c']);
    expect(collapseRepeats(['x', 'x', 'x'])).toEqual(['x', '(the step above repeated 3 times)']);
  });
});
