/**
 * pin-accounting d1e153fea2a8: "mm/gup: migrate pinned pages out of movable zone" (Pavel
 * Tatashin), first release v5.13 (the same commit as longterm-migrate d1e153fea2a8). The fast
 * grab's long-term test becomes !is_pinnable_page() [INF: the change to try_grab_compound_head()
 * is inferred from the 6.1.192 source, where try_grab_folio() tests
 * !is_longterm_pinnable_page(); v5.13 itself not read].
 *
 * Kernel functions modelled: follow_hugetlb_page()'s grab (try_grab_compound_head(), then
 * try_grab_folio() from the folio conversion) refuses FOLL_LONGTERM|FOLL_PIN on a page that is
 * not long-term pinnable (k.isLongtermPinnable, family pinnable: ZONE_MOVABLE or CMA, the zero
 * pfn exempt), WARN_ON_ONCE and -ENOMEM, so a hugetlb page in ZONE_MOVABLE (movablecore=) is
 * never migrated: pin_user_pages(FOLL_LONGTERM) fails with -ENOMEM. Source: 6.1.192
 * mm/gup.c:try_grab_folio():139-146 (`if (unlikely((flags & FOLL_LONGTERM) &&
 * !is_longterm_pinnable_page(page))) return NULL;`, "Can't do FOLL_LONGTERM + FOLL_PIN gup fast
 * path if not in a right zone") and mm/hugetlb.c:follow_hugetlb_page():6629-6633
 * (`WARN_ON_ONCE(!try_grab_folio(...))` -> `err = -ENOMEM`).
 *
 * What changed from pin-accounting 0fa5bc4023c1: the test is the pinnable family's predicate
 * (ZONE_MOVABLE as well as CMA). In force until v6.4: from v6.5 the hugetlb walk is gone (see
 * 0fa5bc4023c1's header) and pin-accounting c8070b787519 has no refusal; 6.12.118's slow-path
 * try_grab_folio() (mm/gup.c:146-175) has no long-term test, only try_grab_folio_fast() does.
 */
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GrabPath } from '../../../src/model/ops/gup-ops.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { hugetlbWalkRefusal, pinAccounting0fa5bc4023c1 } from './0fa5bc4023c1.ts';
import { tryGrabPageV5_7 } from './3faa52c03f44.ts';

/** is_pinnable_page() / is_longterm_pinnable_page(): the v5.13 .. v6.4 test. */
export function pinnable(k: Kernel, st: State, folio: Folio): boolean {
  return k.isLongtermPinnable(k, st, folio);
}

function tryGrabPage(
  k: Kernel,
  st: State,
  folio: Folio,
  flags: ReadonlySet<FollFlag>,
  path: GrabPath,
): number {
  const e = hugetlbWalkRefusal(k, st, folio, flags, path, pinnable, 'try_grab_folio');
  return e || tryGrabPageV5_7(k, st, folio, flags);
}

export const pinAccountingD1e153fea2a8: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'd1e153fea2a8',
  commit: 'd1e153fea2a8',
  subject: 'mm/gup: migrate pinned pages out of movable zone',
  release: 'v5.13',
  summary:
    'follow_hugetlb_page() grab: FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (ZONE_MOVABLE, CMA) -> WARN, -ENOMEM (no migration), until v6.4.',
  ops: { ...pinAccounting0fa5bc4023c1.ops, tryGrabPage },
};
