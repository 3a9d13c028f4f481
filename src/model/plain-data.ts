/**
 * Copy and equality for the plain data a State holds (Maps, Sets, arrays, plain objects,
 * primitives, JournalMaps), written out by hand: structuredClone costs about ten model steps.
 * Objects reached twice are copied twice: state data refers to folios by name and pfn, not by
 * reference, so nothing in it relies on two paths reaching one object. A frozen object is shared,
 * not copied: whoever freezes a value in a state freezes all of it (see `State.findVma`).
 */

import { JournalMap } from './journal-map.ts';

/** What a copy does with a JournalMap it reaches: share it (a log's copy) or copy it (a clone). */
export type JournalMapCopy = (m: JournalMap<unknown, unknown>) => JournalMap<unknown, unknown>;

export function copyPlain<T>(v: T, journalMap: JournalMapCopy): T {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof JournalMap) return journalMap(v) as T;
  if (Object.isFrozen(v)) return v;
  // Native shallow copies first (a pfn map holds thousands of strings), then the nested objects.
  if (Array.isArray(v)) {
    const out = v.slice();
    for (let i = 0; i < out.length; i++) {
      const x = out[i];
      if (typeof x === 'object' && x !== null) out[i] = copyPlain(x, journalMap);
    }
    return out as T;
  }
  if (v instanceof Map) {
    const out = new Map(v);
    for (const [k, x] of v) if (typeof x === 'object' && x !== null) out.set(k, copyPlain(x, journalMap));
    return out as T;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    for (const x of v) out.add(copyPlain(x, journalMap));
    return out as T;
  }
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const k in out) {
    const x = out[k];
    if (typeof x === 'object' && x !== null) out[k] = copyPlain(x, journalMap);
  }
  return out as T;
}

/**
 * Equal as plain data: the same keys in the same order (iteration order can reach an outcome:
 * a why path lists entries as a Map yields them), the same values, recursively. A JournalMap
 * compares by its entries as they are now.
 */
export function equalPlain(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) {
    return Number.isNaN(x) && Number.isNaN(y);
  }
  const a: object = x instanceof JournalMap ? x.base : x;
  const b: object = y instanceof JournalMap ? y.base : y;
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalPlain(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const keys = b.keys();
    for (const [k, x] of a) {
      if (keys.next().value !== k) return false;
      const y = b.get(k);
      if (x !== y && !equalPlain(x, y)) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    const values = b.values();
    for (const x of a) if (!equalPlain(x, values.next().value)) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof Map || b instanceof Set) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !equalPlain((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}
