import { describe, expect, it } from 'vitest';
import { collapseRepeats, makeOutcome, recordWhy } from './outcome.ts';
import { State } from './state.ts';

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
  it('compares counters as equal only where a step has one; a step without stays itself', () => {
    expect(collapseRepeats(['a #1', 'a #2', 'a #3', 'b'])).toEqual([
      'a #1',
      '(the step above repeated 3 times)',
      'b',
    ]);
    expect(collapseRepeats(['a #1', 'a', 'a', 'a #x'])).toEqual(['a #1', 'a', 'a', 'a #x']);
  });
});

describe('makeOutcome and recordWhy', () => {
  it('hands the steps over as the policy wrote them; the record collapses them', () => {
    const st = new State();
    st.beginCall(0);
    for (let n = 1; n <= 4; n++) st.why(`retry #${n}`);
    st.why('give up');
    const o = makeOutcome(st, { ret: 'livelock' }, st.endCall());
    expect(o.why).toEqual(['retry #1', 'retry #2', 'retry #3', 'retry #4', 'give up']);
    expect(recordWhy(o)).toEqual(['retry #1', '(the step above repeated 4 times)', 'give up']);
    expect(recordWhy({ ...o, why: ['a', 'b'] })).toEqual(['a', 'b']);
  });
});
