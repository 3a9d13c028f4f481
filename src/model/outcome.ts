/**
 * A call's outcome per policy, exactly the `outcome` record of model.md's NDJSON contract, and
 * the end-of-scenario `final` checks.
 */
import type { Journal, State } from './state.ts';

/** Non-numeric returns: the call never returns, a BUG_ON fired, a fault result, a page lookup's NULL. */
export const SYMBOLIC_RETS = ['livelock', 'BUG', 'SIGBUS', 'NOPAGE', 'NULL', 'unsupported'] as const;
export type SymbolicRet = (typeof SYMBOLIC_RETS)[number];
/** A count, 0, -errno, a symbolic result, or a page name (`0x1000`, `zero`, `new1`) for lookups. */
export type RetValue = number | SymbolicRet | (string & {});

export interface Outcome {
  ret: RetValue;
  /** Pages the call returned or left pinned, by name. */
  pages: string[];
  /** Refcount change this call caused, per page. */
  refs: Record<string, number>;
  /** `_pincount` change of large folios. */
  pins: Record<string, number>;
  /** locked_vm change (pages): mm->locked_vm (vfio) plus user->locked_vm (io_uring). */
  lockedVm: number;
  /** mm->pinned_vm change (io_uring), when non-zero. */
  pinnedVm?: number;
  /** The entry was installed as a special mapping: no reference, rmap or rss. */
  special: boolean;
  /** WARN / BUG / Bad page map kinds, in order. */
  warn: string[];
  /**
   * WARN_ON / WARN_ON_ONCE hits in this call. A hit is counted whether or not the kernel would
   * print a splat (WARN_ON_ONCE prints once per call site per boot); the `warn` kinds say which.
   */
  warnings: number;
  /**
   * The decision path. From `makeOutcome` it is every step the policy wrote, a retry loop's
   * rounds each; records carry it with repeats collapsed (`recordWhy`), which is built only for
   * a record that is written (most calls' paths are never read).
   */
  why: string[];
  /** vm_insert_pages(): pages left not inserted (the kernel's `*num` afterwards). */
  left?: number;
}

/** What a policy function returns for a call; the journal supplies the rest. */
export interface CallResult {
  ret: RetValue;
  /** Pfns returned, pinned or looked up. */
  pfns?: number[];
  /** vm_insert_pages(): pages left not inserted (`*num`). */
  left?: number;
}

export const LIVELOCK: CallResult = Object.freeze({ ret: 'livelock' as const });
export const UNSUPPORTED: CallResult = Object.freeze({ ret: 'unsupported' as const });

/**
 * The counts of an outcome that changed none (most calls' pins, many calls' refs): one shared
 * object, frozen since every outcome holds it, so that comparing two of them is one identity test.
 */
const NO_COUNTS: Record<string, number> = Object.freeze({});
const NO_PAGES: string[] = Object.freeze([]) as unknown as string[];

/**
 * The counts objects `sorted` built last, by their keys and values in order. The policies of a
 * replay step the same call one after the other and mostly change the same counts: they share
 * one object (frozen), which costs no build (an object keyed by page names takes a new hidden
 * class transition per name) and compares by identity (compare.ts sameCounts). One memo for
 * refs and one for pins, each remembering a few objects (releases fall into a few classes).
 */
class CountsMemo {
  private readonly keys: string[][] = [];
  private readonly values: number[][] = [];
  private readonly objects: Record<string, number>[] = [];
  private next = 0;

  /** The non-zero counts of `m`, keys in ascending order (what `Object.keys` then lists). */
  sorted(m: Map<string, number> | null): Record<string, number> {
    if (m === null) return NO_COUNTS;
    // A call touches a few pages: their names are put in order by insertion, without the array
    // copy and comparator calls of `sort` (same order: UTF-16 code units, names are distinct).
    const keys: string[] = [];
    for (const k of m.keys()) {
      if (m.get(k) === 0) continue;
      let i = keys.length;
      keys.push(k);
      for (; i > 0 && keys[i - 1]! > k; i--) keys[i] = keys[i - 1]!;
      keys[i] = k;
    }
    if (keys.length === 0) return NO_COUNTS;
    for (let slot = 0; slot < this.objects.length; slot++) {
      const ks = this.keys[slot]!;
      if (ks.length !== keys.length) continue;
      const vs = this.values[slot]!;
      let same = true;
      for (let i = 0; i < keys.length && same; i++) same = keys[i] === ks[i] && m.get(keys[i]!) === vs[i];
      if (same) return this.objects[slot]!;
    }
    const values: number[] = [];
    const out: Record<string, number> = {};
    for (const k of keys) {
      const v = m.get(k)!;
      values.push(v);
      out[k] = v;
    }
    const slot = this.next;
    this.next = (slot + 1) % COUNTS_MEMO_SLOTS;
    this.keys[slot] = keys;
    this.values[slot] = values;
    this.objects[slot] = Object.freeze(out);
    return out;
  }
}
const COUNTS_MEMO_SLOTS = 4;
const refsMemo = new CountsMemo();
const pinsMemo = new CountsMemo();

/**
 * Collapses a block of steps repeated back to back (a retry loop going round) into one copy and
 * a count, so a livelock's why path reads as the loop it is rather than eight copies of it.
 */
export function collapseRepeats(steps: readonly string[]): string[] {
  if (steps.length < 3) return [...steps];
  // Steps equal but for a round counter (`retry #3`) count as the same step; normalise once.
  const norm = steps.some((w) => w.includes('#')) ? steps.map((w) => w.replace(/#\d+/g, '#')) : steps;
  const out: string[] = [];
  let i = 0;
  while (i < steps.length) {
    let bestLen = 0;
    let bestTimes = 1;
    for (let len = 1; len <= 24 && i + 2 * len <= steps.length; len++) {
      let times = 1;
      while (i + (times + 1) * len <= steps.length && sameBlock(norm, i, i + times * len, len)) times++;
      if (times >= 3 && times * len > bestTimes * bestLen) {
        bestLen = len;
        bestTimes = times;
      }
    }
    if (bestLen > 0) {
      for (let k = i; k < i + bestLen; k++) out.push(steps[k]!);
      out.push(`(the ${bestLen === 1 ? 'step' : `${bestLen} steps`} above repeated ${bestTimes} times)`);
      i += bestLen * bestTimes;
    } else {
      out.push(steps[i]!);
      i++;
    }
  }
  return out;
}

function sameBlock(norm: readonly string[], a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (norm[a + k] !== norm[b + k]) return false;
  return true;
}

/** An outcome's decision path as records carry it: repeats collapsed (see `Outcome.why`). */
export function recordWhy(o: Outcome): string[] {
  return collapseRepeats(o.why);
}

export function makeOutcome(st: State, result: CallResult, journal: Journal): Outcome {
  const pfns = result.pfns;
  let warnings = 0;
  for (const w of journal.warn) if (w.startsWith('WARN ')) warnings++;
  const out: Outcome = {
    ret: result.ret,
    pages: pfns === undefined || pfns.length === 0 ? NO_PAGES : pfns.map((p) => st.pageName(p)),
    refs: refsMemo.sorted(journal.refs),
    pins: pinsMemo.sorted(journal.pins),
    lockedVm: st.totalLockedVm() - journal.lockedVmBefore,
    special: journal.special,
    warn: journal.warn,
    warnings,
    // The journal is the call's own: its steps are handed over, not copied.
    why: journal.why,
  };
  const pinnedVm = st.totalPinnedVm() - journal.pinnedVmBefore;
  if (pinnedVm !== 0) out.pinnedVm = pinnedVm;
  if (result.left !== undefined) out.left = result.left;
  return out;
}

export interface FinalChecks {
  /** Refcount not explained by live mappings, per page (non-zero only). */
  leaks: Record<string, number>;
  pinsAcquired: number;
  pinsReleased: number;
  /** locked_vm at the end (it starts at 0). */
  lockedVm: number;
  bugs: number;
  warnings: number;
  badPageMaps: number;
  /** Long-term pins left on ZONE_MOVABLE or CMA pages (the zero page excepted). */
  longtermUnpinnable: number;
}

/**
 * A leak is a refcount that moved by more than the page's live non-special mappings did: held
 * pins, vfio mappings still in place at the end, or a reference taken at insert and never
 * dropped at unmap (the fs-dax case without pte_special).
 */
export function finalChecks(st: State): FinalChecks {
  const live = st.liveMappings();
  const leaks: Record<string, number> = {};
  const folios = [...st.data.folios.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const f of folios) {
    const delta = f.refcount - f.baseRefcount - ((live.get(f.name) ?? 0) - f.baseMappings);
    if (delta !== 0) leaks[f.name] = delta;
  }
  let longtermUnpinnable = 0;
  for (const pfn of st.data.longterm.keys()) {
    const f = st.folioOf(pfn);
    if (!f || f.kind === 'zero') continue;
    if (f.zone === 'Movable' || f.mt === 'CMA') longtermUnpinnable++;
  }
  const c = st.data.counters;
  return {
    leaks,
    pinsAcquired: c.pinsAcquired,
    pinsReleased: c.pinsReleased,
    lockedVm: st.totalLockedVm(),
    bugs: c.bugs,
    warnings: c.warnings,
    badPageMaps: c.badPageMaps,
    longtermUnpinnable,
  };
}
