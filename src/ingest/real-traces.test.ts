/**
 * Every real trace in test/fixtures/real-traces/ (kernel and trace-cmd output, byte for byte)
 * ingests with nothing skipped, and the counts match the file. Expectations come from the files
 * themselves (line counts and independent regexes, as `wc -l` and `grep -c` would) and from
 * literals checked by hand against the files; never from the code under test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ingestSource } from './ingest-source.ts';
import { markerText, parseProbePayload } from './probe-payload.ts';
import type { EventRecord, IntegrityRecord, TraceRecord } from './trace-record.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

interface Expect {
  file: string;
  layout: 'tracefs' | 'trace-pipe' | 'trace-cmd-report';
  /** Hand-checked literals (`wc -l`, `grep -c '^#'`, the header's entries-in-buffer). */
  lines: number;
  headers: number;
  records: number;
  integrity: number;
}

const TRACES: Expect[] = [
  {
    file: 'real-traces/tracefs-6.18/a_default_io_uring_mmap_kmem.trace',
    layout: 'tracefs',
    lines: 299,
    headers: 12,
    records: 287,
    integrity: 0,
  },
  {
    file: 'real-traces/tracefs-6.18/c_irq_info_off.trace',
    layout: 'tracefs',
    lines: 143,
    headers: 6,
    records: 137,
    integrity: 0,
  },
  {
    file: 'real-traces/tracefs-6.18/f_trace_marker_only.trace',
    layout: 'tracefs',
    lines: 139,
    headers: 12,
    records: 127,
    integrity: 0,
  },
  {
    file: 'real-traces/tracefs-6.18/i1_overflow_trace_pipe.txt',
    layout: 'trace-pipe',
    lines: 368,
    headers: 0,
    records: 366,
    integrity: 2,
  },
  {
    file: 'real-traces/tracefs-6.18/tracecmd_extract_io_uring_mmap.report.txt',
    layout: 'trace-cmd-report',
    lines: 174,
    headers: 1,
    records: 173,
    integrity: 0,
  },
  {
    file: 'real-traces/kprobe-6.1/default.kprobe.trace',
    layout: 'tracefs',
    lines: 5248,
    headers: 12,
    records: 5236,
    integrity: 0,
  },
  { file: 'vfio-zero-ro.trace', layout: 'tracefs', lines: 20, headers: 11, records: 9, integrity: 0 },
];

/** What a plain reading of the file says, independently of the tokenizer. */
function independentCounts(text: string) {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const isIntegrity = (l: string) => /^CPU:\d+ \[/.test(l) || /^##### CPU \d+ buffer started/.test(l);
  const isHeader = (l: string) =>
    !isIntegrity(l) && (l.startsWith('#') || /^(cpus=\d+|version = \d+|CPU \d+ is empty)$/.test(l));
  // An event line as Perfetto's systrace regex sees it, widened for no-flags lines.
  const eventLine =
    /^\s*.+-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:[.a-zA-Z0-9]{1,8}\s+)?(\d+\.\d+):\s(\S+?):\s/;
  const perEvent: Record<string, number> = {};
  let records = 0;
  for (const l of lines) {
    const m = eventLine.exec(l);
    if (m) {
      records++;
      perEvent[m[4]!] = (perEvent[m[4]!] ?? 0) + 1;
    }
  }
  return {
    lines: lines.length,
    headers: lines.filter(isHeader).length,
    integrity: lines.filter(isIntegrity).length,
    blank: lines.filter((l) => l.trim() === '').length,
    records,
    perEvent,
  };
}

async function ingest(file: string) {
  const records: TraceRecord[] = [];
  const result = await ingestSource(FIXTURES + file, { onRecord: (r) => records.push(r), strict: true });
  return { result, records, events: records.filter((r): r is EventRecord => r.kind === 'event') };
}

describe('real traces', () => {
  for (const t of TRACES) {
    it(`${t.file}: every line accounted for, nothing skipped`, async () => {
      const text = readFileSync(FIXTURES + t.file, 'utf8');
      const indep = independentCounts(text);
      const { result, events } = await ingest(t.file);
      const got = {
        layout: result.layout,
        lines: result.lines,
        headers: result.headers,
        records: result.records,
        integrity: result.integrity,
        blank: result.blank,
        skipped: result.skipped,
      };
      expect(got).toEqual({
        layout: t.layout,
        lines: t.lines,
        headers: t.headers,
        records: t.records,
        integrity: t.integrity,
        blank: 0,
        skipped: {},
      });
      expect(got).toEqual({
        layout: t.layout,
        lines: indep.lines,
        headers: indep.headers,
        records: indep.records,
        integrity: indep.integrity,
        blank: indep.blank,
        skipped: {},
      });
      expect(result.events).toEqual(indep.perEvent);
      expect(result.bytes).toBe(Buffer.byteLength(text));
      expect(events.length).toBe(t.records);
      // Records come in file order with their own line numbers and text.
      const fileLines = text.split('\n');
      for (const r of events) expect(r.text).toBe(fileLines[r.line - 1]);
      expect(result.clock).toBe('ns');
    });
  }

  it('a_default: the header matches the records, first and last record read exactly', async () => {
    const { result, events } = await ingest(TRACES[0]!.file);
    expect(result.header).toEqual({
      tracer: 'nop',
      entriesInBuffer: 287,
      entriesWritten: 287,
      cpus: 2,
      irqInfo: true,
      flagsWidth: 5,
      tgid: false,
    });
    expect(result.integrityEvents).toEqual([]);
    const first = events[0]!;
    expect([first.line, first.task, first.pid, first.cpu, first.flags, first.ts.value, first.event]).toEqual([
      13,
      'pinbench',
      18642,
      0,
      '.....',
      1211298990000n,
      'vm_unmapped_area',
    ]);
    expect(first.fields.len).toBe('0x35000');
    const last = events.at(-1)!;
    expect([last.line, last.ts.text, last.event, last.fields.pfn]).toEqual([
      299,
      '1211.309885',
      'mm_page_alloc',
      '0x186696',
    ]);
    // Flags as printed; grep -ohE '\] [.a-zA-Z0-9]{5} ' | sort | uniq -c
    const flags: Record<string, number> = {};
    for (const e of events) flags[e.flags!] = (flags[e.flags!] ?? 0) + 1;
    expect(flags).toEqual({ '.....': 153, '...1.': 133, 'd..1.': 1 });
  });

  it('c_irq_info_off: no flags column at all', async () => {
    const { result, events } = await ingest(TRACES[1]!.file);
    expect(result.header.irqInfo).toBe(false);
    expect(events.every((e) => !('flags' in e))).toBe(true);
    expect(events[0]!.payload).toBe(
      'addr=0x7ff08c815000 err=0 total_vm=0x43 flags=0x1 len=0x35000 lo=0x1000 hi=0x7ff08c84a000 mask=0x0 ofs=0x0',
    );
  });

  it('f_trace_marker_only: markers with quotes, pipes and parentheses survive whole', async () => {
    const { events } = await ingest(TRACES[2]!.file);
    expect(events.every((e) => e.event === 'tracing_mark_write')).toBe(true);
    expect(events.filter((e) => e.task === '<...>').length).toBe(125);
    expect(events.filter((e) => e.task === 'bash').length).toBe(2);
    const begin = events.find((e) => e.payload.includes('case=zero_ro begin'))!;
    expect(markerText(begin)).toBe(
      'pinbench: case=zero_ro begin mapping="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only (zero page)" addr=0x7ffa7bd8e000 len=16384 described_pages=4 zero_pfn=0x3b34',
    );
    expect(begin.fields.mapping).toBe('MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only (zero page)');
    expect(begin.fields.zero_pfn).toBe('0x3b34');
  });

  it('i1_overflow_trace_pipe: LOST lines are integrity events on their CPUs', async () => {
    const { result, records } = await ingest(TRACES[3]!.file);
    const lost: IntegrityRecord[] = [
      {
        kind: 'integrity',
        line: 1,
        integrity: 'lost-events',
        cpu: 1,
        count: 15855,
        text: 'CPU:1 [LOST 15855 EVENTS]',
      },
      {
        kind: 'integrity',
        line: 4,
        integrity: 'lost-events',
        cpu: 0,
        count: 31790,
        text: 'CPU:0 [LOST 31790 EVENTS]',
      },
    ];
    expect(result.integrityEvents).toEqual(lost);
    expect(records[0]).toEqual(lost[0]);
    expect(records[3]).toEqual(lost[1]);
    expect(result.header).toEqual({});
  });

  it('tracecmd report: markers as print: tracing_mark_write, padding not in the payload', async () => {
    const { result, events } = await ingest(TRACES[4]!.file);
    expect(result.header).toEqual({ cpus: 2 });
    const prints = events.filter((e) => e.event === 'print');
    expect(prints.length).toBe(125);
    expect(markerText(prints[0]!)).toBe(
      'pinbench: start pid=20170 pagesize=4096 npages=4 marker=yes pagemap=yes kpageflags=yes',
    );
    const reg = events.find((e) => e.event === 'io_uring_register')!;
    expect(reg.payload).toBe('ring 0xffff8881056ea000, opcode 0, nr_user_files 0, nr_user_bufs 0, ret -14');
    expect(reg.text.slice(reg.payloadCol - 1)).toBe(reg.payload);
    expect(events.every((e) => !('flags' in e))).toBe(true);
  });

  it('kprobe 6.1: entry and return probes, including kretprobe-d callers', async () => {
    const text = readFileSync(FIXTURES + TRACES[5]!.file, 'utf8');
    const { events } = await ingest(TRACES[5]!.file);
    const probes = events.map((e) => parseProbePayload(e.payload));
    const entries = probes.filter((p) => p?.probe === 'entry');
    const returns = probes.filter((p) => p?.probe === 'return');
    // grep -cE ': \([^ ]+\+0x[0-9a-f]+/0x[0-9a-f]+\) ' and grep -cE ': \([^ ]+ <- [^ )]+\)'
    expect(entries.length).toBe((text.match(/: \([^ ]+\+0x[0-9a-f]+\/0x[0-9a-f]+\) /g) ?? []).length);
    expect(returns.length).toBe((text.match(/: \([^ ]+ <- [^ )]+\)/g) ?? []).length);
    expect([entries.length, returns.length]).toEqual([2957, 1889]);
    const unknown = returns.filter((p) => p?.caller === "[unknown/kretprobe'd]");
    expect(unknown.length).toBe(11);
    expect(unknown[0]).toEqual({
      probe: 'return',
      sym: '__gup_longterm_locked',
      caller: "[unknown/kretprobe'd]",
      probed: '__gup_longterm_locked',
      fields: { ret: '-14' },
      args: 'ret=-14',
    });
    const vnp = events.find((e) => e.event === 'vm_normal_page_ret')!;
    expect(parseProbePayload(vnp.payload)).toEqual({
      probe: 'return',
      sym: 'vm_normal_page',
      caller: 'change_protection+0x1224/0x15d0',
      callerSym: 'change_protection',
      probed: 'vm_normal_page',
      fields: { page: '0xffd40000001a7440' },
      args: 'page=0xffd40000001a7440',
    });
    const fault = events.find((e) => e.event === 'handle_mm_fault')!;
    expect(parseProbePayload(fault.payload)).toEqual({
      probe: 'entry',
      sym: 'handle_mm_fault',
      offset: 0,
      size: 0x2d0,
      fields: { vma: '0xff11000005b1fda8', address: '0x4ac290', fault_flags: '0x215' },
      args: 'vma=0xff11000005b1fda8 address=0x4ac290 fault_flags=0x215',
    });
    // Tracepoints in the same file are not probes.
    expect(parseProbePayload(events.find((e) => e.event === 'mm_page_free')!.payload)).toBeUndefined();
    // The guest's global clock: many events share a timestamp, file order is kept.
    const lines = events.map((e) => e.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('the side files of the kprobe recording are not traces: every line is skipped, with reasons', async () => {
    for (const f of [
      'real-traces/kprobe-6.1/default.probes.txt',
      'real-traces/kprobe-6.1/default.guest-info.txt',
    ]) {
      const text = readFileSync(FIXTURES + f, 'utf8');
      const n = text.split('\n').length - 1;
      const r = await ingestSource(FIXTURES + f);
      expect(r.records).toBe(0);
      expect(Object.values(r.skipped).reduce((a, b) => a + b, 0)).toBe(n);
    }
  });
});
