/**
 * When two policies' outcomes are "the same" (model.md, Replay): ret, returned pages by identity
 * class (a declared pfn by name, `zero`, or `new`: new pages are equal whatever their number),
 * refcount and pincount changes (new pages matched in order of allocation), the locked_vm change,
 * special vs refcounted, and the kinds and counts of WARN/BUG (not the why path).
 */
import type { Outcome } from '../model/outcome.ts';

const NEW_RE = /^new(\d+)(\+\d+)?$/;

function identityClass(page: string): string {
  const m = NEW_RE.exec(page);
  return m ? `new${m[2] ?? ''}` : page;
}

/** Renames newN pages in allocation order within one outcome: new7,new9 -> n1,n2. */
function newPageOrder(outcome: Outcome): Map<string, string> {
  const nums = new Set<number>();
  const collect = (name: string): void => {
    const m = NEW_RE.exec(name);
    if (m) nums.add(Number(m[1]));
  };
  for (const k of Object.keys(outcome.refs)) collect(k);
  for (const k of Object.keys(outcome.pins)) collect(k);
  const order = new Map<string, string>();
  const sortedNums = [...nums].sort((a, b) => a - b);
  for (let i = 0; i < sortedNums.length; i++) order.set(`new${sortedNums[i]}`, `n${i + 1}`);
  return order;
}

function renameKeys(obj: Record<string, number>, order: Map<string, string>): [string, number][] {
  return Object.entries(obj)
    .map(([k, v]): [string, number] => [order.get(k) ?? k, v])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A canonical string: equal strings mean equal outcomes for divergence purposes. */
export function outcomeKey(o: Outcome): string {
  const order = newPageOrder(o);
  const ret = typeof o.ret === 'string' ? identityClass(o.ret) : o.ret;
  const warnCounts = new Map<string, number>();
  for (const w of o.warn) warnCounts.set(w, (warnCounts.get(w) ?? 0) + 1);
  return JSON.stringify([
    ret,
    o.pages.map(identityClass),
    renameKeys(o.refs, order),
    renameKeys(o.pins, order),
    o.lockedVm,
    o.special,
    o.left ?? null,
    [...warnCounts].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
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
  for (const { policy, outcome } of entries) {
    const key = outcomeKey(outcome);
    const c = byKey.get(key);
    if (c) c.policies.push(policy);
    else byKey.set(key, { key, policies: [policy], outcome });
  }
  return [...byKey.values()];
}
