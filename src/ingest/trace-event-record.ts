/**
 * The concrete classes behind `EventRecord` and `Timestamp`: plain data plus two lazy parts,
 * `fields` (split on first access) and `ts.value` (the exact bigint, computed on first access).
 */
import { parseFields } from './fields.ts';
import type { EventRecord, Timestamp } from './trace-record.ts';

const NS_PER_SEC = 1_000_000_000n;

/** The exact value of a timestamp's text: `sec.frac` -> integer ns, a counter -> itself. */
export function timestampValue(text: string, clock: Timestamp['clock']): bigint {
  if (clock === 'counter') return BigInt(text);
  const dot = text.indexOf('.');
  if (dot === -1) return BigInt(text) * NS_PER_SEC;
  const frac = text.slice(dot + 1);
  const fracNs = frac.length === 0 ? 0n : BigInt(frac) * 10n ** BigInt(9 - frac.length);
  return BigInt(text.slice(0, dot)) * NS_PER_SEC + fracNs;
}

export class TraceTimestamp implements Timestamp {
  readonly clock: Timestamp['clock'];
  readonly text: string;
  #value: bigint | undefined;

  constructor(clock: Timestamp['clock'], text: string) {
    this.clock = clock;
    this.text = text;
  }

  get value(): bigint {
    if (this.#value === undefined) this.#value = timestampValue(this.text, this.clock);
    return this.#value;
  }

  toJSON(): { clock: Timestamp['clock']; text: string; value: string } {
    return { clock: this.clock, text: this.text, value: this.value.toString() };
  }
}

/**
 * An event line's record. `ts` is built on first access from the line text (most consumers never
 * look at it, and building it for every line costs about a sixth of the ingest time), `fields`
 * is split on first access.
 */
export class TraceEventRecord implements EventRecord {
  readonly kind = 'event' as const;
  line: number;
  task: string;
  pid: number;
  cpu: number;
  event: string;
  payload: string;
  payloadCol: number;
  text: string;
  // Optional parts are set only when the line has them (exactOptionalPropertyTypes).
  declare tgid?: number | null;
  declare flags?: string;
  /** Where the timestamp is in `text`, and whether it is `sec.usec` (else a counter). */
  #tsStart: number;
  #tsEnd: number;
  #tsDecimal: boolean;
  #ts: Timestamp | undefined;
  #fields: Record<string, string> | undefined;

  constructor(
    line: number,
    task: string,
    pid: number,
    cpu: number,
    tsStart: number,
    tsEnd: number,
    tsDecimal: boolean,
    event: string,
    payload: string,
    payloadCol: number,
    text: string,
  ) {
    this.line = line;
    this.task = task;
    this.pid = pid;
    this.cpu = cpu;
    this.event = event;
    this.payload = payload;
    this.payloadCol = payloadCol;
    this.text = text;
    this.#tsStart = tsStart;
    this.#tsEnd = tsEnd;
    this.#tsDecimal = tsDecimal;
  }

  get ts(): Timestamp {
    if (this.#ts === undefined) {
      const text = this.text.substring(this.#tsStart, this.#tsEnd);
      this.#ts = new TraceTimestamp(this.#tsDecimal ? 'ns' : 'counter', text);
    }
    return this.#ts;
  }

  set ts(ts: Timestamp) {
    this.#ts = ts;
  }

  get fields(): Readonly<Record<string, string>> {
    if (this.#fields === undefined) this.#fields = parseFields(this.payload);
    return this.#fields;
  }

  /** Plain data, `ts` and `fields` included (JSON.stringify sees only own properties otherwise). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...(this as EventRecord), ts: this.ts, fields: this.fields };
    return out;
  }
}
