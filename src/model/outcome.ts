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

function sorted(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  // Most calls change no count or one page's: nothing to sort.
  if (m.size <= 1) {
    for (const [k, v] of m) if (v !== 0) out[k] = v;
    return out;
  }
  for (const k of [...m.keys()].sort()) {
    const v = m.get(k)!;
    if (v !== 0) out[k] = v;
  }
  return out;
}

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
    pages: pfns === undefined || pfns.length === 0 ? [] : pfns.map((p) => st.pageName(p)),
    refs: journal.refs ? sorted(journal.refs) : {},
    pins: journal.pins ? sorted(journal.pins) : {},
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
