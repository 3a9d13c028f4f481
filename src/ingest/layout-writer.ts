/**
 * The other direction of the tokenizer: one trace line as the kernel's tracefs or Debian's
 * `trace-cmd report` prints it. Pure text formatting (no model imports), used by `pinbench synth`
 * and by round-trip tests. Layouts (spec/facts/ftrace-text.md §4.2-4.10):
 *
 * tracefs `trace` (header, then lines; `%16s-%-7d [%03d] <flags> %5lu.%06lu: <event>: <payload>`):
 *         pinbench-4711    [002] .....  1207.003114: pin_user_pages: mm=1 start=0x7f21c0000000 ...
 * irq-info off (no flags column), record-tgid (`(%7d) ` or `(-------) ` after the pid):
 *         pinbench-4711    [002]   1207.003100: tracing_mark_write: pinbench: pinbench_expect ret=0
 *         pinbench-4712    (   4711) [003] .....  1207.004001: sched_switch: prev_comm=...
 * trace_pipe: the same lines with no header at all.
 * trace-cmd report (`cpus=N` first; comm `%16s`, pid `%-5d`, no flags column by default, the
 * event name and its colon padded so the payload starts 22 columns after the name):
 *         pinbench-20170 [001]  1219.091311: print:                tracing_mark_write: pinbench: ...
 * Integrity lines: `CPU:1 [LOST 12 EVENTS]` (tracefs, trace_pipe), `CPU:5 [1834 EVENTS DROPPED]`
 * (trace-cmd report), `##### CPU 6 buffer started ####` (tracefs `trace` with `annotate`).
 */
import type { Layout } from './trace-record.ts';

/** What goes in front of every event line. */
export interface LineHead {
  /** The comm (at most 15 characters in a real kernel); `<idle>`, `<...>` as printed. */
  task: string;
  pid: number;
  /** record-tgid: a tgid, or null for `(-------)`; absent: no tgid column. */
  tgid?: number | null;
  cpu: number;
  /** Flag characters (`.....`, `d..2.`); absent: irq-info off (trace-cmd: no flags column). */
  flags?: string;
  /** Timestamp text as printed, padding included: see `usecTimestamp` / `counterTimestamp`. */
  ts: string;
}

export interface EventLine extends LineHead {
  /** The event name (`sched_switch`, `pin_user_pages`, `tracing_mark_write`, `print`). */
  event: string;
  payload: string;
}

/** `%5lu.%06lu` of a time in microseconds (ns clocks print µs precision). */
export function usecTimestamp(usec: number): string {
  const sec = Math.floor(usec / 1_000_000);
  const frac = usec - sec * 1_000_000;
  return `${String(sec).padStart(5, ' ')}.${String(frac).padStart(6, '0')}`;
}

/** `%5lu.%06lu` of a time in nanoseconds (the display truncates to µs). */
export function nsTimestamp(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const usec = (ns % 1_000_000_000n) / 1000n;
  return `${String(sec).padStart(5, ' ')}.${String(usec).padStart(6, '0')}`;
}

/** `%12llu`: counter, uptime and arch clocks (no decimal point). */
export function counterTimestamp(count: bigint | number): string {
  return String(count).padStart(12, ' ');
}

function tgidColumn(tgid: number | null | undefined): string {
  if (tgid === undefined) return '';
  return tgid === null ? '(-------) ' : `(${String(tgid).padStart(7, ' ')}) `;
}

/** Width the trace-cmd report pads `<event>:` to, before the one space that starts the payload. */
const REPORT_EVENT_WIDTH = 21;

/** One event line (no newline) in `layout`. */
export function formatEventLine(layout: Layout, line: EventLine): string {
  const comm = line.task.padStart(16, ' ');
  if (layout === 'trace-cmd-report') {
    const flags = line.flags === undefined ? '' : `${line.flags} `;
    const name = `${line.event}:`.padEnd(REPORT_EVENT_WIDTH, ' ');
    return `${comm}-${String(line.pid).padEnd(5, ' ')} ${tgidColumn(line.tgid)}[${cpu3(line.cpu)}] ${flags}${line.ts}: ${name} ${line.payload}`;
  }
  // The kernel prints the flags with no trailing space and the time with a leading one, so
  // irq-info off leaves three spaces before a 4-digit second count.
  return `${comm}-${String(line.pid).padEnd(7, ' ')} ${tgidColumn(line.tgid)}[${cpu3(line.cpu)}] ${line.flags ?? ''} ${line.ts}: ${line.event}: ${line.payload}`;
}

function cpu3(cpu: number): string {
  return cpu < 10 ? `00${cpu}` : cpu < 100 ? `0${cpu}` : String(cpu);
}

/**
 * A `trace_marker` write: `tracing_mark_write: <text>` in the kernel's text, the `print` event
 * with payload `tracing_mark_write: <text>` in trace-cmd report.
 */
export function markerEvent(layout: Layout, text: string): { event: string; payload: string } {
  return layout === 'trace-cmd-report'
    ? { event: 'print', payload: `tracing_mark_write: ${text}` }
    : { event: 'tracing_mark_write', payload: text };
}

export function formatMarkerLine(layout: Layout, head: LineHead, text: string): string {
  return formatEventLine(layout, { ...head, ...markerEvent(layout, text) });
}

/**
 * A function-tracer line: `<func> <-<parent>` with no event name in the kernel's text;
 * `function:` and `<func> <-- <parent>` in trace-cmd report (the function plugin).
 */
export function formatFunctionLine(layout: Layout, head: LineHead, func: string, parent: string): string {
  if (layout === 'trace-cmd-report')
    return formatEventLine(layout, { ...head, event: 'function', payload: `${func} <-- ${parent}` });
  const comm = head.task.padStart(16, ' ');
  return `${comm}-${String(head.pid).padEnd(7, ' ')} ${tgidColumn(head.tgid)}[${cpu3(head.cpu)}] ${head.flags ?? ''} ${head.ts}: ${func} <-${parent}`;
}

export interface HeaderOptions {
  /** `#P:` (tracefs) or `cpus=` (trace-cmd report). */
  cpus: number;
  /** tracefs: `entries-in-buffer/entries-written`; written > in means the buffer was overwritten. */
  entriesInBuffer?: number;
  entriesWritten?: number;
  /** `# tracer: <name>` (default `nop`). */
  tracer?: string;
  /** Column legend with the flags column (default true). */
  irqInfo?: boolean;
  /** Column legend with the TGID column. */
  tgid?: boolean;
}

/**
 * The header lines of a layout, each ending in a newline: the tracefs `trace` header with its
 * legend (as print_event_info and print_func_help_header{,_irq} print it), `cpus=N` for
 * trace-cmd report, nothing for trace_pipe.
 */
export function formatHeader(layout: Layout, opts: HeaderOptions): string {
  if (layout === 'trace-pipe') return '';
  if (layout === 'trace-cmd-report') return `cpus=${opts.cpus}\n`;
  const inBuf = opts.entriesInBuffer ?? 0;
  const written = opts.entriesWritten ?? inBuf;
  const lines = [
    `# tracer: ${opts.tracer ?? 'nop'}`,
    '#',
    `# entries-in-buffer/entries-written: ${inBuf}/${written}   #P:${opts.cpus}`,
    '#',
  ];
  const tgid = opts.tgid ?? false;
  if (opts.irqInfo ?? true) {
    const pad = tgid ? '            ' : '  ';
    lines.push(
      `#                            ${pad}  _-----=> irqs-off/BH-disabled`,
      `#                            ${pad} / _----=> need-resched`,
      `#                            ${pad}| / _---=> hardirq/softirq`,
      `#                            ${pad}|| / _--=> preempt-depth`,
      `#                            ${pad}||| / _-=> migrate-disable`,
      `#                            ${pad}|||| /     delay`,
      `#           TASK-PID  ${tgid ? '     TGID   ' : '  '} CPU#  |||||  TIMESTAMP  FUNCTION`,
      `#              | |    ${tgid ? '       |    ' : '  '}   |   |||||     |         |`,
    );
  } else {
    lines.push(
      `#           TASK-PID    ${tgid ? '   TGID   ' : ''} CPU#     TIMESTAMP  FUNCTION`,
      `#              | |      ${tgid ? '     |    ' : ''}   |         |         |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Events lost on a CPU: `CPU:n [LOST n EVENTS]` (kernel; `[LOST EVENTS]` when the count is
 * unknown), `CPU:n [n EVENTS DROPPED]` in trace-cmd report (`[EVENTS DROPPED]` without a count).
 */
export function formatLostEvents(layout: Layout, cpu: number, count?: number): string {
  if (layout === 'trace-cmd-report')
    return count === undefined ? `CPU:${cpu} [EVENTS DROPPED]` : `CPU:${cpu} [${count} EVENTS DROPPED]`;
  return count === undefined ? `CPU:${cpu} [LOST EVENTS]` : `CPU:${cpu} [LOST ${count} EVENTS]`;
}

/** The `annotate` mark of the tracefs `trace` file: this CPU's data starts here. */
export function formatBufferStarted(cpu: number): string {
  return `##### CPU ${cpu} buffer started ####`;
}
