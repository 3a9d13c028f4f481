/**
 * Layouts: which one a trace is in, what its header lines say, and the layouts pinbench refuses
 * (with what to run instead). Only header lines and the lines before the first record come here,
 * so plain regexes are fine.
 */
import type { Layout, TraceHeader } from './trace-record.ts';

/** The first bytes of a trace-cmd `trace.dat`: `\x17\x08\x44tracing`. */
export const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, ...Buffer.from('tracing', 'latin1')]);

export const REFUSED_LAYOUTS = ['trace-dat', 'latency', 'function-graph', 'raw', 'hex', 'bin'] as const;
export type RefusedLayout = (typeof REFUSED_LAYOUTS)[number];

const TRACING = '/sys/kernel/tracing';

/** What to tell the user, per refused layout: what it is and what to run instead. */
export function refusalMessage(kind: RefusedLayout, file: string): string {
  switch (kind) {
    case 'trace-dat':
      return `this is a binary trace-cmd trace.dat file; convert it to text with \`trace-cmd report ${file} > trace.txt\` and ingest trace.txt`;
    case 'latency':
      return `this is latency-format output ('latency trace v1.1.5' header, 'cmd pid ||||| time | caller' columns), which pinbench does not read; record with \`echo 0 > ${TRACING}/options/latency-format\` and the nop or function tracer (the irqsoff/wakeup tracers always print this layout)`;
    case 'function-graph':
      return `this is function_graph tracer output, which pinbench does not read; record with \`echo function > ${TRACING}/current_tracer\` (or nop with events enabled) instead`;
    case 'raw':
      return `this is raw-format output (options/raw); run \`echo 0 > ${TRACING}/options/raw\` and read the trace again`;
    case 'hex':
      return `this is hex-format output (options/hex); run \`echo 0 > ${TRACING}/options/hex\` and read the trace again`;
    case 'bin':
      return `this is binary output (options/bin, or not a text trace at all); run \`echo 0 > ${TRACING}/options/bin\` and read the trace again, or for a trace.dat use \`trace-cmd report ${file} > trace.txt\``;
  }
}

export function startsWithTraceDatMagic(head: Uint8Array): boolean {
  if (head.length < TRACE_DAT_MAGIC.length) return false;
  for (let i = 0; i < TRACE_DAT_MAGIC.length; i++) if (head[i] !== TRACE_DAT_MAGIC[i]) return false;
  return true;
}

/** What a header line is, once read into `header`. */
export type HeaderLine =
  | { kind: 'header'; layout?: Layout; overwritten?: number; entries?: true }
  | { kind: 'buffer-started'; cpu: number }
  | { kind: 'refused'; refused: RefusedLayout };

// Header lines, as the kernel prints them:
//   # tracer: nop
//   # entries-in-buffer/entries-written: 5120/88231   #P:8
//   #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
//   #           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION
//   #           TASK-PID     CPU#     TIMESTAMP  FUNCTION            (irq-info off)
//   ##### CPU 6 buffer started ####                                 (an integrity mark, not a header)
// and those of the layouts refused:
//   # irqsoff latency trace v1.1.5 on 6.1.0
//   #  cmd     pid   ||||| time  |   caller
//   # CPU  DURATION                  FUNCTION CALLS
const BUFFER_STARTED = /^##### CPU (\d+) buffer started ####\s*$/;
const TRACER = /^# tracer: (\S+)/;
const ENTRIES = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)\s+#P:(\d+)/;
const LEGEND = /^#\s+TASK-PID\s/;
const LATENCY_HEADER = /^#\s*\S+ latency trace v\d/;
const LATENCY_COLUMNS = /^#\s*cmd\s+pid\s+\|+\s+time\s+\|\s+caller/;
const GRAPH_COLUMNS = /^#\s*(?:TIME\s+)?CPU\s+(?:TASK\/PID\s+)?DURATION\s+FUNCTION CALLS/;

/** A line starting with `#`: the tracefs header, legend and comments, or a buffer-started mark. */
export function readHashLine(text: string, header: TraceHeader): HeaderLine {
  const started = BUFFER_STARTED.exec(text);
  if (started) return { kind: 'buffer-started', cpu: Number(started[1]) };
  const tracer = TRACER.exec(text);
  if (tracer) {
    header.tracer = tracer[1]!;
    if (header.tracer === 'function_graph') return { kind: 'refused', refused: 'function-graph' };
    return { kind: 'header', layout: 'tracefs' };
  }
  const entries = ENTRIES.exec(text);
  if (entries) {
    const inBuffer = Number(entries[1]);
    const written = Number(entries[2]);
    header.entriesInBuffer = inBuffer;
    header.entriesWritten = written;
    header.cpus = Number(entries[3]);
    return written > inBuffer
      ? { kind: 'header', layout: 'tracefs', overwritten: written - inBuffer, entries: true }
      : { kind: 'header', layout: 'tracefs', entries: true };
  }
  if (LATENCY_HEADER.test(text) || LATENCY_COLUMNS.test(text)) return { kind: 'refused', refused: 'latency' };
  if (GRAPH_COLUMNS.test(text)) return { kind: 'refused', refused: 'function-graph' };
  if (LEGEND.test(text)) {
    // `#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION`
    const bars = /\s(\|+)\s/.exec(text);
    header.irqInfo = bars !== null;
    if (bars) header.flagsWidth = bars[1]!.length;
    header.tgid = /\bTGID\b/.test(text);
  }
  return { kind: 'header' };
}

const LOST = /^CPU:(\d+) \[LOST(?: (\d+))? EVENTS\]\s*$/;
const DROPPED = /^CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]\s*$/;
const CPU_EMPTY = /^CPU (\d+) is empty\s*$/;
const CPUS = /^cpus=(\d+)\s*$/;
const VERSION = /^version = (\d+)\s*$/;

export type PlainLine =
  | { kind: 'lost-events' | 'events-dropped'; cpu: number; count?: number }
  | { kind: 'header'; layout: Layout }
  | null;

/**
 * Lines at column 1 that are not events: the kernel's `CPU:1 [LOST 15855 EVENTS]`, trace-cmd's
 * `CPU:5 [1834 EVENTS DROPPED]`, and trace-cmd report's own header (`cpus=2`, `version = 6`,
 * `CPU 3 is empty`). Null for anything else.
 */
export function readPlainLine(text: string, header: TraceHeader): PlainLine {
  let m = LOST.exec(text);
  if (m) return m[2] === undefined ? { kind: 'lost-events', cpu: Number(m[1]) } : lost('lost-events', m);
  m = DROPPED.exec(text);
  if (m)
    return m[2] === undefined ? { kind: 'events-dropped', cpu: Number(m[1]) } : lost('events-dropped', m);
  m = CPUS.exec(text);
  if (m) {
    header.cpus = Number(m[1]);
    return { kind: 'header', layout: 'trace-cmd-report' };
  }
  m = VERSION.exec(text);
  if (m) {
    header.version = Number(m[1]);
    return { kind: 'header', layout: 'trace-cmd-report' };
  }
  m = CPU_EMPTY.exec(text);
  if (m) {
    header.emptyCpus = [...(header.emptyCpus ?? []), Number(m[1])];
    return { kind: 'header', layout: 'trace-cmd-report' };
  }
  return null;
}

function lost(kind: 'lost-events' | 'events-dropped', m: RegExpExecArray): PlainLine {
  return { kind, cpu: Number(m[1]), count: Number(m[2]) };
}

/**
 * A line that did not read as an event, seen before the first record: is it one of the layouts
 * pinbench refuses? Body lines of those layouts:
 *   function_graph  ` 0)   0.123 us    |  pin_user_pages();`, `  1207.003114 |   0)               |  gup() {`
 *   latency-format  `    bash-1234    0d..1    0us : pin_user_pages_fast <-iov_iter_extract_pages`
 *   raw             `4711 2 1207003114000 ...` (pid cpu ts)
 *   hex             `000012670000000200000119...`
 *   bin             binary bytes (NUL and other control characters)
 */
export function refusalForBodyLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  text: string,
): RefusedLayout | null {
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0 || (c < 32 && c !== 9 && c !== 13 && c !== 27)) return 'bin';
  }
  if (/^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s.*\|/.test(text)) return 'function-graph';
  if (/-\d+\s+\d+[.a-zA-Z][.a-zA-Z0-9]*\s+\d+us\b/.test(text)) return 'latency';
  if (/^\s*\d+ \d+ \d+ /.test(text)) return 'raw';
  if (/^[0-9a-fA-F]{16,}\s*$/.test(text)) return 'hex';
  return null;
}
