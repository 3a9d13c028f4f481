import { describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { callPolicy } from './dispatch.ts';
import type { CallEvent } from './events.ts';
import { parseScript } from './script.ts';
import { SlotTracker, sameSlots } from './slot-tracker.ts';
import { State } from './state.ts';

const SCRIPT = `
pinbench_page: pfn=0x1000 kind=anon
pinbench_vma: start=0x10000 end=0x11000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon
pinbench_pte: addr=0x10000 pfn=0x1000 write=1
pin_user_pages: start=0x10000 nr_pages=1 gup_flags=FOLL_WRITE|FOLL_LONGTERM
unpin_user_pages: of=0
`;

function run(id: string, tracker?: SlotTracker): { outcomes: unknown[]; reached: string[][] } {
  const k = getPolicy(id).ops;
  const st = new State();
  const outcomes: unknown[] = [];
  const reached: string[][] = [];
  for (const ev of parseScript(SCRIPT)) {
    if (ev.type === 'call') {
      tracker?.reset();
      outcomes.push(callPolicy(k, st, ev as CallEvent, tracker));
      reached.push([...(tracker?.reached ?? [])]);
    } else if (ev.type === 'page') st.declarePage(ev);
    else if (ev.type === 'vma') st.declareVma(ev);
    else if (ev.type === 'pte') st.declarePte(ev);
  }
  return { outcomes, reached };
}

describe('SlotTracker', () => {
  it('records the entry point and the slots it reaches through the table, once each, without changing the outcome', () => {
    const tracker = new SlotTracker();
    const tracked = run('v6.1', tracker);
    expect(tracked.outcomes).toEqual(run('v6.1').outcomes);
    const [gup, release] = tracked.reached;
    expect(gup![0]).toBe('gup');
    expect(gup!.length).toBeGreaterThan(1);
    expect(new Set(gup).size).toBe(gup!.length);
    expect(release![0]).toBe('apiSupported'); // looked up by the dispatcher for `of=`
    expect(release).toContain('release');
    expect(tracker.has('release')).toBe(true);
    tracker.reset();
    expect(tracker.reached).toEqual([]);
  });

  it('compares tables slot by slot: the same release agrees everywhere, releases apart disagree on some slot reached', () => {
    const tracker = new SlotTracker();
    const reached = run('v5.10', tracker).reached.flat();
    const a = getPolicy('v5.10').ops;
    expect(sameSlots(a, a, reached)).toBe(true);
    const b = getPolicy('v6.12').ops;
    const differing = Object.keys(a).filter((s) => (a as never)[s] !== (b as never)[s]);
    expect(differing.length).toBeGreaterThan(0);
    expect(sameSlots(a, b, differing)).toBe(false);
    expect(
      sameSlots(
        a,
        b,
        Object.keys(a).filter((s) => !differing.includes(s)),
      ),
    ).toBe(true);
  });
});
