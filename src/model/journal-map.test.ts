import { describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { callPolicy } from './dispatch.ts';
import type { CallEvent } from './events.ts';
import { JournalMap, peekValues, WriteLog } from './journal-map.ts';
import { copyPlain, equalPlain } from './plain-data.ts';
import { parseScript } from './script.ts';
import { copyEntry, copyFolio, type Entry, type Folio, State } from './state.ts';

function openLog(): WriteLog {
  const log = new WriteLog();
  log.open = true;
  log.epoch++;
  return log;
}

describe('JournalMap', () => {
  it('takes back values changed in place, added keys and deletes, order included', () => {
    const log = new WriteLog();
    const m = new JournalMap<number, { n: number; flags: string[] }>(log, [
      [1, { n: 1, flags: ['lru'] }],
      [2, { n: 2, flags: [] }],
      [3, { n: 3, flags: [] }],
    ]);
    const first = m.get(1)!;
    log.open = true;
    log.epoch++;
    m.get(1)!.n = 10;
    m.get(1)!.flags.push('dirty');
    m.set(4, { n: 4, flags: [] });
    m.delete(2);
    m.set(2, { n: 20, flags: [] });
    expect([...m.keys()]).toEqual([1, 3, 4, 2]);
    // The object handed out before the log was not changed: the log changed a copy.
    expect(first).toEqual({ n: 1, flags: ['lru'] });
    const d = m.rollback();
    log.open = false;
    expect([...m]).toEqual([
      [1, { n: 1, flags: ['lru'] }],
      [2, { n: 2, flags: [] }],
      [3, { n: 3, flags: [] }],
    ]);
    m.redo(d);
    expect([...m.keys()]).toEqual([1, 3, 4, 2]);
    expect(m.get(1)).toEqual({ n: 10, flags: ['lru', 'dirty'] });
    expect([...peekValues(m)].map((v) => v.n)).toEqual([10, 3, 4, 20]);
  });

  it('compares what the open log made with an earlier delta: values, added keys and their order', () => {
    const log = new WriteLog();
    const m = new JournalMap<string, number>(log, [['a', 1]]);
    const step = (f: () => void) => {
      log.open = true;
      log.epoch++;
      f();
    };
    step(() => {
      m.set('b', 2);
      m.set('c', 3);
    });
    const d = m.rollback();
    step(() => {
      m.set('b', 2);
      m.set('c', 3);
    });
    expect(m.matches(d, equalPlain)).toBe(true);
    m.rollback();
    step(() => {
      m.set('c', 3);
      m.set('b', 2);
    });
    expect(m.matches(d, equalPlain)).toBe(false);
    m.rollback();
    step(() => {
      m.set('b', 2);
      m.set('c', 4);
    });
    expect(m.matches(d, equalPlain)).toBe(false);
    m.rollback();
    step(() => m.set('a', 1));
    expect(m.matches(undefined, equalPlain)).toBe(true);
    m.set('a', 5);
    expect(m.matches(undefined, equalPlain)).toBe(false);
  });

  it('does not journal a map made under the open log', () => {
    const log = openLog();
    const m = new JournalMap<number, { v: number }>(log);
    m.set(1, { v: 1 });
    m.get(1)!.v = 2;
    expect(m.rollback().changes.size).toBe(0);
    expect(m.get(1)).toEqual({ v: 2 });
  });
});

const SCRIPT = `
pinbench_page: pfn=0x1000 kind=anon
pinbench_page: pfn=0x2000 kind=anon
pinbench_vma: start=0x10000 end=0x12000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon
pinbench_pte: addr=0x10000 pfn=0x1000 write=1
pin_user_pages: start=0x10000 nr_pages=2 gup_flags=FOLL_WRITE|FOLL_LONGTERM
unpin_user_pages: of=0
`;

describe('State write log', () => {
  it('rolls a policy step back to an equal state, redoes it, and matches a step taken again', () => {
    const k = getPolicy('v6.1').ops;
    const st = new State(undefined, undefined, true);
    const plain = new State();
    for (const ev of parseScript(SCRIPT)) {
      if (ev.type !== 'call') {
        for (const s of [st, plain]) {
          if (ev.type === 'page') s.declarePage(ev);
          else if (ev.type === 'vma') s.declareVma(ev);
          else if (ev.type === 'pte') s.declarePte(ev);
        }
        continue;
      }
      const before = st.clone();
      st.beginLog();
      const o1 = callPolicy(k, st, ev as CallEvent);
      const after = st.clone();
      const d = st.rollbackLog();
      expect(st.equals(before)).toBe(true);
      st.beginLog();
      const o2 = callPolicy(k, st, ev as CallEvent);
      expect(o2).toEqual(o1);
      expect(st.matchesLog(d)).toBe(true);
      st.rollbackLog();
      st.redoLog(d);
      expect(st.equals(after)).toBe(true);
      expect(callPolicy(k, plain, ev as CallEvent)).toEqual(o1);
      expect(equalPlain(st.data.folios, plain.data.folios)).toBe(true);
      expect(st.data.counters).toEqual(plain.data.counters);
    }
  });

  it('copies folios and entries for a log as copyPlain does, sharing nothing that can change', () => {
    const folio: Folio = {
      name: '0x1000',
      pfn: 0x1000,
      order: 0,
      zone: 'Normal',
      mt: 'Movable',
      kind: 'anon',
      refcount: 1,
      mapcount: 0,
      pincount: 0,
      flags: ['lru'],
      isolatable: true,
      migrate: 'ok',
      valid: true,
      baseRefcount: 1,
      baseMappings: 0,
      allocated: false,
      node: 1,
      temporary: true,
      freed: false,
    };
    const entry: Entry = { pfn: 1, level: 'pte', special: false, write: true, dirty: false, devmap: true };
    for (const [v, copy] of [
      [folio, copyFolio(folio)],
      [entry, copyEntry(entry)],
    ] as const) {
      expect(copy).toEqual(copyPlain(v, (m) => m));
      expect(Object.keys(copy)).toEqual(Object.keys(v));
      for (const [k, x] of Object.entries(v))
        if (typeof x === 'object') expect((copy as unknown as Record<string, unknown>)[k]).not.toBe(x);
    }
  });

  it('hands out frozen VMAs to read and a changeable copy to change, taken back with the log', () => {
    const st = new State(undefined, undefined, true);
    for (const ev of parseScript(SCRIPT)) if (ev.type === 'vma') st.declareVma(ev);
    const read = st.findVma(1, 0x10000)!;
    expect(Object.isFrozen(read) && Object.isFrozen(read.flags)).toBe(true);
    expect(() => read.flags.push('VM_IO')).toThrow(TypeError);
    const before = st.clone();
    st.beginLog();
    const vma = st.vmaToChange(1, 0x10000)!;
    vma.flags.push('VM_IO');
    vma.pgoff = 7;
    expect(st.findVma(1, 0x10000)).toMatchObject({ pgoff: 7 });
    st.rollbackLog();
    expect(st.equals(before)).toBe(true);
    expect(st.findVma(1, 0x10000)).toBe(read);
  });
});
