/**
 * What the ingest stage hands to the model: one record per trace line, with no semantics beyond
 * ftrace's own line structure. Integrity markers and header lines are separate kinds so every
 * line is accounted for (see `IngestStats`).
 */

/** A timestamp kept exact: ns clocks (`sec.usec`) become integer nanoseconds; counter clocks stay integers. */
export interface Timestamp {
  /** `ns` for `sec.usec` clocks (local, global, mono, boot...), `counter` for counter/uptime/x86-tsc. */
  clock: 'ns' | 'counter';
  /** Nanoseconds for `ns`, the raw count for `counter`. */
  value: bigint;
  /** The text as the kernel printed it, e.g. `1207.003114`. */
  text: string;
}

/** A line that carries an event (tracepoint, kprobe, marker, function tracer). */
export interface EventRecord {
  kind: 'event';
  /** 1-based line number in the source. */
  line: number;
  task: string;
  pid: number;
  /** Present only with record-tgid; `null` for `(-------)`. */
  tgid?: number | null;
  cpu: number;
  /** Raw flag characters (`d..2.`), absent when irq-info is off. */
  flags?: string;
  ts: Timestamp;
  /** Event name as printed (`pin_user_pages`, `tracing_mark_write`, `io_uring_register`, `function`). */
  event: string;
  /** Everything after `<event>: `, trailing newline removed, trailing spaces kept. */
  payload: string;
  /**
   * `key=value` pairs of the payload, split on first access only (eager splitting halves the
   * ingest rate). Quoted values are unquoted; a key without `=` is absent.
   */
  readonly fields: Readonly<Record<string, string>>;
  /** 1-based column where the payload starts (for error locations). */
  payloadCol: number;
  /** The original line text. */
  text: string;
}

/** Integrity markers: the trace is not the whole story around here. */
export type IntegrityKind =
  | 'lost-events' // CPU:n [LOST n EVENTS] / [LOST EVENTS]
  | 'events-dropped' // trace-cmd: CPU:n [n EVENTS DROPPED]
  | 'buffer-started' // ##### CPU n buffer started ####
  | 'overwritten' // header entries-written > entries-in-buffer
  | 'truncated-line' // the last line has no newline: the file was cut (inside this line, maybe)
  | 'entries-mismatch' // the header's entries-in-buffer differs from the records read
  | 'out-of-order' // a tracefs timestamp below the one before it: lines moved or spliced
  | 'unreadable-line'; // a skipped line (to onRecord only; the skip stats count it)

export interface IntegrityRecord {
  kind: 'integrity';
  line: number;
  integrity: IntegrityKind;
  /** The CPU the gap belongs to, where the marker names one. */
  cpu?: number;
  /** Events lost, where known. */
  count?: number;
  text: string;
}

export type TraceRecord = EventRecord | IntegrityRecord;

export const LAYOUTS = ['tracefs', 'trace-pipe', 'trace-cmd-report'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Which timestamps a trace carries: `mixed` when both kinds occur, `none` when there are no records. */
export type TraceClock = Timestamp['clock'] | 'mixed' | 'none';

/**
 * Why a line was skipped. Stable strings: they appear in `ingest --json` output and in stored
 * runs, so add reasons freely but never rename one.
 */
export const SKIP_REASONS = [
  'no-cpu-field', // no `[NNN]` cpu bracket (and no trace-cmd `-l` cpu+flags column)
  'no-pid', // the `[NNN]` bracket is not preceded by `-<pid>`
  'bad-tgid', // `(tgid)` group that is neither digits nor dashes
  'bad-flags', // the flags column is not 1-8 characters of [.a-zA-Z0-9]
  'bad-timestamp', // no `<sec>.<usec>:` or `<count>:` after the cpu/flags columns
  'no-event', // nothing after the timestamp that names an event
  'line-too-long', // longer than the tokenizer's line limit (bytes are discarded, not buffered)
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A skipped line kept for reports (the first few per reason). */
export interface SkippedLine {
  line: number;
  /** 1-based column where reading failed. */
  col: number;
  /** The line text (cut to a few hundred characters). */
  text: string;
}

/** What the header lines said, where the trace has any. */
export interface TraceHeader {
  /** `# tracer: <name>`. */
  tracer?: string;
  /** `# entries-in-buffer/entries-written: <in>/<written>   #P:<cpus>`. */
  entriesInBuffer?: number;
  entriesWritten?: number;
  /** `#P:<n>` in tracefs, `cpus=<n>` in trace-cmd report. */
  cpus?: number;
  /** The column legend shows a flags column (`|||||`): irq-info is on. */
  irqInfo?: boolean;
  /** Number of flag columns in the legend (4 on older kernels, 5 on current ones). */
  flagsWidth?: number;
  /** The column legend has a TGID column (record-tgid). */
  tgid?: boolean;
  /** trace-cmd report `version = <n>`. */
  version?: number;
  /** trace-cmd report `CPU <n> is empty`. */
  emptyCpus?: number[];
}

/**
 * Every line of a source counted exactly once:
 * `lines = records + headers + integrity + blank + sum(skipped)`.
 */
export interface IngestStats {
  /** Bytes of trace text tokenized (after decompression). */
  textBytes: number;
  lines: number;
  /** Lines that became event records. */
  records: number;
  /** Header and comment lines (`#...`, trace-cmd `cpus=`/`version =`/`CPU n is empty`). */
  headers: number;
  /** Lines that are integrity markers (a header showing overwrite counts as a header). */
  integrity: number;
  blank: number;
  /** Reason -> count, only reasons that occurred. */
  skipped: Partial<Record<SkipReason, number>>;
  /** The first few skipped lines per reason. */
  skippedExamples: Partial<Record<SkipReason, SkippedLine[]>>;
}
