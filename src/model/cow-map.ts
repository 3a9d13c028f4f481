/**
 * A Map whose copy (`fork()`) costs nothing until it is used: the lockstep copies a group's state
 * before every call that may split the group (replay-scenario.ts), and a state holds thousands
 * of pfns, folios and page-table entries of which a call touches a few.
 *
 * - The entries are shared between forks until one of them adds or removes a key: it copies
 *   them first. A value replaced or copied (below) while shared goes to a small overlay.
 * - Object values are shared too, and policies change folios and entries in place. So a value is
 *   handed out (get, iteration) only once this map owns it: a value the map has not made or been
 *   given since the last fork is copied (plain-data.ts, which forks nested CowMaps) and the copy
 *   replaces it. Values are reached only through their map (state data refers to folios by name
 *   and pfn), so no other path sees the shared one.
 *
 * Equality (`equalPlain`) compares forks entry by entry, and a value both still share is one
 * object: comparing a state with a copy that a call changed costs about the entries it touched.
 */
import { copyPlain } from './plain-data.ts';

export class CowMap<K, V> implements Map<K, V> {
  /** The entries; shared with other forks while `shared`. */
  private base: Map<K, V>;
  private shared = false;
  /**
   * While `base` is shared: this fork's own values for some of its keys (values copied on first
   * use). Keys are never added or removed here, so the order stays `base`'s, as a Map's would.
   */
  private local: Map<K, V> | null = null;
  /** Object values this fork may hand out for change (made, given or copied since the fork). */
  private owned = new Set<unknown>();

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    this.base = new Map(entries);
  }

  /** A copy whose entries and values are shared with this one until either changes them. */
  fork(): CowMap<K, V> {
    // Folding a large overlay in once keeps later forks cheap (a fork copies the overlay).
    if (this.local && this.local.size > 16 && this.local.size * 4 > this.base.size) this.writable();
    const out = new CowMap<K, V>();
    out.base = this.base;
    out.shared = true;
    out.local = this.local ? new Map(this.local) : null;
    this.shared = true;
    this.owned = new Set();
    return out;
  }

  /** The value stored for `key`, which may still be another fork's. */
  private raw(key: K): V | undefined {
    if (this.local) {
      const v = this.local.get(key);
      if (v !== undefined) return v;
    }
    return this.base.get(key);
  }

  /**
   * Whether this fork and `other` hold equal entries in the same order, values compared by
   * `equal` (a value both still share is the same object and is not compared at all).
   */
  equals(other: CowMap<K, V>, equal: (a: V, b: V) => boolean): boolean {
    if (this.base.size !== other.base.size) return false;
    if (this.base === other.base) {
      // Same keys in the same order: only values either fork replaced can differ.
      for (const overlay of [this.local, other.local]) {
        if (!overlay) continue;
        for (const k of overlay.keys()) {
          const a = this.raw(k) as V;
          const b = other.raw(k) as V;
          if (a !== b && !equal(a, b)) return false;
        }
      }
      return true;
    }
    const keys = other.base.keys();
    for (const k of this.base.keys()) {
      if (keys.next().value !== k) return false;
      const a = this.raw(k) as V;
      const b = other.raw(k) as V;
      if (a !== b && !equal(a, b)) return false;
    }
    return true;
  }

  /** `base` as this fork's own, with its overlay folded in. */
  private writable(): Map<K, V> {
    if (this.shared) {
      this.base = new Map(this.base);
      this.shared = false;
    }
    if (this.local) {
      for (const [k, v] of this.local) this.base.set(k, v);
      this.local = null;
    }
    return this.base;
  }

  private own(key: K, v: V): V {
    if (typeof v !== 'object' || v === null || this.owned.has(v)) return v;
    const copy = copyPlain(v);
    if (this.shared) {
      this.local ??= new Map();
      this.local.set(key, copy);
    } else this.base.set(key, copy);
    this.owned.add(copy);
    return copy;
  }

  get size(): number {
    return this.base.size;
  }

  get(key: K): V | undefined {
    const v = this.raw(key);
    return v === undefined ? v : this.own(key, v);
  }

  has(key: K): boolean {
    return this.base.has(key);
  }

  set(key: K, value: V): this {
    if (this.shared && this.base.has(key)) {
      this.local ??= new Map();
      this.local.set(key, value);
    } else this.writable().set(key, value);
    if (typeof value === 'object' && value !== null) this.owned.add(value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.base.has(key)) return false;
    return this.writable().delete(key);
  }

  clear(): void {
    this.base = new Map();
    this.shared = false;
    this.local = null;
    this.owned = new Set();
  }

  keys(): MapIterator<K> {
    return this.base.keys();
  }

  /** The values as stored, to read and not to change (nothing is copied). */
  *peekValues(): MapIterator<V> {
    for (const k of this.base.keys()) yield this.raw(k) as V;
  }

  *entries(): MapIterator<[K, V]> {
    for (const k of [...this.base.keys()]) yield [k, this.get(k) as V];
  }

  *values(): MapIterator<V> {
    for (const k of [...this.base.keys()]) yield this.get(k) as V;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'CowMap';
  }
}

/** A map's values to read and not to change: a CowMap's without copying them. */
export function peekValues<K, V>(map: Map<K, V>): IterableIterator<V> {
  return map instanceof CowMap ? map.peekValues() : map.values();
}
