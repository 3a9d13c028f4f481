import { describe, expect, it } from 'vitest';
import type { EventRecord, TraceRecord } from './trace-record.ts';
import { type TokenizeSummary, tokenizeBytes } from './trace-tokenizer.ts';

function read(text: string): { records: TraceRecord[]; summary: TokenizeSummary } {
  const records: TraceRecord[] = [];
  const summary = tokenizeBytes(Buffer.from(text, 'utf8'), { onRecord: (r) => records.push(r) });
  return { records, summary };
}

/** The one event record a single line gives. */
function one(line: string, prefix = ''): EventRecord {
  const { records, summary } = read(`${prefix}${line}\n`);
  const events = records.filter((r): r is EventRecord => r.kind === 'event');
  expect(summary.skipped, `skipped: ${JSON.stringify(summary.skippedExamples)}`).toEqual({});
  expect(events).toHaveLength(1);
  return events[0]!;
}

interface Want {
  task: string;
  pid: number;
  tgid?: number | null;
  cpu: number;
  flags?: string;
  ts: string;
  clock?: 'ns' | 'counter';
  event: string;
  payload: string;
}

function expectRecord(r: EventRecord, want: Want): void {
  expect({
    task: r.task,
    pid: r.pid,
    tgid: r.tgid,
    cpu: r.cpu,
    flags: r.flags,
    ts: r.ts.text,
    clock: r.ts.clock,
    event: r.event,
    payload: r.payload,
  }).toEqual({ clock: 'ns', ...want });
  expect('tgid' in r).toBe(want.tgid !== undefined);
  expect('flags' in r).toBe(want.flags !== undefined);
  // payloadCol points at the payload in the original text
  expect(r.text.slice(r.payloadCol - 1)).toBe(want.payload);
}

// Every variant the line tokenizer's header comment quotes, plus the spec's examples.
const VARIANTS: [string, string, Want][] = [
  [
    'tracefs, irq-info on, 5 flags',
    '        pinbench-18642   [000] .....  1211.298990: vm_unmapped_area: addr=0x7fe348b6c000 err=0',
    {
      task: 'pinbench',
      pid: 18642,
      cpu: 0,
      flags: '.....',
      ts: '1211.298990',
      event: 'vm_unmapped_area',
      payload: 'addr=0x7fe348b6c000 err=0',
    },
  ],
  [
    '<idle> with need-resched and softirq flags',
    '          <idle>-0       [001] .Ns1.  1217.651378: kfree: call_site=security_task_free+0x1f/0x70 ptr=0000000000000000',
    {
      task: '<idle>',
      pid: 0,
      cpu: 1,
      flags: '.Ns1.',
      ts: '1217.651378',
      event: 'kfree',
      payload: 'call_site=security_task_free+0x1f/0x70 ptr=0000000000000000',
    },
  ],
  [
    'older kernel: 4 flags, function tracer line',
    '          <idle>-0       [005] d.h2  1207.003120: irq_enter_rcu <-sysvec_apic_timer_interrupt',
    {
      task: '<idle>',
      pid: 0,
      cpu: 5,
      flags: 'd.h2',
      ts: '1207.003120',
      event: 'function',
      payload: 'irq_enter_rcu <-sysvec_apic_timer_interrupt',
    },
  ],
  [
    'PREEMPT_RT: 7 flag columns',
    '     kworker/5:2-312     [005] dNs1.2.  1207.003121: rcu_core <-handle_softirqs',
    {
      task: 'kworker/5:2',
      pid: 312,
      cpu: 5,
      flags: 'dNs1.2.',
      ts: '1207.003121',
      event: 'function',
      payload: 'rcu_core <-handle_softirqs',
    },
  ],
  [
    'irq-info off',
    '        pinbench-18816   [001]   1211.702494: vm_unmapped_area: addr=0x7ff08c815000 err=0 total_vm=0x43',
    {
      task: 'pinbench',
      pid: 18816,
      cpu: 1,
      ts: '1211.702494',
      event: 'vm_unmapped_area',
      payload: 'addr=0x7ff08c815000 err=0 total_vm=0x43',
    },
  ],
  [
    'record-tgid, known tgid',
    '        pinbench-4712    (   4711) [003] .....  1207.004001: tracing_mark_write: PINBENCH step=3 op=unpin',
    {
      task: 'pinbench',
      pid: 4712,
      tgid: 4711,
      cpu: 3,
      flags: '.....',
      ts: '1207.004001',
      event: 'tracing_mark_write',
      payload: 'PINBENCH step=3 op=unpin',
    },
  ],
  [
    'record-tgid, unknown tgid',
    '     kworker/3:1-88      (-------) [003] d..1.  1207.004010: lru_add_drain_per_cpu <-process_one_work',
    {
      task: 'kworker/3:1',
      pid: 88,
      tgid: null,
      cpu: 3,
      flags: 'd..1.',
      ts: '1207.004010',
      event: 'function',
      payload: 'lru_add_drain_per_cpu <-process_one_work',
    },
  ],
  [
    'older kernel: %-5d pid and (%5d) tgid, 4 flags',
    '           bash-1234  ( 1234) [000] d..2  4551.123456: sched_waking: comm=sshd pid=812 prio=120',
    {
      task: 'bash',
      pid: 1234,
      tgid: 1234,
      cpu: 0,
      flags: 'd..2',
      ts: '4551.123456',
      event: 'sched_waking',
      payload: 'comm=sshd pid=812 prio=120',
    },
  ],
  [
    'older kernel: (-----) tgid, irq-info off',
    '           <...>-77    (-----) [001]  4551.123999: workqueue_execute_start: work struct 000000005c1f',
    {
      task: '<...>',
      pid: 77,
      tgid: null,
      cpu: 1,
      ts: '4551.123999',
      event: 'workqueue_execute_start',
      payload: 'work struct 000000005c1f',
    },
  ],
  [
    'counter clock (x86-tsc), flags on',
    '        pinbench-4711    [002] .....    884213377: pin_user_pages_fast <-iov_iter_extract_pages',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '884213377',
      clock: 'counter',
      event: 'function',
      payload: 'pin_user_pages_fast <-iov_iter_extract_pages',
    },
  ],
  [
    'counter clock, irq-info off',
    '        pinbench-4711    [002]    18446744073709551615: gup_enter: (__get_user_pages+0x0/0x5c0) arg1=0x1',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      ts: '18446744073709551615',
      clock: 'counter',
      event: 'gup_enter',
      payload: '(__get_user_pages+0x0/0x5c0) arg1=0x1',
    },
  ],
  [
    'kprobe entry',
    '        pinbench-385     [001] .....    19.523559: handle_mm_fault: (handle_mm_fault+0x0/0x2d0) vma=0xff11000005b1fda8 address=0x4ac290 fault_flags=0x215',
    {
      task: 'pinbench',
      pid: 385,
      cpu: 1,
      flags: '.....',
      ts: '19.523559',
      event: 'handle_mm_fault',
      payload: '(handle_mm_fault+0x0/0x2d0) vma=0xff11000005b1fda8 address=0x4ac290 fault_flags=0x215',
    },
  ],
  [
    'kretprobe from an unknown (kretprobe-d) caller',
    "        pinbench-385     [000] .....    19.576696: __gup_longterm_locked_ret: ([unknown/kretprobe'd] <- __gup_longterm_locked) ret=-14",
    {
      task: 'pinbench',
      pid: 385,
      cpu: 0,
      flags: '.....',
      ts: '19.576696',
      event: '__gup_longterm_locked_ret',
      payload: "([unknown/kretprobe'd] <- __gup_longterm_locked) ret=-14",
    },
  ],
  [
    'marker with trailing spaces kept',
    '           <...>-19307   [001] ...1.  1212.900444: tracing_mark_write: pinbench: start pid=19307   ',
    {
      task: '<...>',
      pid: 19307,
      cpu: 1,
      flags: '...1.',
      ts: '1212.900444',
      event: 'tracing_mark_write',
      payload: 'pinbench: start pid=19307   ',
    },
  ],
  [
    'function tracer with sym-offset',
    '        pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast+0x0/0x90 <-iov_iter_extract_pages+0x1c4/0x3a0',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'function',
      payload: 'pin_user_pages_fast+0x0/0x90 <-iov_iter_extract_pages+0x1c4/0x3a0',
    },
  ],
  [
    'function tracer, module symbols between the function and the parent',
    '         nft-901     [000] ..s1.   900.000001: nft_do_chain+0x0/0x500 [nf_tables] <-nft_do_chain_ipv4+0x4a/0x60 [nf_tables]',
    {
      task: 'nft',
      pid: 901,
      cpu: 0,
      flags: '..s1.',
      ts: '900.000001',
      event: 'function',
      payload: 'nft_do_chain+0x0/0x500 [nf_tables] <-nft_do_chain_ipv4+0x4a/0x60 [nf_tables]',
    },
  ],
  [
    'function tracer with sym-addr',
    '        pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast <ffffffff8123a450> <-iov_iter_extract_pages <ffffffff815c9e14>',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'function',
      payload: 'pin_user_pages_fast <ffffffff8123a450> <-iov_iter_extract_pages <ffffffff815c9e14>',
    },
  ],
  [
    'function tracer with sym-addr and no parent',
    '        pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast <ffffffff8123a450>',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'function',
      payload: 'pin_user_pages_fast <ffffffff8123a450>',
    },
  ],
  [
    'function tracer without a parent (print-parent off)',
    '        pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'function',
      payload: 'pin_user_pages_fast',
    },
  ],
  [
    'event with an empty payload',
    '        pinbench-4711    [002] .....  1207.003114: io_uring_task_work_run: ',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'io_uring_task_work_run',
      payload: '',
    },
  ],
  [
    'trace_printk: the calling function as the event',
    '          insmod-2048    [000] .....   321.000100: my_init: hello from my_init x=3',
    {
      task: 'insmod',
      pid: 2048,
      cpu: 0,
      flags: '.....',
      ts: '321.000100',
      event: 'my_init',
      payload: 'hello from my_init x=3',
    },
  ],
  [
    'task name with spaces, dashes and digits',
    ' my task-12 x-9-4242    [001] .....  1207.000001: tracing_mark_write: hi',
    {
      task: 'my task-12 x-9',
      pid: 4242,
      cpu: 1,
      flags: '.....',
      ts: '1207.000001',
      event: 'tracing_mark_write',
      payload: 'hi',
    },
  ],
  [
    'task name with a colon and a bracket pair that looks like a cpu field',
    '   a [12] b:c (d-77      [003] d..1.  1207.000002: sched_wakeup: comm=x pid=1',
    {
      task: 'a [12] b:c (d',
      pid: 77,
      cpu: 3,
      flags: 'd..1.',
      ts: '1207.000002',
      event: 'sched_wakeup',
      payload: 'comm=x pid=1',
    },
  ],
  [
    'task name that is a full cpu-field look-alike',
    '  x-1 [002] y-55     [007] .....  1207.000003: kfree: ptr=0',
    {
      task: 'x-1 [002] y',
      pid: 55,
      cpu: 7,
      flags: '.....',
      ts: '1207.000003',
      event: 'kfree',
      payload: 'ptr=0',
    },
  ],
  [
    'bracketed task name (kernel threads as ps shows them)',
    '   [kworker/0:1]-14      [000] .....  1207.000004: kfree: ptr=0',
    {
      task: '[kworker/0:1]',
      pid: 14,
      cpu: 0,
      flags: '.....',
      ts: '1207.000004',
      event: 'kfree',
      payload: 'ptr=0',
    },
  ],
  [
    'more than 999 CPUs',
    '        pinbench-4711    [1023] .....  1207.000005: kfree: ptr=0',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 1023,
      flags: '.....',
      ts: '1207.000005',
      event: 'kfree',
      payload: 'ptr=0',
    },
  ],
  [
    'UTF-8 in task and payload',
    '       prüfer-ü-31     [000] .....  1207.000006: tracing_mark_write: grüße x="ä b"',
    {
      task: 'prüfer-ü',
      pid: 31,
      cpu: 0,
      flags: '.....',
      ts: '1207.000006',
      event: 'tracing_mark_write',
      payload: 'grüße x="ä b"',
    },
  ],
];

// trace-cmd report lines need the trace-cmd header (event-name padding is not payload there).
const REPORT_VARIANTS: [string, string, Want][] = [
  [
    'trace-cmd report, no flags, padded event',
    '        pinbench-20170 [001]  1219.090844: exit_mmap:            mt_mod 0xffff888110934b40, DESTROY',
    {
      task: 'pinbench',
      pid: 20170,
      cpu: 1,
      ts: '1219.090844',
      event: 'exit_mmap',
      payload: 'mt_mod 0xffff888110934b40, DESTROY',
    },
  ],
  [
    'trace-cmd report marker',
    '        pinbench-20170 [001]  1219.091311: print:                tracing_mark_write: pinbench: start pid=20170',
    {
      task: 'pinbench',
      pid: 20170,
      cpu: 1,
      ts: '1219.091311',
      event: 'print',
      payload: 'tracing_mark_write: pinbench: start pid=20170',
    },
  ],
  [
    'trace-cmd report with flags and the function plugin',
    '        pinbench-4711  [002] .....  1207.003114: function:             pin_user_pages_fast <-- iov_iter_extract_pages',
    {
      task: 'pinbench',
      pid: 4711,
      cpu: 2,
      flags: '.....',
      ts: '1207.003114',
      event: 'function',
      payload: 'pin_user_pages_fast <-- iov_iter_extract_pages',
    },
  ],
  [
    'trace-cmd report -l: cpu digits run into the flags',
    '          <idle>-0       0d.h1. 106467.859747: function:             ktime_get <-- tick_check_idle',
    {
      task: '<idle>',
      pid: 0,
      cpu: 0,
      flags: 'd.h1.',
      ts: '106467.859747',
      event: 'function',
      payload: 'ktime_get <-- tick_check_idle',
    },
  ],
  [
    'trace-cmd report -l on cpu 12',
    '            bash-4433    12.N.2. 106467.860001: sched_switch:         bash:4433 [120] R ==> swapper/12:0 [120]',
    {
      task: 'bash',
      pid: 4433,
      cpu: 12,
      flags: '.N.2.',
      ts: '106467.860001',
      event: 'sched_switch',
      payload: 'bash:4433 [120] R ==> swapper/12:0 [120]',
    },
  ],
  [
    'trace-cmd report -t: nanosecond timestamps',
    '        pinbench-20170 [001]  1219.090844123: kfree:                call_site=x ptr=0',
    {
      task: 'pinbench',
      pid: 20170,
      cpu: 1,
      ts: '1219.090844123',
      event: 'kfree',
      payload: 'call_site=x ptr=0',
    },
  ],
];

describe('line tokenizer: every accepted variant', () => {
  for (const [name, line, want] of VARIANTS) {
    it(name, () => expectRecord(one(line), want));
  }
  for (const [name, line, want] of REPORT_VARIANTS) {
    it(name, () => expectRecord(one(line, 'cpus=2\n'), want));
  }

  it('keeps the exact timestamp: ns clocks to integer nanoseconds, counters as they are', () => {
    expect(one(VARIANTS[0]![1]).ts.value).toBe(1211298990000n);
    expect(one('  a-1 [000] .....     0.000001: e: x').ts.value).toBe(1000n);
    expect(one('  a-1 [000] .....  1219.090844123: e: x').ts.value).toBe(1219090844123n);
    expect(one('  a-1 [000] .....  18446744073709551615: e: x').ts.value).toBe(18446744073709551615n);
  });

  it('gives the line number, the original text and a lazy field split', () => {
    const { records } = read(`# tracer: nop\n#\n${VARIANTS[0]![1]}\n`);
    const r = records[0] as EventRecord;
    expect(r.line).toBe(3);
    expect(r.text).toBe(VARIANTS[0]![1]);
    expect(r.fields).toEqual({ addr: '0x7fe348b6c000', err: '0' });
  });
});

describe('line tokenizer: lines it does not read', () => {
  const cases: [string, string, string, number][] = [
    ['no cpu field', 'hello world', 'no-cpu-field', 1],
    ['no pid before the cpu field', '        pinbench [000] .....  1.0: e: x', 'no-pid', 16],
    ['bad tgid group', '        pinbench-1 (abc) [000] .....  1.0: e: x', 'bad-tgid', 24],
    ['a colon inside the flags column', '        pinbench-1 [000] ..:..  1.0: e: x', 'bad-timestamp', 26],
    ['flags too long', '        pinbench-1 [000] ..........  1.0: e: x', 'bad-flags', 26],
    ['flags with a bad character', '        pinbench-1 [000] .._.. 1.0: e: x', 'bad-flags', 28],
    ['no timestamp', '        pinbench-1 [000] .....  abc: e: x', 'bad-timestamp', 33],
    ['timestamp without colon', '        pinbench-1 [000] ..... 1.5 e: x', 'bad-timestamp', 35],
    ['nothing after the timestamp', '        pinbench-1 [000] .....  1.5:', 'no-event', 37],
    ['no event name', '        pinbench-1 [000] .....  1.5: : x', 'no-event', 38],
    ['words, not an event', '        pinbench-1 [000] .....  1.5: some words here', 'no-event', 42],
  ];
  for (const [name, line, reason, col] of cases) {
    it(`${name} -> ${reason} at col ${col}`, () => {
      const { records, summary } = read(`${line}\n`);
      // Not an event: the model sees only a gap where it was.
      expect(records).toEqual([{ kind: 'integrity', line: 1, integrity: 'unreadable-line', text: line }]);
      expect(summary.skipped).toEqual({ [reason]: 1 });
      expect(summary.skippedExamples).toEqual({ [reason]: [{ line: 1, col, text: line }] });
    });
  }
});
