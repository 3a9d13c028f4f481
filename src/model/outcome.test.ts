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

describe('makeOutcome counts', () => {
  type PageDecl = Parameters<State['declarePage']>[0];
  /** The refs of a call that adds `delta` to page A (0x100000) or B (0x200000), in order. */
  function countsOf(changes: ['A' | 'B', number][]): Record<string, number> {
    const st = new State();
    st.declarePage({ type: 'page', line: 1, pfn: 0x200000, nr: 1 } as PageDecl);
    st.declarePage({ type: 'page', line: 2, pfn: 0x100000, nr: 1 } as PageDecl);
    st.beginCall(0);
    for (const [page, delta] of changes) st.addRef(st.folioOf(page === 'A' ? 0x100000 : 0x200000)!, delta);
    return makeOutcome(st, { ret: 0 }, st.endCall()).refs;
  }

  it('lists changed pages in ascending name order, without the ones that came back to zero', () => {
    expect(
      countsOf([
        ['B', 1],
        ['A', 2],
        ['B', -1],
      ]),
    ).toEqual({ '0x100000': 2 });
    expect(
      Object.keys(
        countsOf([
          ['B', 1],
          ['A', 1],
        ]),
      ),
    ).toEqual(['0x100000', '0x200000']);
  });

  it('gives equal counts one frozen object, and calls that change none an empty one', () => {
    const a = countsOf([['A', 1]]);
    expect(countsOf([['A', 1]])).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(countsOf([['A', 2]])).toEqual({ '0x100000': 2 });
    expect(countsOf([])).toEqual({});
    expect(
      countsOf([
        ['A', 1],
        ['A', -1],
      ]),
    ).toBe(countsOf([]));
  });
});

describe('State.folioOf', () => {
  it('answers for the folio a pfn has now: a page declared again or the zero page moved', () => {
    const st = new State();
    st.declarePage({ type: 'page', line: 1, pfn: 0x1000, nr: 1, refcount: 1 } as Parameters<
      State['declarePage']
    >[0]);
    const first = st.folioOf(0x1000);
    expect(first?.refcount).toBe(1);
    st.declarePage({ type: 'page', line: 2, pfn: 0x1000, nr: 1, refcount: 3 } as Parameters<
      State['declarePage']
    >[0]);
    expect(st.folioOf(0x1000)).not.toBe(first);
    expect(st.folioOf(0x1000)?.refcount).toBe(3);
    const zero = st.config.zero_pfn;
    expect(st.folioOf(zero)?.name).toBe('zero');
    st.setConfig({ zero_pfn: zero + 0x10 });
    expect(st.folioOf(zero)).toBeUndefined();
    expect(st.folioOf(zero + 0x10)?.name).toBe('zero');
    const fresh = st.allocPage({ kind: 'anon' });
    expect(st.folioOf(fresh.pfn)).toBe(fresh);
  });
});
