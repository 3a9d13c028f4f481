/**
 * Divergence kinds: divergence identities grouped the way syzbot groups crashes into bugs by
 * title. Two divergences are of one kind when they are the same event (the call's name and the
 * shape of its fields: field names and symbolic values such as flag names, not addresses, pfns or
 * sizes) and the same SET of distinct class outcomes once concrete pages and counts are
 * abstracted:
 *   - a page becomes its category (`zero`, `new`, `pfn` for a hex or numeric name, a declared
 *     name without its digits), and refcount/pincount changes are summed per category;
 *   - a count (a positive ret, a refcount sum per page category, locked_vm, pages left) becomes
 *     a symbol by its rank among that field's counts in the same divergence: `n` when the field
 *     has one magnitude, else `n1 < n2 < ...`, so `ret=4 refs pfn+4 vs ret=2 refs pfn+2` and
 *     `ret=8 ... vs ret=1 ...` are one kind while which class has more stays visible;
 *   - errnos, symbolic returns (livelock, BUG, ...), `special` and WARN/BUG kinds stay.
 * Which policies fall in which class is per occurrence and never enters: adding a policy whose
 * outcome matches an existing class splits no kind. A kind is a function of the identity (the
 * signature hashes the call and the class outcome set), so every occurrence of one signature has
 * one kind. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { Outcome } from '../model/outcome.ts';
import { formatRet } from './divergence-identity.ts';

/** What a kind is computed from: the fields of a divergence record it needs. */
export interface DivergenceKindInput {
  event: string;
  /** The call's trace line. */
  text: string;
  classes: readonly { outcome: Omit<Outcome, 'why'> }[];
}

export interface DivergenceKind {
  /** 16 hex digits. */
  kind: string;
  /** `pin_user_pages gup_flags=FOLL_LONGTERM: ret=n refs zero+n vs ret=-EFAULT (-14)`. */
  title: string;
}

const SYMBOLS = new Set(['livelock', 'BUG', 'SIGBUS', 'NOPAGE', 'NULL', 'unsupported']);

/** A page name as its category: concrete pfns and allocation numbers abstracted. */
export function pageCategory(name: string): string {
  if (name === 'zero') return 'zero';
  if (/^new\d+(\+\d+)?$/.test(name)) return 'new';
  if (/^(0x[0-9a-f]+|\d+)$/i.test(name)) return 'pfn';
  const stripped = name.replace(/\d+/g, '');
  return stripped || 'pfn';
}

/** The call's fields as a shape: names kept, values kept only when symbolic (flag names). */
export function callShape(event: string, text: string): string {
  const at = text.indexOf(event);
  let payload = at >= 0 ? text.slice(at + event.length) : '';
  payload = payload.replace(/^:?\s*/, '');
  const parts: string[] = [];
  for (const tok of payload.split(/\s+/)) {
    if (!tok) continue;
    const eq = tok.indexOf('=');
    if (eq < 0) {
      if (!/\d/.test(tok)) parts.push(tok);
      continue;
    }
    const key = tok.slice(0, eq);
    const value = tok.slice(eq + 1);
    parts.push(/\d/.test(value) || value === '' ? key : `${key}=${value}`);
  }
  return parts.join(' ');
}

/** An outcome with pages by category and counts as raw magnitudes (ranked afterwards). */
interface Abstracted {
  ret: string | number;
  pages: string[];
  refs: [string, number][];
  pins: [string, number][];
  lockedVm: number;
  pinnedVm: number;
  left: number;
  special: boolean;
  warn: string[];
}

function byCategory(m: Readonly<Record<string, number>>): [string, number][] {
  const sums = new Map<string, number>();
  for (const [k, v] of Object.entries(m)) {
    const c = pageCategory(k);
    sums.set(c, (sums.get(c) ?? 0) + v);
  }
  return [...sums].filter(([, v]) => v !== 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function abstracted(o: Omit<Outcome, 'why'>): Abstracted {
  let ret: string | number;
  if (typeof o.ret === 'number') ret = o.ret;
  else ret = SYMBOLS.has(o.ret) ? o.ret : `page:${pageCategory(o.ret)}`;
  return {
    ret,
    pages: [...new Set(o.pages.map(pageCategory))].sort(),
    refs: byCategory(o.refs),
    pins: byCategory(o.pins),
    lockedVm: o.lockedVm,
    pinnedVm: o.pinnedVm ?? 0,
    left: o.left ?? 0,
    special: o.special,
    warn: [...new Set(o.warn.map((w) => w.replace(/0x[0-9a-f]+/gi, '0x…').replace(/\d+/g, 'N')))].sort(),
  };
}

/** Names a count by its field and magnitude; the field's own ranks give the symbol. */
type Symbolizer = (field: string, n: number) => string;

/**
 * Each field's magnitudes across the classes, ranked: `n` when the field has one magnitude, else
 * `n1 < n2 < ...`. Per field, so the counts of one field never renumber another's.
 */
function countSymbols(all: readonly Abstracted[]): Symbolizer {
  const mags = new Map<string, Set<number>>();
  const add = (field: string, v: number) => {
    if (v === 0) return;
    const set = mags.get(field) ?? new Set<number>();
    mags.set(field, set);
    set.add(Math.abs(v));
  };
  for (const a of all) {
    if (typeof a.ret === 'number' && a.ret > 0) add('ret', a.ret);
    for (const [k, v] of a.refs) add(`refs ${k}`, v);
    for (const [k, v] of a.pins) add(`pins ${k}`, v);
    add('locked_vm', a.lockedVm);
    add('pinned_vm', a.pinnedVm);
    add('left', a.left);
  }
  const ranks = new Map<string, Map<number, string>>();
  for (const [field, set] of mags) {
    const sorted = [...set].sort((x, y) => x - y);
    ranks.set(field, new Map(sorted.map((v, i) => [v, sorted.length === 1 ? 'n' : `n${i + 1}`])));
  }
  return (field, n) => ranks.get(field)?.get(Math.abs(n)) ?? String(n);
}

function signed(field: string, v: number, sym: Symbolizer): string {
  return `${v > 0 ? '+' : '-'}${sym(field, v)}`;
}

/** One abstracted outcome in the words of `outcomeBrief`, counts as symbols. */
function brief(a: Abstracted, sym: Symbolizer): string {
  const ret =
    typeof a.ret === 'number'
      ? a.ret > 0
        ? sym('ret', a.ret)
        : formatRet(a.ret)
      : a.ret.replace(/^page:/, '');
  const parts = [`ret=${ret}`];
  if (a.refs.length)
    parts.push(`refs ${a.refs.map(([k, v]) => `${k}${signed(`refs ${k}`, v, sym)}`).join(',')}`);
  if (a.pins.length)
    parts.push(`pins ${a.pins.map(([k, v]) => `${k}${signed(`pins ${k}`, v, sym)}`).join(',')}`);
  if (a.pages.length && !a.refs.length && !a.pins.length) parts.push(`pages ${a.pages.join(',')}`);
  if (a.lockedVm) parts.push(`locked_vm${signed('locked_vm', a.lockedVm, sym)}`);
  if (a.pinnedVm) parts.push(`pinned_vm${signed('pinned_vm', a.pinnedVm, sym)}`);
  if (a.left) parts.push(`left ${sym('left', a.left)}`);
  if (a.special) parts.push('special');
  if (a.warn.length) parts.push(a.warn.join('; '));
  return parts.join(' ');
}

/**
 * The distinct abstracted outcomes of a divergence's classes, sorted: the kind's outcome set.
 * Sorted, not in class order, since the class order follows the policies.
 */
export function abstractOutcomes(classes: DivergenceKindInput['classes']): string[] {
  const all = classes.map((c) => abstracted(c.outcome));
  const sym = countSymbols(all);
  return [...new Set(all.map((a) => brief(a, sym)))].sort();
}

export function divergenceKind(d: DivergenceKindInput): DivergenceKind {
  const shape = callShape(d.event, d.text);
  const outcomes = abstractOutcomes(d.classes);
  const h = createHash('sha256').update(d.event).update('\0').update(shape);
  for (const o of outcomes) h.update('\0').update(o);
  const head = shape ? `${d.event} ${shape}` : d.event;
  return { kind: h.digest('hex').slice(0, 16), title: `${head}: ${outcomes.join(' vs ')}` };
}
