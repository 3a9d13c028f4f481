import { describe, expect, it } from 'vitest';
import { parseFields } from './fields.ts';
import { markerText, parseFunctionPayload, parseProbePayload } from './probe-payload.ts';

describe('parseProbePayload', () => {
  it('reads entry probes, with and without sym+off/size', () => {
    expect(
      parseProbePayload(
        '(__get_user_pages+0x0/0x5c0) arg1=0x7f3a1c000000 arg2=0x4 flags=0x10053 who="pinbench"',
      ),
    ).toEqual({
      probe: 'entry',
      sym: '__get_user_pages',
      offset: 0,
      size: 0x5c0,
      fields: { arg1: '0x7f3a1c000000', arg2: '0x4', flags: '0x10053', who: 'pinbench' },
      args: 'arg1=0x7f3a1c000000 arg2=0x4 flags=0x10053 who="pinbench"',
    });
    expect(parseProbePayload('(do_sys_open+0x10/0x200)')).toEqual({
      probe: 'entry',
      sym: 'do_sys_open',
      offset: 16,
      size: 512,
      fields: {},
      args: '',
    });
    expect(parseProbePayload('(ffffffff8123a450) dfd=ffffff9c')).toEqual({
      probe: 'entry',
      sym: 'ffffffff8123a450',
      fields: { dfd: 'ffffff9c' },
      args: 'dfd=ffffff9c',
    });
  });

  it('reads return probes, known and kretprobe-d callers', () => {
    expect(parseProbePayload('(__gup_longterm_locked+0x1a7/0x760 <- __get_user_pages) ret=4')).toEqual({
      probe: 'return',
      sym: '__get_user_pages',
      caller: '__gup_longterm_locked+0x1a7/0x760',
      callerSym: '__gup_longterm_locked',
      probed: '__get_user_pages',
      fields: { ret: '4' },
      args: 'ret=4',
    });
    expect(parseProbePayload("([unknown/kretprobe'd] <- __gup_longterm_locked) ret=-14")).toEqual({
      probe: 'return',
      sym: '__gup_longterm_locked',
      caller: "[unknown/kretprobe'd]",
      probed: '__gup_longterm_locked',
      fields: { ret: '-14' },
      args: 'ret=-14',
    });
  });

  it('is undefined for payloads that are not probes', () => {
    for (const p of [
      'addr=0x7fe348b6c000 err=0',
      '',
      '()',
      '(zero page) x=1',
      '(a <- ) x=1',
      '(foo)bar',
      'ring 0xffff8881056ea000, opcode 0',
    ]) {
      expect(parseProbePayload(p), p).toBeUndefined();
    }
  });
});

describe('parseFunctionPayload', () => {
  it('reads tracefs and trace-cmd forms', () => {
    expect(parseFunctionPayload('pin_user_pages_fast <-iov_iter_extract_pages')).toEqual({
      func: 'pin_user_pages_fast',
      parent: 'iov_iter_extract_pages',
    });
    expect(parseFunctionPayload('ktime_get <-- tick_check_idle')).toEqual({
      func: 'ktime_get',
      parent: 'tick_check_idle',
    });
    expect(parseFunctionPayload('pin_user_pages_fast+0x0/0x90 <-iov_iter_extract_pages+0x1c4/0x3a0')).toEqual(
      {
        func: 'pin_user_pages_fast+0x0/0x90',
        parent: 'iov_iter_extract_pages+0x1c4/0x3a0',
      },
    );
    expect(parseFunctionPayload('rcu_core')).toEqual({ func: 'rcu_core' });
    expect(parseFunctionPayload('two words')).toBeUndefined();
    expect(parseFunctionPayload('  ')).toBeUndefined();
  });
});

describe('markerText', () => {
  it('gives the marker text in tracefs and trace-cmd forms, undefined otherwise', () => {
    expect(markerText({ event: 'tracing_mark_write', payload: 'pinbench: x=1' })).toBe('pinbench: x=1');
    expect(markerText({ event: 'print', payload: 'tracing_mark_write: pinbench: x=1' })).toBe(
      'pinbench: x=1',
    );
    expect(markerText({ event: 'print', payload: 'my_func: printk text' })).toBeUndefined();
    expect(markerText({ event: 'kfree', payload: 'ptr=0' })).toBeUndefined();
  });
});

describe('parseFields', () => {
  it('splits key=value pairs, quoted values whole, on the first =', () => {
    expect(
      parseFields(
        'pinbench: case=zero_ro mapping="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only" pfn=0x3b34(=zero_pfn) x=',
      ),
    ).toEqual({
      case: 'zero_ro',
      mapping: 'MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only',
      pfn: '0x3b34(=zero_pfn)',
      x: '',
    });
  });

  it('skips bare words and keyless values; a later duplicate wins; an open quote runs to the end', () => {
    expect(parseFields('ring 0xffff, =5 a=1 a=2 s="open ended')).toEqual({ a: '2', s: 'open ended' });
    expect(parseFields('v="a"b c=3')).toEqual({ v: '"a"b', c: '3' });
  });

  it('cannot be tricked into setting a prototype', () => {
    const f = parseFields('__proto__=x constructor=y');
    expect(Object.getPrototypeOf(f)).toBe(null);
    expect(Object.entries(f)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });
});
