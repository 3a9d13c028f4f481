/**
 * Interns short byte strings that repeat on almost every line (event names, flag columns): one
 * string per distinct name instead of one per line, and a count kept beside it, so the hot path
 * neither allocates nor hashes a fresh string per line. Falls back to plain decoding once more
 * than `limit` distinct names were seen (junk input must not grow it without bound).
 */
import { isAscii, isUtf8 } from 'node:buffer';

export interface InternedName {
  readonly name: string;
  count: number;
  readonly bytes: Uint8Array;
}

const SLOTS = 4096;

export class NameTable {
  readonly #slots: (InternedName | undefined)[] = new Array(SLOTS);
  readonly #overflow = new Map<string, InternedName>();
  /** Entries in the order they were first seen. */
  readonly #order: InternedName[] = [];
  readonly #limit: number;
  #size = 0;

  constructor(limit = SLOTS / 2) {
    this.#limit = limit;
  }

  /** The interned entry for `u[start, end)`. */
  get(u: Buffer, start: number, end: number): InternedName {
    let h = 0;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + u[i]!) | 0;
    return this.getHashed(u, start, end, h);
  }

  /** `get` with the hash (`h = h * 31 + byte`, 32-bit, from 0) already computed by the caller. */
  getHashed(u: Buffer, start: number, end: number, h: number): InternedName {
    let slot = h & (SLOTS - 1);
    for (;;) {
      const e = this.#slots[slot];
      if (e === undefined) break;
      if (sameBytes(e.bytes, u, start, end)) return e;
      slot = (slot + 1) & (SLOTS - 1);
    }
    const name = decodeName(u, start, end);
    if (this.#size >= this.#limit) {
      let e = this.#overflow.get(name);
      if (e === undefined) {
        e = { name, count: 0, bytes: new Uint8Array(0) };
        this.#overflow.set(name, e);
        this.#order.push(e);
      }
      return e;
    }
    const e: InternedName = { name, count: 0, bytes: Uint8Array.prototype.slice.call(u, start, end) };
    this.#slots[slot] = e;
    this.#order.push(e);
    this.#size++;
    return e;
  }

  /** Name -> count for every name whose count is not 0, in first-seen order. */
  counts(): Record<string, number> {
    const out: Record<string, number> = Object.create(null);
    // Two byte strings may decode to one name (invalid UTF-8): their counts add up.
    for (const e of this.#order) if (e.count > 0) out[e.name] = (out[e.name] ?? 0) + e.count;
    return { ...out };
  }
}

function sameBytes(a: Uint8Array, u: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== u[start + i]) return false;
  return true;
}

function decodeName(u: Buffer, start: number, end: number): string {
  const bytes = u.subarray(start, end);
  return u.toString(isAscii(bytes) || !isUtf8(bytes) ? 'latin1' : 'utf8', start, end);
}
