/**
 * Stage 1 of ingest (after Perfetto's systrace tokenizer): bytes -> lines. Chunk-safe: a line may
 * arrive in any number of pieces. Works on bytes only; decoding is the next stage's job, so
 * every line is decoded exactly once, there.
 *
 * An explicit state machine, one state per situation the next chunk can find us in:
 *
 *   line-start    no bytes pending; the next byte starts a line
 *   partial-line  the bytes of an unfinished line are held in `carry` (at most `maxLineBytes`)
 *   overlong-line the current line passed `maxLineBytes`; its bytes are counted and dropped until
 *                 the next `\n`, so memory stays bounded whatever the input
 *
 * Line ends are `\n`; a `\r` right before it is dropped too (CRLF files).
 */
import { isAscii } from 'node:buffer';

export type SplitterState = 'line-start' | 'partial-line' | 'overlong-line';

export interface LineSink {
  /**
   * One line: `bytes[start, end)`, without its `\n` (and `\r`). `knownAscii` is true when every
   * byte of the line is known to be < 0x80; when false the line may or may not be ASCII.
   * `terminated` is false only for a last line that has no newline.
   */
  line(bytes: Buffer, start: number, end: number, knownAscii: boolean, terminated: boolean): void;
  /** A line longer than the limit. Its bytes were dropped but the first few are in `head`. */
  overlong(head: Buffer, byteLength: number, terminated: boolean): void;
}

/** 1 MiB: ftrace lines are < 4 KiB (trace_seq is one page); anything longer is not a trace line. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
const OVERLONG_HEAD_BYTES = 256;

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class LineSplitter {
  readonly #sink: LineSink;
  readonly #maxLineBytes: number;
  #state: SplitterState = 'line-start';
  /** partial-line: the pending pieces (copies) and their total length. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  /** overlong-line: the first bytes of the line and how many bytes it has so far. */
  #overlongHead: Buffer = Buffer.alloc(0);
  #overlongBytes = 0;
  /** Bytes pushed so far. */
  bytes = 0;

  constructor(sink: LineSink, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.#sink = sink;
    this.#maxLineBytes = maxLineBytes;
  }

  get state(): SplitterState {
    return this.#state;
  }

  push(chunk: Uint8Array): void {
    const buf = asBuffer(chunk);
    const n = buf.length;
    if (n === 0) return;
    this.bytes += n;
    let pos = 0;
    if (this.#state !== 'line-start') {
      pos = this.#finishPending(buf);
      if (pos === -1) return;
    }
    pos = this.#splitLines(buf, pos);
    if (pos < n) this.#keepTail(buf, pos);
  }

  /** partial-line / overlong-line: the chunk continues the pending line. -1 if it does not end it. */
  #finishPending(buf: Buffer): number {
    const n = buf.length;
    const nl = buf.indexOf(10);
    const upto = nl === -1 ? n : nl;
    if (this.#state === 'partial-line' && this.#carryBytes + upto > this.#maxLineBytes) {
      this.#becomeOverlong(Buffer.concat(this.#carry).subarray(0, OVERLONG_HEAD_BYTES), this.#carryBytes);
    }
    if (this.#state === 'overlong-line') {
      this.#overlongBytes += upto;
      if (nl === -1) return -1;
      this.#sink.overlong(this.#overlongHead, this.#overlongBytes, true);
    } else {
      if (nl === -1) {
        this.#carry.push(Buffer.from(buf));
        this.#carryBytes += n;
        return -1;
      }
      this.#carry.push(buf.subarray(0, nl));
      const line = Buffer.concat(this.#carry, this.#carryBytes + nl);
      this.#carry = [];
      this.#carryBytes = 0;
      let end = line.length;
      if (end > 0 && line[end - 1] === 13) end--;
      this.#sink.line(line, 0, end, isAscii(line), true);
    }
    this.#state = 'line-start';
    return nl + 1;
  }

  /** line-start: every whole line of the chunk, straight out of it (no copies). Returns where the tail starts. */
  #splitLines(buf: Buffer, pos: number): number {
    const knownAscii = pos === 0 ? isAscii(buf) : isAscii(buf.subarray(pos));
    const max = this.#maxLineBytes;
    const sink = this.#sink;
    let nl = buf.indexOf(10, pos);
    while (nl !== -1) {
      if (nl - pos > max) {
        sink.overlong(Buffer.from(buf.subarray(pos, pos + OVERLONG_HEAD_BYTES)), nl - pos, true);
      } else {
        sink.line(buf, pos, nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl, knownAscii, true);
      }
      pos = nl + 1;
      nl = buf.indexOf(10, pos);
    }
    return pos;
  }

  /** The bytes after the chunk's last newline start the next line. */
  #keepTail(buf: Buffer, pos: number): void {
    const tail = buf.length - pos;
    if (tail > this.#maxLineBytes) {
      this.#becomeOverlong(Buffer.from(buf.subarray(pos, pos + OVERLONG_HEAD_BYTES)), tail);
    } else {
      this.#carry.push(Buffer.from(buf.subarray(pos)));
      this.#carryBytes = tail;
      this.#state = 'partial-line';
    }
  }

  /** The input is complete: a pending last line (no newline) is delivered as unterminated. */
  end(): void {
    if (this.#state === 'partial-line') {
      const line = Buffer.concat(this.#carry, this.#carryBytes);
      this.#carry = [];
      this.#carryBytes = 0;
      let end = line.length;
      if (end > 0 && line[end - 1] === 13) end--;
      this.#sink.line(line, 0, end, isAscii(line), false);
    } else if (this.#state === 'overlong-line') {
      this.#sink.overlong(this.#overlongHead, this.#overlongBytes, false);
    }
    this.#state = 'line-start';
  }

  #becomeOverlong(head: Buffer, bytesSoFar: number): void {
    this.#carry = [];
    this.#carryBytes = 0;
    this.#overlongHead = head;
    this.#overlongBytes = bytesSoFar;
    this.#state = 'overlong-line';
  }
}
