/**
 * pinnable 8e3560d963d2 + 9afaf30f7a1a: "mm: honor PF_MEMALLOC_PIN for all movable pages"
 * (introduces is_pinnable_page()) and "mm/gup: do not migrate zero page" (Pavel Tatashin), both
 * first released in v5.13: the full ids 8e3560d963d22ba41857f48e4114ce80373144ea and
 * 9afaf30f7a1aab2022961715a66f644275b8daec (with d1e153fea2a8) are in a kernel.org post-receive
 * revlist of v5.13-merge-window commits (after "Merge branch 'akpm' (patches from Andrew)",
 * among 5.13-rc1 merges; jejb/scsi scsi-misc, 2021-07-02, read in the code corpus).
 * Evidence: [S:5.14-rc5] [S:5.17-rc5] facts/pinning.md §1.2-1.3 (pseudocode P513).
 *
 * Kernel function modelled: is_pinnable_page(page): without CONFIG_MIGRATION always true;
 * otherwise not pinnable when in ZONE_MOVABLE or (CONFIG_CMA) in a CMA pageblock — unless it is
 * the zero pfn, which 9afaf30f7a1a exempts ("bad" is computed first, the zero test ORed after,
 * so the zero page is pinnable even in a CMA pageblock or ZONE_MOVABLE).
 *
 * What changed from pinnable none: ZONE_MOVABLE pages are no longer long-term pinnable (they are
 * migrated by d1e153fea2a8's check_and_migrate_movable_pages()); the zero page always is. An
 * ISOLATE pageblock is still not rejected.
 *
 * Source read: 5.12.9 (a GitHub copy of that tarball) include/linux/mm.h has no
 * is_pinnable_page() and mm/page_alloc.c no PF_MEMALLOC_PIN; 5.14-rc5 include/linux/mm.h:
 * is_pinnable_page():1563-1567 `return !(is_zone_movable_page(page) || is_migrate_cma_page(page))
 * || is_zero_pfn(page_to_pfn(page));` (and `return true;` without CONFIG_MIGRATION, :1569-1572),
 * exactly this version; 5.15.55 and 5.17-rc5 (:1590-1594) the same. v5.13 itself was not read (no
 * source for it was found): the revlist above places the commits in its merge window.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  if (!st.config.migration) return true;
  const movable = folio.zone === 'Movable';
  const cma = st.config.cma && folio.mt === 'CMA';
  if (!movable && !cma) return true;
  if (isZeroFolio(st, folio)) {
    st.why(`zero pfn in ${movable ? 'ZONE_MOVABLE' : 'a CMA pageblock'} -> pinnable anyway (9afaf30f7a1a)`);
    return true;
  }
  st.why(`${folio.name}: ${movable ? 'ZONE_MOVABLE' : 'mt CMA'} -> not longterm pinnable (8e3560d963d2)`);
  return false;
}

export const pinnable8e3560d963d2: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: '8e3560d963d2+9afaf30f7a1a',
  commit: '8e3560d963d2',
  subject: 'mm: honor PF_MEMALLOC_PIN for all movable pages; mm/gup: do not migrate zero page',
  release: 'v5.13',
  summary: 'is_pinnable_page(): ZONE_MOVABLE and CMA pages are not long-term pinnable, except the zero pfn.',
  ops: { folioIsLongtermPinnable },
};
