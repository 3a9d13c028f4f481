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
  | 'truncated-line'; // the last line has no newline and does not parse

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
