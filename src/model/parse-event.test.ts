import { describe, expect, it } from 'vitest';
import { EventError } from '../errors.ts';
import { parseKernelVersion } from './kernel-version.ts';
import { type ParseContext, parseModelEvent } from './parse-event.ts';

function ctx(text: string, payloadCol: number, kernel: string | null = null): ParseContext {
  return {
    file: 't.trace',
    line: 7,
    text,
    payloadCol,
    kernel: kernel ? parseKernelVersion(kernel) : null,
    seq: 3,
    cpu: 1,
    pid: 42,
  };
}

function parse(event: string, payload: string, kernel: string | null = null) {
  const text = `${event}: ${payload}`;
  return parseModelEvent(event, payload, ctx(text, event.length + 3, kernel));
}

describe('parseModelEvent', () => {
  it('parses a VMA with symbolic flags, backing and ops', () => {
    const ev = parse(
      'pinbench_vma',
      'mm=2 start=0x1000 end=0x3000 flags=VM_READ|VM_SHARED backing=fsdax ops=pfn_mkwrite',
    );
    expect(ev).toMatchObject({
      type: 'vma',
      mm: 2,
      start: 0x1000,
      end: 0x3000,
      backing: 'fsdax',
      ops: ['pfn_mkwrite'],
    });
    if (ev.type !== 'vma') throw new Error('type');
    expect([...ev.flags].sort()).toEqual(['VM_READ', 'VM_SHARED']);
  });

  it('decodes hex VM flags: 0xfb is READ|WRITE|SHARED|MAYREAD..MAYSHARE without EXEC', () => {
    const ev = parse('pinbench_vma', 'start=0x1000 end=0x2000 flags=0xfb');
    if (ev.type !== 'vma') throw new Error('type');
    expect([...ev.flags].sort()).toEqual(
      ['VM_MAYEXEC', 'VM_MAYREAD', 'VM_MAYSHARE', 'VM_MAYWRITE', 'VM_READ', 'VM_SHARED', 'VM_WRITE'].sort(),
    );
  });

  it('names file, line, column and code for an unknown flag', () => {
    const payload = 'start=0x1000 end=0x2000 flags=VM_READ|VM_FOO';
    try {
      parse('pinbench_vma', payload);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EventError);
      // payload starts at col 15 ("pinbench_vma: " is 14 chars); the flags value at offset 30.
      expect((e as EventError).message).toBe(
        't.trace:7:45: pinbench_vma: flags: unknown flag VM_FOO [PB_EVENT_FIELD]',
      );
    }
  });

  it('decodes raw gup_flags with the recording kernel: 0x10000 is LONGTERM on 6.1, TOUCH on 6.3', () => {
    const old = parse('pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=0x10001', '6.1');
    const neu = parse('pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=0x10001', '6.3');
    if (old.type !== 'call' || old.args.kind !== 'gup' || neu.type !== 'call' || neu.args.kind !== 'gup')
      throw new Error();
    expect([...old.args.gupFlags].sort()).toEqual(['FOLL_LONGTERM', 'FOLL_WRITE']);
    expect([...neu.args.gupFlags].sort()).toEqual(['FOLL_TOUCH', 'FOLL_WRITE']);
    expect(old.args.rawFlags).toBe(0x10001);
  });

  it('FOLL_HONOR_NUMA_FAULT (0x1000) exists from 6.5: on 6.4 it is an unknown bit', () => {
    const ok = parse('get_user_pages', 'start=0 nr_pages=1 gup_flags=0x1101', '6.5');
    if (ok.type !== 'call' || ok.args.kind !== 'gup') throw new Error();
    expect([...ok.args.gupFlags].sort()).toEqual(['FOLL_HONOR_NUMA_FAULT', 'FOLL_LONGTERM', 'FOLL_WRITE']);
    expect(() => parse('get_user_pages', 'start=0 nr_pages=1 gup_flags=0x1101', '6.4')).toThrow(
      /bits 0x1000 are not FOLL_\* flags in 6.4/,
    );
  });

  it('refuses raw gup_flags when the recording kernel is unknown', () => {
    expect(() => parse('pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=0x10001')).toThrow(
      /need the recording kernel/,
    );
  });

  it("reads a page-table lookup's observed ret as the page it names, a GUP call's as a number", () => {
    // move_pages()'s status walk recorded as folio_walk_start (pinbench-workload.c): the folio
    // is named by pfn, as the model's outcome names it; a count in hex stays a count.
    const walk = parse('folio_walk_start', 'mm=1 addr=0x7f00 flags=FW_ZEROPAGE ret=0x2e3f5');
    expect(walk).toMatchObject({ type: 'call', observed: { ret: '0x2e3f5', line: 7 } });
    expect(parse('vm_normal_page', 'addr=0x7f00 ret=NULL')).toMatchObject({ observed: { ret: 'NULL' } });
    const gup = parse('get_user_pages_fast', 'start=0x7f00 nr_pages=16 gup_flags=0 ret=0x10');
    expect(gup).toMatchObject({ type: 'call', observed: { ret: 16 } });
  });

  it('reads a call with observed ret, default mm and locked=null', () => {
    const ev = parse(
      'pin_user_pages_remote',
      'start=0x7f00 nr_pages=2 gup_flags=FOLL_LONGTERM locked=null ret=-22',
    );
    expect(ev).toMatchObject({
      type: 'call',
      name: 'pin_user_pages_remote',
      seq: 3,
      cpu: 1,
      pid: 42,
      observed: { ret: -22, line: 7 },
    });
    if (ev.type !== 'call' || ev.args.kind !== 'gup') throw new Error();
    expect(ev.args).toMatchObject({ mm: 1, start: 0x7f00, nrPages: 2, locked: null, pages: true });
  });

  it('parses expectations, including symbolic and final ones, with scope', () => {
    const ev = parse('pinbench_expect', 'ret!=livelock refs.zero=0 page0=zero|new final.leaks=0 scope=v6.*');
    expect(ev).toMatchObject({ type: 'expect', scope: 'v6.*' });
    if (ev.type !== 'expect') throw new Error();
    expect(ev.assertions.map((a) => [a.subject, a.op, a.value, a.final])).toEqual([
      ['ret', '!=', 'livelock', false],
      ['refs.zero', '=', '0', false],
      ['page0', '=', 'zero|new', false],
      ['final.leaks', '=', '0', true],
    ]);
  });

  it('rejects unknown fields, duplicate keys, bad numbers and unknown subjects', () => {
    expect(() => parse('pinbench_page', 'pfn=0x10 colour=red')).toThrow(/unknown field 'colour'/);
    expect(() => parse('pinbench_page', 'pfn=0x10 pfn=0x11')).toThrow(/pfn: given twice/);
    expect(() => parse('pinbench_page', 'pfn=0xZZ')).toThrow(/pfn: '0xZZ' is not a number/);
    expect(() => parse('pinbench_expect', 'colour=red')).toThrow(/unknown assertion subject 'colour'/);
    expect(() => parse('pinbench_page', 'pfn=0x10 zone=Highmem')).toThrow(/zone: unknown value 'Highmem'/);
  });

  it('reads quoted strings with spaces and escaped quotes', () => {
    const ev = parse('pinbench_scenario', 'name=a title="VFIO \\"R/O\\" map"');
    expect(ev).toMatchObject({ type: 'scenario', name: 'a', title: 'VFIO "R/O" map' });
  });
});
