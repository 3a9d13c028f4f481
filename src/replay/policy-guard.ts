/**
 * What a user's policy module may do to the replay, and what it may not. Its override functions
 * run inside the model's own functions, so a wrong return value would otherwise flow on as a
 * plausible result: a Promise is truthy, NaN compares false with everything, 1e300 pins pass
 * every limit. Each override is wrapped so that such a value is an error (the policy's verdict
 * for the scenario becomes `error`), never a `pass` or `fail`.
 *
 * A module can also change the shared built-in prototypes (`Object.prototype.x = ...`), which
 * would silently change every other policy's results in the same thread: the prototypes are
 * snapshotted before user code runs, checked after it, and restored when it changed them.
 */
import type { PolicyModule } from '../../policies/define-policy.ts';
import { PolicyError } from '../errors.ts';
import { ENTRY_POINTS } from '../model/kernel.ts';

const ENTRY = new Set<string>(ENTRY_POINTS);
/** Array elements checked per returned array (pfn lists are short; a bound keeps this cheap). */
const MAX_CHECKED_ELEMENTS = 4096;

function describe(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return String(v);
      if (Math.abs(v) > Number.MAX_SAFE_INTEGER) return `a number out of range (${v})`;
      return undefined;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return 'a bigint';
    case 'object':
      if (v !== null && typeof (v as { then?: unknown }).then === 'function')
        return 'a Promise (overrides must be synchronous)';
      return undefined;
    default:
      return undefined;
  }
}

/** Why `v` is not a value a model function may return, or undefined when it is acceptable. */
export function badReturn(v: unknown, depth = 2): string | undefined {
  const bad = describe(v);
  if (bad || depth === 0 || typeof v !== 'object' || v === null) return bad;
  if (Array.isArray(v)) {
    const n = Math.min(v.length, MAX_CHECKED_ELEMENTS);
    for (let i = 0; i < n; i++) {
      const b = badReturn(v[i], depth - 1);
      if (b) return `${b} at [${i}]`;
    }
    return undefined;
  }
  // Only plain objects: model objects (folios, vmas) are the model's own and may be cyclic.
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const b = badReturn(x, depth - 1);
    if (b) return `${b} in .${k}`;
  }
  return undefined;
}

/** An entry point's result must be a CallResult: `{ ret, pfns?, left? }`. */
function badCallResult(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return `${describe(v) ?? typeof v}, not { ret }`;
  const r = v as { ret?: unknown; pfns?: unknown; left?: unknown };
  if (typeof r.ret !== 'number' && typeof r.ret !== 'string') return `ret ${describe(r.ret) ?? typeof r.ret}`;
  if (typeof r.ret === 'number' && !Number.isInteger(r.ret)) return `ret ${describe(r.ret) ?? r.ret}`;
  if (r.pfns !== undefined && !Array.isArray(r.pfns)) return 'pfns that is not an array';
  if (r.left !== undefined && !Number.isSafeInteger(r.left))
    return `left ${describe(r.left) ?? String(r.left)}`;
  return undefined;
}

/**
 * The module with every override wrapped in a return-value check. The wrapper keeps the
 * original's source text (`String(fn)`), which is what a policy's logic hash reads.
 */
export function guardOverrides(mod: PolicyModule): PolicyModule {
  if (typeof mod.override !== 'object' || mod.override === null) {
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `${String(mod.id)}: override must be an object of kernel functions`,
    );
  }
  const override: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(mod.override as Record<string, unknown>)) {
    if (typeof fn !== 'function') {
      throw new PolicyError(
        'PB_POLICY_LOAD',
        `${mod.id}: override '${name}' is ${typeof fn}, not a function`,
      );
    }
    const original = fn as (...a: unknown[]) => unknown;
    const entry = ENTRY.has(name);
    const guarded = function (this: unknown, ...args: unknown[]): unknown {
      const v = original.apply(this, args);
      const bad = entry ? (badCallResult(v) ?? badReturn(v)) : badReturn(v);
      if (bad) throw new PolicyError('PB_POLICY', `${mod.id}: ${name}() returned ${bad}`);
      return v;
    };
    Object.defineProperty(guarded, 'toString', { value: () => Function.prototype.toString.call(original) });
    Object.defineProperty(guarded, 'name', { value: original.name });
    override[name] = guarded;
  }
  return { ...mod, override: override as PolicyModule['override'] };
}

/** The shared prototypes a module could change under every other policy's feet. */
const PROTOTYPES: readonly [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Math', Math],
  ['JSON', JSON],
];

export type PrototypeSnapshot = Map<object, Map<PropertyKey, PropertyDescriptor>>;

export function snapshotPrototypes(): PrototypeSnapshot {
  const snap: PrototypeSnapshot = new Map();
  for (const [, proto] of PROTOTYPES) {
    const props = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(proto)) props.set(key, Object.getOwnPropertyDescriptor(proto, key)!);
    snap.set(proto, props);
  }
  return snap;
}

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable;
}

/**
 * What changed since `snap` (e.g. "Object.prototype.polluted added"), after putting it back as
 * it was. Empty when nothing changed.
 */
export function restorePrototypes(snap: PrototypeSnapshot): string[] {
  const changes: string[] = [];
  for (const [label, proto] of PROTOTYPES) {
    const before = snap.get(proto);
    if (!before) continue;
    const keys = Reflect.ownKeys(proto);
    if (keys.length === before.size) {
      let same = true;
      for (const key of keys) {
        const was = before.get(key);
        if (!was || !sameDescriptor(was, Object.getOwnPropertyDescriptor(proto, key)!)) {
          same = false;
          break;
        }
      }
      if (same) continue;
    }
    for (const key of keys) {
      const was = before.get(key);
      if (!was) {
        changes.push(`${label}.${String(key)} added`);
        Reflect.deleteProperty(proto, key);
      } else if (!sameDescriptor(was, Object.getOwnPropertyDescriptor(proto, key)!)) {
        changes.push(`${label}.${String(key)} changed`);
        Reflect.defineProperty(proto, key, was);
      }
    }
    for (const [key, was] of before) {
      if (!Reflect.getOwnPropertyDescriptor(proto, key)) {
        changes.push(`${label}.${String(key)} deleted`);
        Reflect.defineProperty(proto, key, was);
      }
    }
  }
  return changes;
}
