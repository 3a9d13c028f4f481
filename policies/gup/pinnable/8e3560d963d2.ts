/**
 * pinnable 8e3560d963d2 + 9afaf30f7a1a: "mm: honor PF_MEMALLOC_PIN for all movable pages"
 * (introduces is_pinnable_page()) and "mm/gup: do not migrate zero page" (Pavel Tatashin), both
 * first released in v5.13 [INF: mainline merge of 6 May 2021]. Evidence: [S:5.14-rc5]
 * [S:5.17-rc5] facts/pinning.md §1.2-1.3 (pseudocode P513).
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
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
