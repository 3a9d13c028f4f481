/**
 * pinnable 1c563432588d: "mm: fix is_pinnable_page against a cma page" (Minchan Kim), first
 * release v5.19-rc1. Evidence: the diff and its analysis [L], facts/pinning.md §1.3 (P519rc).
 *
 * Kernel function modelled: is_pinnable_page(page): without CONFIG_MIGRATION true; with
 * CONFIG_CMA, a pageblock of migratetype CMA or ISOLATE -> false; then
 * return !(zone == ZONE_MOVABLE || is_zero_pfn(pfn)).
 *
 * What changed from pinnable 8e3560d963d2+9afaf30f7a1a: the CMA test reads the migratetype once
 * and also rejects ISOLATE (a CMA block temporarily isolated by alloc_contig_range()), and it
 * runs first; but the rewrite folds is_zero_pfn() into the negated test, so the zero page
 * becomes NOT pinnable (the bug that hung vfio: the zero page is never on an LRU, isolation
 * fails, __gup_longterm_locked() retries forever). Fixed by 034e5afad921 in v5.19-rc4.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';

/** The CMA/ISOLATE pageblock test every version from v5.19-rc1 opens with. */
export function cmaOrIsolate(st: State, folio: Folio, commit: string): boolean {
  if (!st.config.cma) return false;
  if (folio.mt !== 'CMA' && folio.mt !== 'Isolate') return false;
  st.why(
    `${isZeroFolio(st, folio) ? 'zero pfn' : folio.name}: mt ${folio.mt} -> not longterm pinnable (${commit})`,
  );
  return true;
}

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  if (!st.config.migration) return true;
  if (cmaOrIsolate(st, folio, '1c563432588d')) return false;
  if (isZeroFolio(st, folio)) {
    st.why('zero pfn -> not longterm pinnable (1c563432588d)');
    return false;
  }
  if (folio.zone === 'Movable') {
    st.why(`${folio.name}: ZONE_MOVABLE -> not longterm pinnable`);
    return false;
  }
  return true;
}

export const pinnable1c563432588d: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: '1c563432588d',
  commit: '1c563432588d',
  subject: 'mm: fix is_pinnable_page against a cma page',
  release: 'v5.19-rc1',
  summary: 'CMA and ISOLATE pageblocks tested first; the zero page becomes NOT pinnable (bug).',
  ops: { folioIsLongtermPinnable },
};
