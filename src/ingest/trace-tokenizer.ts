/**
 * Stage 3 of ingest: lines -> records, with the stats table. Drives the byte splitter
 * (line-splitter.ts) and the line tokenizer (line-tokenizer.ts), decodes each line once, works
 * out the layout from the header (or its absence), refuses layouts it cannot read, and accounts
 * for every line exactly once:
 *
 *   lines = records + headers + integrity + blank + sum(skipped)
 *
 * Push API: `push(chunk)` any number of times, then `end()`; records go to `onRecord` as they are
 * read (synchronously, in file order). `tokenizeBytes()` does the same for one buffer, or a
 * line-aligned range of one, e.g. in a worker thread.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { TraceError } from '../errors.ts';
import {
  type HeaderLine,
  type PlainLine,
  type RefusedLayout,
  readHashLine,
  readPlainLine,
  refusalForBodyLine,
  refusalMessage,
  startsWithTraceDatMagic,
  TRACE_DAT_MAGIC,
} from './layout.ts';
import { asBuffer, DEFAULT_MAX_LINE_BYTES, type LineSink, LineSplitter } from './line-splitter.ts';
import { LineTokens, SKIP_MESSAGES, scanEventLine } from './line-tokenizer.ts';
import { type InternedName, NameTable } from './name-table.ts';
import { TraceEventRecord } from './trace-event-record.ts';
import type {
  IngestStats,
  IntegrityRecord,
  Layout,
  SkippedLine,
  SkipReason,
  TraceClock,
  TraceHeader,
  TraceRecord,
} from './trace-record.ts';

export interface TokenizerOptions {
  /** Name used in error locations (a path or URL). Default `<input>`. */
  file?: string;
  /** Turn the first skipped line into a `TraceError` (PB_TRACE_SYNTAX) naming file:line:col. */
  strict?: boolean;
  /** Called once per record, in file order, while `push()` runs. */
  onRecord?: (record: TraceRecord) => void;
  /** Called with every `#` line (the header's comments, e.g. a `# Result` block), in file order. */
  onHashLine?: (text: string, line: number) => void;
  /** Number of the first line (default 1). Above 1, the input is a range inside a file: no layout sniffing or refusals. */
  firstLine?: number;
  /** The layout when already known (ranges after the first). */
  layout?: Layout;
  /** Longer lines are skipped as `line-too-long` without being buffered. Default 1 MiB. */
  maxLineBytes?: number;
  /** Skipped lines kept per reason for reports. Default 3. */
  examplesPerReason?: number;
  /**
   * The bytes pushed are the whole input, so a header's `entries-in-buffer` can be checked
   * against the records read at the end. Default: true when `firstLine` is 1; false for a range.
   */
  wholeInput?: boolean;
}

export interface TokenizeSummary extends IngestStats {
  layout: Layout;
  clock: TraceClock;
  header: TraceHeader;
  /** Every integrity event, including a header's written > in-buffer (which counts as a header line). */
  integrityEvents: IntegrityRecord[];
  /** Records per event name. */
  events: Record<string, number>;
}

const EXAMPLE_TEXT_CHARS = 300;
const HASH = 0x23;
const UPPER_C = 0x43;
const LOWER_C = 0x63;
const LOWER_V = 0x76;

/** Buffer's own one-byte decoder (what `toString('latin1')` ends in), without the encoding switch. */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Partial<Latin1Buffer>).latin1Slice === 'function';

/** One-byte decode of an ASCII (or undecodable) line: every byte one char, indexes unchanged. */
function latin1(u: Buffer, start: number, end: number): string {
  return HAS_LATIN1_SLICE ? (u as Latin1Buffer).latin1Slice(start, end) : u.toString('latin1', start, end);
}

/** UTF-16 length of the valid UTF-8 in `u[from, to)`. */
function utf16Length(u: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = u[i]!;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

export class TraceTokenizer implements LineSink {
  readonly #splitter: LineSplitter;
  readonly #tokens = new LineTokens();
  readonly #file: string;
  readonly #strict: boolean;
  readonly #onRecord: ((record: TraceRecord) => void) | undefined;
  readonly #onHashLine: ((text: string, line: number) => void) | undefined;
  readonly #examplesPerReason: number;
  readonly #maxLineBytes: number;
  /** The first bytes, held back until the trace.dat magic can be checked; null once checked. */
  #sniff: Buffer | null;
  #layout: Layout | undefined;
  #padded = false;
  /** At the start of an input and no record read yet: refused layouts are still detected. */
  #atStart: boolean;
  #nextLine: number;
  #lines = 0;
  #records = 0;
  #headers = 0;
  #integrity = 0;
  #blank = 0;
  #skipped: Partial<Record<SkipReason, number>> = {};
  #examples: Partial<Record<SkipReason, SkippedLine[]>> = {};
  readonly #header: TraceHeader = {};
  readonly #integrityEvents: IntegrityRecord[] = [];
  readonly #eventNames = new NameTable();
  readonly #functionEvent: InternedName;
  /** Bit 1: a `sec.usec` timestamp was seen; bit 2: a counter timestamp. */
  #clocks = 0;
  readonly #wholeInput: boolean;
  /** The latest timestamp text of a tracefs record, and whether it was `sec.usec`; null once out of order. */
  #lastTs: string | null = '';
  #lastTsDecimal = false;
  /** Line of the `# entries-in-buffer/entries-written:` header, once seen. */
  #entriesLine = 0;

  constructor(options: TokenizerOptions = {}) {
    this.#file = options.file ?? '<input>';
    this.#strict = options.strict ?? false;
    this.#onRecord = options.onRecord;
    this.#onHashLine = options.onHashLine;
    this.#examplesPerReason = options.examplesPerReason ?? 3;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#splitter = new LineSplitter(this, this.#maxLineBytes);
    const firstLine = options.firstLine ?? 1;
    this.#nextLine = firstLine;
    this.#atStart = firstLine === 1;
    this.#sniff = this.#atStart ? Buffer.alloc(0) : null;
    this.#wholeInput = options.wholeInput ?? this.#atStart;
    if (options.layout !== undefined) this.#setLayout(options.layout);
    this.#functionEvent = this.#eventNames.get(Buffer.from('function'), 0, 8);
  }

  /** Feeds the next bytes. Throws TraceError for refused layouts and, with `strict`, bad lines. */
  push(chunk: Uint8Array): void {
    if (this.#sniff !== null) {
      const joined = this.#sniff.length === 0 ? asBuffer(chunk) : Buffer.concat([this.#sniff, chunk]);
      if (joined.length < TRACE_DAT_MAGIC.length) {
        this.#sniff = Buffer.from(joined);
        return;
      }
      this.#sniff = null;
      this.#splitter.push(this.#checkMagic(joined));
      return;
    }
    this.#splitter.push(chunk);
  }

  /** The input is complete: flushes a last line without newline and returns the stats. */
  end(): TokenizeSummary {
    if (this.#sniff !== null) {
      const head = this.#sniff;
      this.#sniff = null;
      this.#splitter.push(this.#checkMagic(head));
    }
    this.#splitter.end();
    this.#checkEntries();
    return this.summary();
  }

  /**
   * A tracefs header announces how many entries the buffer held; the `trace` file prints each as
   * one line. Fewer records than announced means lines are missing (a file cut at a line
   * boundary, lines dropped or unreadable), more means lines were added: either way the trace is
   * not what the kernel wrote, and no verdict drawn from it can be trusted.
   */
  #checkEntries(): void {
    const announced = this.#header.entriesInBuffer;
    if (!this.#wholeInput || announced === undefined || this.#layout !== 'tracefs') return;
    if (announced === this.#records) return;
    const text = `header announces ${announced} entries, ${this.#records} records read`;
    if (this.#strict) {
      throw new TraceError('PB_TRACE_SYNTAX', `${text}: the trace is incomplete or altered`, {
        location: { file: this.#file, line: this.#entriesLine },
      });
    }
    this.#addIntegrity(
      {
        kind: 'integrity',
        line: this.#entriesLine,
        integrity: 'entries-mismatch',
        count: announced - this.#records,
        text,
      },
      false,
    );
  }

  /** The stats so far (complete after `end()`). */
  summary(): TokenizeSummary {
    const c = this.#clocks;
    return {
      textBytes: this.#splitter.bytes,
      lines: this.#lines,
      records: this.#records,
      headers: this.#headers,
      integrity: this.#integrity,
      blank: this.#blank,
      skipped: { ...this.#skipped },
      skippedExamples: structuredClone(this.#examples),
      layout: this.#layout ?? 'trace-pipe',
      clock: c === 0 ? 'none' : c === 1 ? 'ns' : c === 2 ? 'counter' : 'mixed',
      header: structuredClone(this.#header),
      integrityEvents: [...this.#integrityEvents],
      events: this.#eventNames.counts(),
    };
  }

  // --- LineSink ---------------------------------------------------------------------------

  line(u: Buffer, p: number, e: number, knownAscii: boolean, terminated: boolean): void {
    const lineNo = this.#nextLine++;
    this.#lines++;
    if (p === e) {
      this.#blank++;
      return;
    }
    if (!terminated) {
      this.#unterminated(u, p, e, knownAscii, lineNo);
      return;
    }
    const c = u[p]!;
    if (c === HASH) {
      this.#hashLine(this.#decode(u, p, e, knownAscii), lineNo);
      return;
    }
    // Column-1 lines that are not events: `CPU:1 [LOST 15855 EVENTS]`, `cpus=2`, `version = 6`.
    if ((c === UPPER_C || c === LOWER_C || c === LOWER_V) && this.#plainLine(u, p, e, knownAscii, lineNo))
      return;
    const t = this.#tokens;
    const reason = scanEventLine(u, p, e, this.#padded, t);
    if (reason === null) this.#record(u, p, e, knownAscii, lineNo);
    else this.#unread(u, p, e, knownAscii, lineNo, reason, t.failAt);
  }

  overlong(head: Buffer, byteLength: number, terminated: boolean): void {
    const lineNo = this.#nextLine++;
    this.#lines++;
    const text = `${this.#decode(head, 0, head.length, false)}... (${byteLength} bytes)`;
    if (this.#atStart) {
      const refused = refusalForBodyLine(head, 0, head.length, text);
      if (refused !== null) this.#refuse(refused, lineNo);
    }
    if (!terminated) {
      this.#truncated(lineNo, text);
      return;
    }
    this.#skip('line-too-long', lineNo, this.#maxLineBytes + 1, text);
  }

  // --- line kinds -------------------------------------------------------------------------

  /**
   * The last line has no newline. ftrace ends every line with one, so the file was cut, possibly
   * in the middle of this line (`pinbench_expect: ret=0 ret!=liv`): whatever it would read as,
   * it is an integrity event, never a record.
   */
  #unterminated(u: Buffer, p: number, e: number, knownAscii: boolean, lineNo: number): void {
    const text = this.#unreadText(u, p, e, knownAscii, lineNo);
    if (text === null) return;
    this.#truncated(lineNo, text);
  }

  #truncated(lineNo: number, text: string): void {
    if (this.#strict) {
      throw new TraceError('PB_TRACE_SYNTAX', `the trace ends inside this line (truncated): '${cut(text)}'`, {
        location: { file: this.#file, line: lineNo },
      });
    }
    this.#addIntegrity({ kind: 'integrity', line: lineNo, integrity: 'truncated-line', text }, true);
  }

  #record(u: Buffer, p: number, e: number, knownAscii: boolean, lineNo: number): void {
    const t = this.#tokens;
    // The event name from the bytes, interned: one string per distinct name, counted.
    const event =
      t.eventStart === -1
        ? this.#functionEvent
        : this.#eventNames.getHashed(u, t.eventStart, t.eventEnd, t.eventHash);
    event.count++;
    let text: string;
    if (knownAscii || isAscii(u.subarray(p, e))) {
      text = latin1(u, p, e);
    } else if (isUtf8(u.subarray(p, e))) {
      text = u.toString('utf8', p, e);
      // Byte offsets -> UTF-16 offsets, so the cuts below work on the decoded text.
      t.taskStart = p + utf16Length(u, p, t.taskStart);
      t.taskEnd = p + utf16Length(u, p, t.taskEnd);
      t.flagsStart = p + utf16Length(u, p, t.flagsStart);
      t.flagsEnd = p + utf16Length(u, p, t.flagsEnd);
      t.tsStart = p + utf16Length(u, p, t.tsStart);
      t.tsEnd = p + utf16Length(u, p, t.tsEnd);
      t.payloadStart = p + utf16Length(u, p, t.payloadStart);
    } else {
      text = latin1(u, p, e); // not UTF-8: keep every byte as one char
    }
    this.#clocks |= t.tsDecimal ? 1 : 2;
    const payloadAt = t.payloadStart - p;
    const rec = new TraceEventRecord(
      lineNo,
      text.substring(t.taskStart - p, t.taskEnd - p),
      t.pid,
      t.cpu,
      t.tsStart - p,
      t.tsEnd - p,
      t.tsDecimal,
      event.name,
      payloadAt >= text.length ? '' : text.substring(payloadAt),
      payloadAt + 1,
      text,
    );
    if (this.#layout === 'tracefs' && this.#lastTs !== null)
      this.#checkOrder(text, t.tsStart - p, t.tsEnd - p, t.tsDecimal, lineNo);
    if (t.tgidKind !== 0) rec.tgid = t.tgidKind === 1 ? t.tgid : null;
    if (t.flagsEnd > t.flagsStart) rec.flags = text.substring(t.flagsStart - p, t.flagsEnd - p);
    this.#records++;
    if (this.#atStart) {
      this.#atStart = false;
      if (this.#layout === undefined) this.#setLayout('trace-pipe');
    }
    this.#onRecord?.(rec);
  }

  /**
   * The tracefs `trace` file merges the CPU buffers in timestamp order, so a timestamp below the
   * one before it means lines were moved (or two files spliced): an integrity event, once per
   * trace. Compared as decimal text (longer integer part, else the text), no number built.
   */
  #checkOrder(text: string, start: number, end: number, decimal: boolean, lineNo: number): void {
    const ts = text.substring(start, end);
    const last = this.#lastTs!;
    if (last !== '' && decimal === this.#lastTsDecimal && decimalTextLess(ts, last)) {
      this.#lastTs = null;
      const what = `timestamp ${ts} is below the ${last} before it`;
      if (this.#strict) {
        throw new TraceError('PB_TRACE_SYNTAX', `${what}: lines are out of order`, {
          location: { file: this.#file, line: lineNo, col: start + 1 },
        });
      }
      this.#addIntegrity({ kind: 'integrity', line: lineNo, integrity: 'out-of-order', text: what }, false);
      return;
    }
    this.#lastTs = ts;
    this.#lastTsDecimal = decimal;
  }

  #hashLine(text: string, lineNo: number): void {
    this.#onHashLine?.(text, lineNo);
    const h: HeaderLine = readHashLine(text, this.#header);
    if (h.kind === 'refused') this.#refuse(h.refused, lineNo);
    if (h.kind === 'buffer-started') {
      this.#addIntegrity(
        { kind: 'integrity', line: lineNo, integrity: 'buffer-started', cpu: h.cpu, text },
        true,
      );
      return;
    }
    this.#headers++;
    if (h.kind === 'header') {
      if (h.entries) this.#entriesLine = lineNo;
      if (h.layout !== undefined && this.#layout === undefined) this.#setLayout(h.layout);
      if (h.overwritten !== undefined) {
        // Counted as a header line; the signal it carries is kept with the integrity events.
        this.#addIntegrity(
          { kind: 'integrity', line: lineNo, integrity: 'overwritten', count: h.overwritten, text },
          false,
        );
      }
    }
  }

  #plainLine(u: Buffer, p: number, e: number, knownAscii: boolean, lineNo: number): boolean {
    const text = this.#decode(u, p, e, knownAscii);
    const m: PlainLine = readPlainLine(text, this.#header);
    if (m === null) return false;
    if (m.kind === 'header') {
      this.#headers++;
      if (this.#layout === undefined) this.#setLayout(m.layout);
      return true;
    }
    const rec: IntegrityRecord = { kind: 'integrity', line: lineNo, integrity: m.kind, cpu: m.cpu, text };
    if (m.count !== undefined) rec.count = m.count;
    if (m.kind === 'events-dropped' && this.#layout === undefined) this.#setLayout('trace-cmd-report');
    this.#addIntegrity(rec, true);
    return true;
  }

  /**
   * The text of a line that is not a record: null (counted blank) when it is only spaces and
   * tabs; at the start of a trace, a line of a layout pinbench refuses throws first.
   */
  #unreadText(u: Buffer, p: number, e: number, knownAscii: boolean, lineNo: number): string | null {
    let i = p;
    while (i < e && (u[i] === 32 || u[i] === 9)) i++;
    if (i === e) {
      this.#blank++;
      return null;
    }
    const text = this.#decode(u, p, e, knownAscii);
    if (this.#atStart) {
      const refused = refusalForBodyLine(u, p, e, text);
      if (refused !== null) this.#refuse(refused, lineNo);
    }
    return text;
  }

  /** A whole line that is not an event: blank, a refused layout, or a skip. */
  #unread(
    u: Buffer,
    p: number,
    e: number,
    knownAscii: boolean,
    lineNo: number,
    reason: SkipReason,
    failAt: number,
  ): void {
    const text = this.#unreadText(u, p, e, knownAscii, lineNo);
    if (text === null) return;
    const ascii = knownAscii || isAscii(u.subarray(p, e));
    const col = (ascii || !isUtf8(u.subarray(p, e)) ? failAt - p : utf16Length(u, p, failAt)) + 1;
    this.#skip(reason, lineNo, col, text);
  }

  #skip(reason: SkipReason, line: number, col: number, text: string): void {
    if (this.#strict) {
      throw new TraceError('PB_TRACE_SYNTAX', `${SKIP_MESSAGES[reason]}: '${cut(text)}'`, {
        location: { file: this.#file, line, col },
      });
    }
    // Whatever the line was (an event, a lost-events marker), it is not readable now: the model
    // sees a gap here, so an expectation decided after it is not trusted. Counted as a skip only.
    this.#onRecord?.({ kind: 'integrity', line, integrity: 'unreadable-line', text: cut(text) });
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
    const list = this.#examples[reason] ?? [];
    if (list.length < this.#examplesPerReason) list.push({ line, col, text: cut(text) });
    this.#examples[reason] = list;
  }

  #addIntegrity(rec: IntegrityRecord, countsAsLine: boolean): void {
    if (countsAsLine) this.#integrity++;
    this.#integrityEvents.push(rec);
    this.#onRecord?.(rec);
  }

  #refuse(kind: RefusedLayout, line: number): never {
    throw new TraceError('PB_TRACE_REFUSED', refusalMessage(kind, this.#file), {
      location: { file: this.#file, line },
    });
  }

  /** The input's first bytes: refuses a trace.dat; drops a UTF-8 byte-order mark (editors add one). */
  #checkMagic(head: Buffer): Buffer {
    if (startsWithTraceDatMagic(head)) this.#refuse('trace-dat', 1);
    return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  }

  #setLayout(layout: Layout): void {
    this.#layout = layout;
    this.#padded = layout === 'trace-cmd-report';
  }

  #decode(u: Buffer, p: number, e: number, knownAscii: boolean): string {
    if (knownAscii) return latin1(u, p, e);
    const bytes = u.subarray(p, e);
    return isAscii(bytes) || !isUtf8(bytes) ? latin1(u, p, e) : u.toString('utf8', p, e);
  }
}

/** `a < b` for unsigned decimal texts (`5120.001468`, `88231`) with fractions of equal width. */
function decimalTextLess(a: string, b: string): boolean {
  const ia = a.indexOf('.');
  const ib = b.indexOf('.');
  const la = ia === -1 ? a.length : ia;
  const lb = ib === -1 ? b.length : ib;
  return la !== lb ? la < lb : a < b;
}

function cut(text: string): string {
  return text.length > EXAMPLE_TEXT_CHARS ? `${text.slice(0, EXAMPLE_TEXT_CHARS)}...` : text;
}

export interface ByteRange {
  start: number;
  end: number;
  /** 1-based number of the range's first line in the whole input. */
  firstLine: number;
}

/**
 * Tokenizes `bytes[start, end)` synchronously. For a range inside a larger input, start at a line
 * start and pass `firstLine` and `layout` (see `lineRanges` and `sniffLayout`).
 */
export function tokenizeBytes(
  bytes: Uint8Array,
  options: TokenizerOptions & { start?: number; end?: number } = {},
): TokenizeSummary {
  const { start = 0, end = bytes.length, ...rest } = options;
  const tok = new TraceTokenizer({ wholeInput: start === 0 && end === bytes.length, ...rest });
  tok.push(bytes.subarray(start, end));
  return tok.end();
}

/** Cuts `bytes` into about `parts` ranges that end at line ends, with their first line numbers. */
export function lineRanges(bytes: Uint8Array, parts: number): ByteRange[] {
  const buf = asBuffer(bytes);
  const ranges: ByteRange[] = [];
  const size = Math.ceil(buf.length / Math.max(1, parts));
  let start = 0;
  let firstLine = 1;
  while (start < buf.length) {
    let end = Math.min(buf.length, start + size);
    if (end < buf.length) {
      const nl = buf.indexOf(10, end - 1);
      end = nl === -1 ? buf.length : nl + 1;
    }
    ranges.push({ start, end, firstLine });
    for (let i = buf.indexOf(10, start); i !== -1 && i < end; i = buf.indexOf(10, i + 1)) firstLine++;
    start = end;
  }
  return ranges;
}

/** The layout of an input, judged from its first (up to) 64 KiB. */
export function sniffLayout(head: Uint8Array): Layout {
  const buf = asBuffer(head).subarray(0, 1 << 16);
  const nl = buf.lastIndexOf(10);
  return tokenizeBytes(buf, { end: nl === -1 ? buf.length : nl + 1 }).layout;
}
