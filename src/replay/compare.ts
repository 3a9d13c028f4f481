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

/** An outcome's key without its why path: why explains an outcome, it does not tell two apart. */
export function outcomeKeyWithoutWhy(o: Omit<Outcome, 'why'>): string {
  return outcomeKey({ ...o, why: [] });
}

/** The distinct outcomes of a divergence's classes, sorted: what it is, whichever policy fell where. */
export function distinctOutcomeKeys(classes: readonly { outcome: Omit<Outcome, 'why'> }[]): string[] {
  return [...new Set(classes.map((c) => outcomeKeyWithoutWhy(c.outcome)))].sort();
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
    // Most policies agree: an outcome with the very fields of a class's first one has its key
    // (the key is a function of those fields), found without building the string again.
    let c: OutcomeClass | undefined;
    for (const k of byKey.values()) {
      if (k.outcome === outcome || sameKeyFields(k.outcome, outcome)) {
        c = k;
        break;
      }
    }
    if (!c) {
      const key = outcomeKey(outcome);
      c = byKey.get(key);
      if (!c) {
        byKey.set(key, { key, policies: [policy], outcome });
        continue;
      }
    }
    c.policies.push(policy);
  }
  return [...byKey.values()];
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  // Outcomes that changed no count share one object (outcome.ts).
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || a[ka[i]!] !== b[ka[i]!]) return false;
  return true;
}

/** Equal in every field `outcomeKey` reads, as they are (so equal keys; the converse need not hold). */
export function sameKeyFields(a: Outcome, b: Outcome): boolean {
  return (
    a.ret === b.ret &&
    a.lockedVm === b.lockedVm &&
    a.special === b.special &&
    a.left === b.left &&
    sameStrings(a.pages, b.pages) &&
    sameStrings(a.warn, b.warn) &&
    sameCounts(a.refs, b.refs) &&
    sameCounts(a.pins, b.pins)
  );
}
