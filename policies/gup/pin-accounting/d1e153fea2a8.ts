/**
 * pin-accounting d1e153fea2a8 "mm/gup: migrate pinned pages out of movable zone" (v5.13): the
 * grab refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable, and on the
 * hugetlb walk (follow_hugetlb_page()) that refusal is final: WARN, -ENOMEM, no migration.
 *
 * Source read: 6.1.192 mm/gup.c:try_grab_folio():140-146 (FOLL_LONGTERM|FOLL_PIN and
 * !is_longterm_pinnable_page() -> NULL) and mm/hugetlb.c:follow_hugetlb_page():6620-6629
 * (WARN_ON_ONCE(!try_grab_folio(...)) -> -ENOMEM); 5.10.262 mm/hugetlb.c:follow_hugetlb_page()
 * :4983 grabs with try_grab_page() and has no such refusal (pin-accounting 0fa5bc4023c1 there).
 * The refusal ends with the hugetlb walk's removal in v6.6 (pin-accounting
 * retire-follow-hugetlb-page: 6.5.0 still has follow_hugetlb_page(), 6.6.9 has not).
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { grabRefusedOnHugetlbWalk, pinAccounting0fa5bc4023c1 } from './0fa5bc4023c1.ts';
import { tryGrabPageV5_7 } from './3faa52c03f44.ts';
import { tryGrabFolioFastPinnable } from './gup-fast-grab.ts';

/** is_pinnable_page() / is_longterm_pinnable_page() / folio_is_longterm_pinnable(): the test of v5.13 .. v6.5. */
export function pinnable(k: Kernel, st: State, folio: Folio): boolean {
  return k.folioIsLongtermPinnable(k, st, folio);
}

const tryGrabPage = grabRefusedOnHugetlbWalk(pinnable, 'try_grab_folio', tryGrabPageV5_7);

export const pinAccountingD1e153fea2a8: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'd1e153fea2a8',
  commit: 'd1e153fea2a8',
  subject: 'mm/gup: migrate pinned pages out of movable zone',
  release: 'v5.13',
  summary:
    'follow_hugetlb_page() grab: FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (ZONE_MOVABLE, CMA) -> WARN, -ENOMEM (no migration), until v6.5.',
  ops: { ...pinAccounting0fa5bc4023c1.ops, tryGrabPage, tryGrabFolioFast: tryGrabFolioFastPinnable },
};
