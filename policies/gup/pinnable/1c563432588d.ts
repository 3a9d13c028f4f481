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
 * Source read: no release carries this version alone (v5.19-rc1 .. -rc3 were not read; no source
 * for them was found). Bracketed by 5.17-rc5 include/linux/mm.h:is_pinnable_page():1590-1594 (the
 * 8e3560d963d2 form) and 5.19.0 :1599-1608 (the 034e5afad921 form, which keeps this version's
 * CMA/ISOLATE test: `int mt = get_pageblock_migratetype(page); if (mt == MIGRATE_CMA || mt ==
 * MIGRATE_ISOLATE) return false;`). The negated zero test is the patch's [L]. v5.18 was not read
 * either; it is taken to be 5.17-rc5's form (no change to the function is known in between).
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
