import { describe, expect, it } from 'vitest';
import { TraceError } from '../errors.ts';
import type { EventRecord, IntegrityRecord, TraceRecord } from './trace-record.ts';
import {
  lineRanges,
  sniffLayout,
  type TokenizeSummary,
  TraceTokenizer,
  tokenizeBytes,
} from './trace-tokenizer.ts';

function read(
  text: string | Buffer,
  opts: { strict?: boolean; maxLineBytes?: number; chunk?: number; file?: string } = {},
): { records: TraceRecord[]; summary: TokenizeSummary } {
  const records: TraceRecord[] = [];
  const tok = new TraceTokenizer({
    file: opts.file ?? 'trace.txt',
    strict: opts.strict ?? false,
    onRecord: (r) => records.push(r),
    ...(opts.maxLineBytes ? { maxLineBytes: opts.maxLineBytes } : {}),
  });
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const step = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) tok.push(bytes.subarray(i, i + step));
  return { records, summary: tok.end() };
}

function counts(s: TokenizeSummary) {
  return {
    lines: s.lines,
    records: s.records,
    headers: s.headers,
    integrity: s.integrity,
    blank: s.blank,
    skipped: s.skipped,
  };
}

const EV = '        pinbench-4711    [002] .....  1207.003114: kfree: ptr=0';

const TRACEFS_HEADER = `# tracer: nop
#
# entries-in-buffer/entries-written: 5120/88231   #P:8
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION
#              | |           |       |   |||||     |         |
`;

describe('headers and layouts', () => {
  it('reads the tracefs header; written > in-buffer counts as a header and is an integrity event', () => {
    const { records, summary } = read(`${TRACEFS_HEADER}${EV}\n`);
    expect(counts(summary)).toEqual({
      lines: 13,
      records: 1,
      headers: 12,
      integrity: 0,
      blank: 0,
      skipped: {},
    });
    expect(summary.layout).toBe('tracefs');
    expect(summary.header).toEqual({
      tracer: 'nop',
      entriesInBuffer: 5120,
      entriesWritten: 88231,
      cpus: 8,
      irqInfo: true,
      flagsWidth: 5,
      tgid: true,
    });
    const overwritten: IntegrityRecord = {
      kind: 'integrity',
      line: 3,
      integrity: 'overwritten',
      count: 83111,
      text: '# entries-in-buffer/entries-written: 5120/88231   #P:8',
    };
    // The header announces 5120 entries and one is read: the last record is the mismatch.
    const mismatch: IntegrityRecord = {
      kind: 'integrity',
      line: 3,
      integrity: 'entries-mismatch',
      count: 5119,
      text: 'header announces 5120 entries, 1 records read',
    };
    expect(summary.integrityEvents).toEqual([overwritten, mismatch]);
    expect(records[0]).toEqual(overwritten);
    expect(records[1]?.kind).toBe('event');
    expect(records[2]).toEqual(mismatch);
  });

  it('reads an irq-info off legend and an older 4-column one', () => {
    const off = read('# tracer: nop\n#           TASK-PID     CPU#     TIMESTAMP  FUNCTION\n').summary.header;
    expect(off).toEqual({ tracer: 'nop', irqInfo: false, tgid: false });
    const old = read('#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n').summary.header;
    expect(old).toEqual({ irqInfo: true, flagsWidth: 4, tgid: false });
  });

  it('is trace-pipe without a header and trace-cmd-report after cpus=/version', () => {
    expect(read(`${EV}\n`).summary.layout).toBe('trace-pipe');
    expect(read('').summary.layout).toBe('trace-pipe');
    const report = read(
      'version = 6\nCPU 0 is empty\nCPU 3 is empty\ncpus=4\n  bash-1 [001]  5.000001: print:                tracing_mark_write: hi\n',
    );
    expect(report.summary.layout).toBe('trace-cmd-report');
    expect(counts(report.summary)).toEqual({
      lines: 5,
      records: 1,
      headers: 4,
      integrity: 0,
      blank: 0,
      skipped: {},
    });
    expect(report.summary.header).toEqual({ version: 6, emptyCpus: [0, 3], cpus: 4 });
    expect((report.records[0] as EventRecord).payload).toBe('tracing_mark_write: hi');
    expect(sniffLayout(Buffer.from('cpus=2\n'))).toBe('trace-cmd-report');
    expect(sniffLayout(Buffer.from(`# tracer: nop\n${EV}\n`))).toBe('tracefs');
  });

  it('ignores a UTF-8 byte-order mark at the start', () => {
    const { summary } = read(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`# tracer: nop\n${EV}\n`)]),
      {
        chunk: 2,
      },
    );
    expect(counts(summary)).toEqual({
      lines: 2,
      records: 1,
      headers: 1,
      integrity: 0,
      blank: 0,
      skipped: {},
    });
    expect(summary.header.tracer).toBe('nop');
  });

  it('keeps comment lines inside the header as headers', () => {
    const { summary } = read(`# tracer: nop\n#\n# A comment, with words: and colons.\n${EV}\n`);
    expect(counts(summary)).toEqual({
      lines: 4,
      records: 1,
      headers: 3,
      integrity: 0,
      blank: 0,
      skipped: {},
    });
  });
});

describe('integrity events', () => {
  it('are records of their own, counted as integrity lines', () => {
    const text = [
      'CPU:1 [LOST 15855 EVENTS]',
      EV,
      'CPU:0 [LOST EVENTS]',
      '##### CPU 6 buffer started ####',
      'CPU:5 [1834 EVENTS DROPPED]',
      'CPU:2 [EVENTS DROPPED]',
      EV,
    ].join('\n');
    const { records, summary } = read(`${text}\n`);
    expect(counts(summary)).toEqual({
      lines: 7,
      records: 2,
      headers: 0,
      integrity: 5,
      blank: 0,
      skipped: {},
    });
    const integrity = records.filter((r) => r.kind === 'integrity');
    expect(integrity).toEqual([
      {
        kind: 'integrity',
        line: 1,
        integrity: 'lost-events',
        cpu: 1,
        count: 15855,
        text: 'CPU:1 [LOST 15855 EVENTS]',
      },
      { kind: 'integrity', line: 3, integrity: 'lost-events', cpu: 0, text: 'CPU:0 [LOST EVENTS]' },
      {
        kind: 'integrity',
        line: 4,
        integrity: 'buffer-started',
        cpu: 6,
        text: '##### CPU 6 buffer started ####',
      },
      {
        kind: 'integrity',
        line: 5,
        integrity: 'events-dropped',
        cpu: 5,
        count: 1834,
        text: 'CPU:5 [1834 EVENTS DROPPED]',
      },
      { kind: 'integrity', line: 6, integrity: 'events-dropped', cpu: 2, text: 'CPU:2 [EVENTS DROPPED]' },
    ]);
    expect(summary.integrityEvents).toEqual(integrity);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a last line without newline that does not read is a truncated-line integrity event', () => {
    const { records, summary } = read(`${EV}\n        pinbench-4711    [002] .....  1207.0`);
    expect(counts(summary)).toEqual({
      lines: 2,
      records: 1,
      headers: 0,
      integrity: 1,
      blank: 0,
      skipped: {},
    });
    expect(records[1]).toEqual({
      kind: 'integrity',
      line: 2,
      integrity: 'truncated-line',
      text: '        pinbench-4711    [002] .....  1207.0',
    });
  });

  it('a last line without newline is a truncated line even when it reads (the cut may be inside it)', () => {
    const { records, summary } = read(`${EV}\n${EV}`);
    expect(counts(summary)).toEqual({
      lines: 2,
      records: 1,
      headers: 0,
      integrity: 1,
      blank: 0,
      skipped: {},
    });
    expect(records[1]).toEqual({ kind: 'integrity', line: 2, integrity: 'truncated-line', text: EV });
  });

  it('a header whose entries-in-buffer differs from the records read is an integrity event', () => {
    const header = '# tracer: nop\n# entries-in-buffer/entries-written: 3/3   #P:4\n';
    const short = read(`${header}${EV}\n${EV}\n`);
    expect(short.summary.integrityEvents).toEqual([
      {
        kind: 'integrity',
        line: 2,
        integrity: 'entries-mismatch',
        count: 1,
        text: 'header announces 3 entries, 2 records read',
      },
    ]);
    // Every line still counts once: the mismatch is not a line of its own.
    expect(counts(short.summary)).toMatchObject({ lines: 4, records: 2, headers: 2, integrity: 0 });
    expect(read(`${header}${EV}\n${EV}\n${EV}\n${EV}\n`).summary.integrityEvents[0]).toMatchObject({
      integrity: 'entries-mismatch',
      count: -1,
    });
    expect(read(`${header}${EV}\n${EV}\n${EV}\n`).summary.integrityEvents).toEqual([]);
  });
});

describe('line accounting', () => {
  it('counts blank lines, CRLF line ends and skips, and they add up', () => {
    const text = `# tracer: nop\r\n\r\n   \r\n${EV}\r\n\tjunk line\r\nx\n${EV}`;
    const { records, summary } = read(text);
    expect(counts(summary)).toEqual({
      lines: 7,
      records: 1,
      headers: 1,
      integrity: 1,
      blank: 2,
      skipped: { 'no-cpu-field': 2 },
    });
    expect((records[0] as EventRecord).text).toBe(EV);
    expect(summary.skippedExamples['no-cpu-field']).toEqual([
      { line: 5, col: 1, text: '\tjunk line' },
      { line: 6, col: 1, text: 'x' },
    ]);
  });

  it('keeps only the first few examples per reason', () => {
    const { summary } = read('a\nb\nc\nd\ne\n');
    expect(summary.skipped).toEqual({ 'no-cpu-field': 5 });
    expect(summary.skippedExamples['no-cpu-field']?.map((e) => e.line)).toEqual([1, 2, 3]);
  });

  it('skips over-long lines without buffering them, in any chunking', () => {
    const long = `  x-1 [000] .....  1.000001: e: ${'y'.repeat(300)}`;
    for (const chunk of [1, 7, 64, 1000]) {
      const { records, summary } = read(`${EV}\n${long}\n${EV}\n${long}`, { maxLineBytes: 100, chunk });
      expect(counts(summary)).toEqual({
        lines: 4,
        records: 2,
        headers: 0,
        integrity: 1,
        blank: 0,
        skipped: { 'line-too-long': 1 },
      });
      expect(records.map((r) => [r.kind, r.line])).toEqual([
        ['event', 1],
        ['integrity', 2], // the unreadable line, a gap for the model
        ['event', 3],
        ['integrity', 4],
      ]);
      expect(summary.skippedExamples['line-too-long']?.[0]?.text).toMatch(
        /^ {2}x-1 \[000\].*\.\.\. \(332 bytes\)$/,
      );
    }
  });

  it('counts events per name and the clock kind', () => {
    const ns = read(`${EV}\n${EV}\n  a-1 [000] .....  2.000001: func_x <-parent\n`).summary;
    expect(ns.events).toEqual({ kfree: 2, function: 1 });
    expect(ns.clock).toBe('ns');
    expect(read('  a-1 [000] .....  2000001: kfree: x\n').summary.clock).toBe('counter');
    expect(read(`  a-1 [000] .....  2000001: kfree: x\n${EV}\n`).summary.clock).toBe('mixed');
    expect(read('# tracer: nop\n').summary.clock).toBe('none');
  });
});

describe('--strict', () => {
  it('turns the first skipped line into file:line:col: message [PB_TRACE_SYNTAX]', () => {
    let err: unknown;
    try {
      read(`# tracer: nop\n${EV}\n        pinbench-1 [000] .....  1.5: some words here\n`, {
        strict: true,
        file: 'traces/x.trace',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    const te = err as TraceError;
    expect(te.code).toBe('PB_TRACE_SYNTAX');
    expect(te.location).toEqual({ file: 'traces/x.trace', line: 3, col: 42 });
    expect(te.message).toBe(
      "traces/x.trace:3:42: expected '<event>: <payload>' or '<function> <-<parent>' after the timestamp: '        pinbench-1 [000] .....  1.5: some words here' [PB_TRACE_SYNTAX]",
    );
  });

  it('does not fail on headers, blanks or lost events', () => {
    const { summary } = read(`# tracer: nop\n\nCPU:0 [LOST 3 EVENTS]\n${EV}\n`, { strict: true });
    expect(counts(summary)).toEqual({
      lines: 4,
      records: 1,
      headers: 1,
      integrity: 1,
      blank: 1,
      skipped: {},
    });
  });

  it('fails on a damaged trace: a truncated last line, or fewer records than the header announces', () => {
    expect(() => read(`# tracer: nop\n${EV}\n  x-1 [000]`, { strict: true })).toThrow(
      /^trace\.txt:3: the trace ends inside this line \(truncated\): ' {2}x-1 \[000\]' \[PB_TRACE_SYNTAX\]$/,
    );
    expect(() => read(`# entries-in-buffer/entries-written: 2/2   #P:4\n${EV}\n`, { strict: true })).toThrow(
      /^trace\.txt:1: header announces 2 entries, 1 records read: .* \[PB_TRACE_SYNTAX\]$/,
    );
  });
});

describe('refused layouts', () => {
  function refusal(text: string | Buffer, chunk?: number): TraceError {
    try {
      read(text, chunk ? { chunk } : {});
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect((e as TraceError).code).toBe('PB_TRACE_REFUSED');
      return e as TraceError;
    }
    throw new Error('not refused');
  }

  it('latency-format, by its header', () => {
    const e = refusal(
      '# tracer: irqsoff\n#\n# irqsoff latency trace v1.1.5 on 6.1.0\n# --------\n#  cmd     pid   ||||| time  |   caller\n',
    );
    expect(e.message).toContain('options/latency-format');
    expect(e.location).toEqual({ file: 'trace.txt', line: 3 });
  });

  it('latency-format, by its columns or its body lines', () => {
    expect(refusal('#  cmd     pid     |||||| time  |   caller\n').location?.line).toBe(1);
    const body = refusal('    bash-1234    0d..1    0us : pin_user_pages_fast <-iov_iter_extract_pages\n');
    expect(body.message).toContain('latency-format');
  });

  it('function_graph, by tracer, by columns and by body lines', () => {
    expect(refusal('# tracer: function_graph\n').message).toContain(
      'echo function > /sys/kernel/tracing/current_tracer',
    );
    expect(refusal('# CPU  DURATION                  FUNCTION CALLS\n').message).toContain('function_graph');
    expect(refusal(' 0)   0.123 us    |  pin_user_pages();\n').message).toContain('function_graph');
    expect(refusal('  1207.003114 |   0)               |  gup() {\n').message).toContain('function_graph');
  });

  it('raw, hex and bin output', () => {
    expect(refusal('4711 2 1207003114000 type: 5\n').message).toContain('options/raw');
    expect(refusal('0000126700000002000001190123abcd\n').message).toContain('options/hex');
    expect(refusal(Buffer.from([0x67, 0x12, 0x00, 0x00, 0x02, 0x00, 0x0a])).message).toContain('options/bin');
  });

  it('a trace.dat file, whatever the chunking', () => {
    const dat = Buffer.concat([
      Buffer.from([0x17, 0x08, 0x44]),
      Buffer.from('tracing6\0\x01\x08\0\0\0\0\x10\0\0'),
    ]);
    for (const chunk of [1, 3, 100]) {
      const e = refusal(dat, chunk);
      expect(e.message).toBe(
        'trace.txt:1: this is a binary trace-cmd trace.dat file; convert it to text with `trace-cmd report trace.txt > trace.txt` and ingest trace.txt [PB_TRACE_REFUSED]',
      );
    }
  });

  it('only before the first record: later junk is a skip', () => {
    const { summary } = read(`${EV}\n 0)   0.123 us    |  pin_user_pages();\n4711 2 1207003114000 x\n`);
    expect(summary.skipped).toEqual({ 'no-cpu-field': 2 });
  });
});

describe('crafted lines', () => {
  it('a 1 MiB line of cpu-field look-alikes costs a few passes, not one per look-alike', () => {
    const unit = 'x-1 [1] 1: ab cd -1 1d 1: ab ';
    const line = unit.repeat(Math.floor((1 << 20) / unit.length));
    const t0 = performance.now();
    const { summary } = read(`${line}\n`, { maxLineBytes: 2 << 20 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(summary.skipped).toEqual({ 'no-event': 1 });
  });
});

describe('byte ranges', () => {
  it('tokenizing line-aligned ranges separately gives the same records as the whole', () => {
    const lines = [TRACEFS_HEADER.trimEnd().replace('5120/88231', '200/88231')];
    for (let i = 0; i < 200; i++) {
      lines.push(`   t-${i}-${100 + i}     [00${i % 4}] .....  ${1000 + i}.000001: ev${i % 7}: n=${i}`);
      if (i % 50 === 0) lines.push(`CPU:${i % 4} [LOST ${i} EVENTS]`);
    }
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const whole: TraceRecord[] = [];
    const all = tokenizeBytes(bytes, { onRecord: (r) => whole.push(r) });
    for (const parts of [1, 2, 3, 7]) {
      const ranges = lineRanges(bytes, parts);
      expect(ranges[0]?.start).toBe(0);
      expect(ranges.at(-1)?.end).toBe(bytes.length);
      const got: TraceRecord[] = [];
      let total = 0;
      for (const r of ranges) {
        const s = tokenizeBytes(bytes, { ...r, layout: all.layout, onRecord: (x) => got.push(x) });
        total += s.lines;
      }
      expect(total).toBe(all.lines);
      expect(got).toEqual(whole);
    }
  });
});
