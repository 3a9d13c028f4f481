/**
 * pinnable none: before v5.13 there is no is_pinnable_page(). The only page FOLL_LONGTERM treats
 * specially is one in a CMA pageblock: check_and_migrate_cma_pages() tests
 * is_migrate_cma_page(head) and migrates it; ZONE_MOVABLE pages (and the zero page wherever it
 * lives) are pinned in place.
 *
 * Commit: none (models the absence of the predicate). First release: v5.4. Evidence: [S:5.4]
 * [S:5.6] facts/pinning.md §1.2 ("<= v5.12: FOLL_LONGTERM only special-cases CMA pages").
 *
 * Kernel function modelled: the is_migrate_cma_page() test inside check_and_migrate_cma_pages()
 * (compiled only with CONFIG_CMA), expressed as "long-term pinnable unless in a CMA pageblock",
 * so the CMA-only migration of longterm-migrate v5.4 reaches it through k.folioIsLongtermPinnable
 * and a policy that overrides the predicate changes that path too. An ISOLATE pageblock is not
 * CMA here: pinned in place (Minchan's bug, fixed by 1c563432588d).
 *
 * Source read: 5.10.262 include/linux/mm.h and mm/gup.c have no pinnability predicate (no
 * is_pinnable_page()); check_and_migrate_cma_pages() tests only is_migrate_cma_page().
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  if (st.config.cma && folio.mt === 'CMA') {
    st.why(`${folio.name}: is_migrate_cma_page -> migrate before the long-term pin`);
    return false;
  }
  return true;
}

export const pinnableNone: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: 'none',
  subject: 'no is_pinnable_page(): only CMA pages are special for FOLL_LONGTERM',
  release: 'v5.4',
  summary:
    'No long-term pinnability predicate; check_and_migrate_cma_pages() tests is_migrate_cma_page() only.',
  ops: { folioIsLongtermPinnable },
};
