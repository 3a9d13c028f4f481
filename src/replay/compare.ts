/**
 * When two policies' outcomes are "the same" (model.md, Replay): ret, returned pages by identity
 * class (a declared pfn by name, `zero`, or `new`: new pages are equal whatever their number),
 * refcount and pincount changes (new pages matched in order of allocation), the locked_vm change,
 * special vs refcounted, and the kinds and counts of WARN/BUG (not the why path).
 */
import type { Outcome } from '../model/outcome.ts';

const NEW_RE = /^new(\d+)(\+\d+)?$/;

function identityClass(page: string): string {
  // Most names are declared pfns or `zero`: skip the regex unless it can match.
  if (!page.startsWith('new')) return page;
  const m = NEW_RE.exec(page);
  return m ? `new${m[2] ?? ''}` : page;
}

const NO_ORDER: ReadonlyMap<string, string> = new Map();

/** Renames newN pages in allocation order within one outcome: new7,new9 -> n1,n2. */
function newPageOrder(outcome: Outcome): ReadonlyMap<string, string> {
  let nums: number[] | undefined;
  const collect = (obj: Record<string, number>): void => {
    for (const k in obj) {
      if (!k.startsWith('new')) continue;
      const m = NEW_RE.exec(k);
      if (!m) continue;
      const n = Number(m[1]);
      nums ??= [];
      if (!nums.includes(n)) nums.push(n);
    }
  };
  collect(outcome.refs);
  collect(outcome.pins);
  if (nums === undefined) return NO_ORDER;
  nums.sort((a, b) => a - b);
  const order = new Map<string, string>();
  for (let i = 0; i < nums.length; i++) order.set(`new${nums[i]}`, `n${i + 1}`);
  return order;
}

function renameKeys(obj: Record<string, number>, order: ReadonlyMap<string, string>): [string, number][] {
  const out: [string, number][] = [];
  for (const k in obj) out.push([order.get(k) ?? k, obj[k]!]);
  if (out.length > 1) out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

function warnCounts(warn: readonly string[]): [string, number][] {
  if (warn.length === 0) return [];
  const counts = new Map<string, number>();
  for (const w of warn) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * A canonical string: equal strings mean equal outcomes for divergence purposes. Divergence
 * signatures are hashed from it, so its text must not change: stored triage decisions refer to
 * those signatures. (It runs once per policy per call; the fast paths above keep the text.)
 */
export function outcomeKey(o: Outcome): string {
  const order = newPageOrder(o);
  const ret = typeof o.ret === 'string' ? identityClass(o.ret) : o.ret;
  return JSON.stringify([
    ret,
    o.pages.length === 0 ? o.pages : o.pages.map(identityClass),
    renameKeys(o.refs, order),
    renameKeys(o.pins, order),
    o.lockedVm,
    o.special,
    o.left ?? null,
    warnCounts(o.warn),
  ]);
}

export interface OutcomeClass {
  key: string;
  policies: string[];
  outcome: Outcome;
}

/** Groups policies by outcome key, classes ordered by their first policy's position. */
export function classify(entries: readonly { policy: string; outcome: Outcome }[]): OutcomeClass[] {
  const byKey = new Map<string, OutcomeClass>();
  // Policies stepped as one group (and twins) share one outcome object: key it once.
  let last: Outcome | undefined;
  let lastKey = '';
  for (const { policy, outcome } of entries) {
    if (outcome !== last) {
      last = outcome;
      lastKey = outcomeKey(outcome);
    }
    const key = lastKey;
    const c = byKey.get(key);
    if (c) c.policies.push(policy);
    else byKey.set(key, { key, policies: [policy], outcome });
  }
  return [...byKey.values()];
}
