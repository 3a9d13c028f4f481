/**
 * A Map whose copy (`fork()`) costs nothing until it is used: the lockstep copies a group's state
 * before every call that may split the group (replay-scenario.ts), and a state holds thousands
 * of pfns, folios and page-table entries of which a call touches a few.
 *
 * - The entries are shared between forks until one of them writes: the writer copies them first.
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
  private map: Map<K, V>;
  /** `map` is also another fork's: copy it before a write. */
  private shared: boolean;
  /** Object values this fork may hand out for change (made, given or copied since the fork). */
  private owned = new Set<unknown>();

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    this.map = new Map(entries);
    this.shared = false;
  }

  /** A copy whose entries and values are shared with this one until either changes them. */
  fork(): CowMap<K, V> {
    const out = new CowMap<K, V>();
    out.map = this.map;
    out.shared = true;
    this.shared = true;
    this.owned = new Set();
    return out;
  }

  /** The entries as stored, for comparison: values not yet owned may be another fork's. */
  rawEntries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  /** Whether two forks still hold the very same entries (nothing written since the fork). */
  sameEntries(other: CowMap<K, V>): boolean {
    return this.map === other.map;
  }

  private writable(): Map<K, V> {
    if (this.shared) {
      this.map = new Map(this.map);
      this.shared = false;
    }
    return this.map;
  }

  private own(key: K, v: V): V {
    if (typeof v !== 'object' || v === null || this.owned.has(v)) return v;
    const copy = copyPlain(v);
    this.writable().set(key, copy);
    this.owned.add(copy);
    return copy;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const v = this.map.get(key);
    return v === undefined ? v : this.own(key, v);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): this {
    this.writable().set(key, value);
    if (typeof value === 'object' && value !== null) this.owned.add(value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.map.has(key)) return false;
    return this.writable().delete(key);
  }

  clear(): void {
    this.map = new Map();
    this.shared = false;
    this.owned = new Set();
  }

  keys(): MapIterator<K> {
    return this.map.keys();
  }

  *entries(): MapIterator<[K, V]> {
    for (const k of [...this.map.keys()]) yield [k, this.get(k) as V];
  }

  *values(): MapIterator<V> {
    for (const k of [...this.map.keys()]) yield this.get(k) as V;
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
