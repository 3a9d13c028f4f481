/**
 * Copy and equality for the plain data a State holds (Maps, Sets, arrays, plain objects,
 * primitives), written out by hand: the lockstep copies a group's state before each call that
 * may split the group (replay-scenario.ts), and structuredClone costs about ten model steps.
 * Objects reached twice are copied twice: state data refers to folios by name and pfn, not by
 * reference, so nothing in it relies on two paths reaching one object. A CowMap is forked, not
 * copied (cow-map.ts).
 */

import { CowMap } from './cow-map.ts';

export function copyPlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof CowMap) return v.fork() as T;
  // Native shallow copies first (a pfn map holds thousands of strings), then the nested objects.
  if (Array.isArray(v)) {
    const out = v.slice();
    for (let i = 0; i < out.length; i++) {
      const x = out[i];
      if (typeof x === 'object' && x !== null) out[i] = copyPlain(x);
    }
    return out as T;
  }
  if (v instanceof Map) {
    const out = new Map(v);
    for (const [k, x] of v) if (typeof x === 'object' && x !== null) out.set(k, copyPlain(x));
    return out as T;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    for (const x of v) out.add(copyPlain(x));
    return out as T;
  }
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const k in out) {
    const x = out[k];
    if (typeof x === 'object' && x !== null) out[k] = copyPlain(x);
  }
  return out as T;
}

/**
 * Equal as plain data: the same keys in the same order (iteration order can reach an outcome:
 * a why path lists entries as a Map yields them), the same values, recursively.
 */
export function equalPlain(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalPlain(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof CowMap) return b instanceof CowMap && a.equals(b, equalPlain);
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
