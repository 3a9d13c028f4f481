/**
 * A Map that can take back what a step wrote: the grouped lockstep (replay-scenario.ts) steps one
 * policy for a group on the group's state, and when the group splits at that call the others
 * must step from the state before it. Copying a state before every call costs about ten model
 * steps; a write log costs about what the call touches, and usually nothing has to be taken back.
 *
 * While its State's log is open (`WriteLog`), the map keeps the value each key had before its
 * first change (`undo`). Policies change folios and entries in place, so an object value is
 * handed out (get, iteration) only once it is this log's own: the first time, the map copies it
 * (plain-data.ts; nested JournalMaps are shared, they keep their own log) and the copy replaces
 * it, the old object staying untouched for a rollback. Values are reached only through their map
 * (state data refers to folios by name and pfn), so nothing else sees the old one.
 *
 * A delete changes the order a key would come back in; after the first delete the map keeps its
 * whole pre-log contents instead (`orig`), so a rollback restores the order too.
 */
import { copyPlain } from './plain-data.ts';

/** The log of one State: open or not, and which maps the open log touched. */
export class WriteLog {
  open = false;
  /** Numbers each log; a map resets what an earlier log left when it sees a new number. */
  epoch = 0;
  touched: JournalMap<unknown, unknown>[] = [];
}

const ABSENT: unique symbol = Symbol('absent');
type Old<V> = V | typeof ABSENT;

/** What one map became under a log, relative to what it was before. */
export interface MapDelta<K, V> {
  /** The whole map, when the log deleted a key (order matters). */
  full: Map<K, V> | null;
  /** Otherwise the final value of each key the log wrote, in first-write order. */
  changes: Map<K, V>;
}

export class JournalMap<K, V> implements Map<K, V> {
  /** The entries, as they are now. */
  base: Map<K, V>;
  private readonly log: WriteLog;
  /** The log epoch `undo`, `orig` and `owned` belong to. */
  private epoch = -1;
  /**
   * The epoch this map was made in: a map made under an open log is new in it (the value that
   * holds it is what the log takes back), so its own writes in that log are not journalled.
   */
  private readonly born: number;
  private undo = new Map<K, Old<V>>();
  private orig: Map<K, V> | null = null;
  /** Object values this log may hand out for change (made, given or copied under it). */
  private owned = new Set<unknown>();

  /**
   * How a value is copied for the log (`own`): copyPlain unless the map knows its values' shape
   * (state.ts: folios and page-table entries, copied without walking their fields).
   */
  readonly copyValue: (v: V & object) => V;

  constructor(
    log: WriteLog,
    entries?: Iterable<readonly [K, V]> | null,
    copyValue: (v: V & object) => V = copyShared,
  ) {
    this.log = log;
    this.copyValue = copyValue;
    this.born = log.open ? log.epoch : -1;
    this.base = new Map(entries);
  }

  /** Notes `key` before its first change under the open log; false when the map is new in it. */
  private touch(key: K): boolean {
    const log = this.log;
    if (this.born === log.epoch) return false;
    if (this.epoch !== log.epoch) {
      this.epoch = log.epoch;
      this.undo.clear();
      this.orig = null;
      this.owned.clear();
      log.touched.push(this as JournalMap<unknown, unknown>);
    }
    if (this.orig === null && !this.undo.has(key)) {
      this.undo.set(key, this.base.has(key) ? (this.base.get(key) as V) : ABSENT);
    }
    return true;
  }

  private own(key: K, v: V & object): V {
    const log = this.log;
    if (this.born === log.epoch || (this.epoch === log.epoch && this.owned.has(v))) return v;
    this.touch(key);
    const copy = this.copyValue(v);
    this.base.set(key, copy);
    this.owned.add(copy);
    return copy;
  }

  get size(): number {
    return this.base.size;
  }

  get(key: K): V | undefined {
    const v = this.base.get(key);
    if (!this.log.open || typeof v !== 'object' || v === null) return v;
    return this.own(key, v);
  }

  has(key: K): boolean {
    return this.base.has(key);
  }

  set(key: K, value: V): this {
    if (this.log.open && this.touch(key) && typeof value === 'object' && value !== null) {
      this.owned.add(value);
    }
    this.base.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.base.has(key)) return false;
    if (this.log.open && this.touch(key) && this.orig === null) this.orig = this.before();
    return this.base.delete(key);
  }

  clear(): void {
    for (const k of [...this.base.keys()]) this.delete(k);
  }

  /** The map as it was before the open log (the map itself when the log has not touched it). */
  private before(): Map<K, V> {
    if (this.epoch !== this.log.epoch || this.born === this.log.epoch) return this.base;
    if (this.orig) return this.orig;
    const out = new Map(this.base);
    for (const [k, old] of this.undo) {
      if (old === ABSENT) out.delete(k);
      else out.set(k, old);
    }
    return out;
  }

  keys(): MapIterator<K> {
    return this.base.keys();
  }

  /** The values as stored, to read and not to change (nothing is copied). */
  peekValues(): MapIterator<V> {
    return this.base.values();
  }

  *entries(): MapIterator<[K, V]> {
    if (!this.log.open) {
      yield* this.base.entries();
      return;
    }
    for (const k of [...this.base.keys()]) yield [k, this.get(k) as V];
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  get [Symbol.toStringTag](): string {
    return 'JournalMap';
  }

  /** Closes this map's part of the log, keeping what was written. */
  commit(): void {
    this.epoch = -1;
    this.orig = null;
  }

  /** Takes back what the log wrote; returns what the map had become, for `redo` and `matches`. */
  rollback(): MapDelta<K, V> {
    this.epoch = -1;
    if (this.orig) {
      const full = this.base;
      this.base = this.orig;
      this.orig = null;
      return { full, changes: new Map() };
    }
    const changes = new Map<K, V>();
    for (const [k, old] of this.undo) {
      // No key was deleted: every key written is still there.
      changes.set(k, this.base.get(k) as V);
      if (old === ABSENT) this.base.delete(k);
      else this.base.set(k, old);
    }
    return { full: null, changes };
  }

  /** Writes a rolled-back delta again (the map is as it was before that log). */
  redo(d: MapDelta<K, V>): void {
    if (d.full) this.base = d.full;
    else for (const [k, v] of d.changes) this.base.set(k, v);
  }

  /**
   * Whether this map now (under the open log) equals this map before the log with `d` applied
   * (`d` undefined: unchanged), values compared by `equal`, order included.
   */
  matches(d: MapDelta<K, V> | undefined, equal: (a: unknown, b: unknown) => boolean): boolean {
    const log = this.log;
    const logged = this.epoch === log.epoch && this.born !== log.epoch;
    if (!logged && d === undefined) return true;
    if (this.orig !== null || d?.full) {
      const before = this.before();
      const want = d === undefined ? before : (d.full ?? withChanges(before, d.changes));
      return equal(this.base, want);
    }
    // Keys were only added or replaced, on both sides.
    if (d) {
      for (const [k, v] of d.changes) {
        if (!this.base.has(k)) return false;
        const now = this.base.get(k);
        if (now !== v && !equal(now, v)) return false;
      }
    }
    const addedNow: K[] = [];
    if (logged) {
      for (const [k, old] of this.undo) {
        if (old === ABSENT) addedNow.push(k);
        if (d?.changes.has(k)) continue;
        if (old === ABSENT) return false;
        const now = this.base.get(k);
        if (now !== old && !equal(now, old)) return false;
      }
    }
    // Both added the same keys (checked above); they must also come in the same order.
    if (d) {
      let i = 0;
      for (const k of d.changes.keys()) {
        const had = logged && this.undo.has(k) ? this.undo.get(k) !== ABSENT : this.base.has(k);
        if (had) continue;
        if (addedNow[i++] !== k) return false;
      }
      return i === addedNow.length;
    }
    return addedNow.length === 0;
  }
}

function withChanges<K, V>(before: Map<K, V>, changes: Map<K, V>): Map<K, V> {
  const out = new Map(before);
  for (const [k, v] of changes) out.set(k, v);
  return out;
}

/** A value copied for a log shares the nested maps: they keep their own log. */
function shareMap(m: JournalMap<unknown, unknown>): JournalMap<unknown, unknown> {
  return m;
}

function copyShared<V>(v: V): V {
  return copyPlain(v, shareMap);
}

/**
 * A value to read and not to change, nor anything in it but JournalMaps (which keep their own
 * log): a JournalMap's without copying it.
 */
export function peekGet<K, V>(map: Map<K, V>, key: K): V | undefined {
  return map instanceof JournalMap ? map.base.get(key) : map.get(key);
}

/** A map's values to read and not to change: a JournalMap's without copying them. */
export function peekValues<K, V>(map: Map<K, V>): IterableIterator<V> {
  return map instanceof JournalMap ? map.peekValues() : map.values();
}
