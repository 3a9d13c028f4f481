/**
 * pin-accounting @ "mm/gup: retire follow_hugetlb_page()" (Peter Xu, series "mm/gup: Unify
 * hugetlb, speed up thp", v3 reviewed 2023-06-26 on linux-mm). No mainline commit id verified:
 * the ids seen in the code corpus are mm-unstable rebases (43ae8af51af4, c5276804fcb6,
 * 60c9fa82939f, af9e78915070, ...), so this version names no commit and derives no pre-/post-
 * alias.
 *
 * First release v6.6, bracketed by sources read: 6.5.0 mm/gup.c:__get_user_pages():1233-1236
 * still sends a hugetlb VMA to mm/hugetlb.c:follow_hugetlb_page(), whose
 * `WARN_ON_ONCE(!try_grab_folio(pages[i], refs, flags))` (:6695) fails a FOLL_LONGTERM|FOLL_PIN grab of
 * a page that is not long-term pinnable (mm/gup.c:try_grab_folio():157-158) with -ENOMEM;
 * 6.6.9 (a GitHub copy of the 6.6.9 tarball, mihaelbh/adding-new-sched-policy-to-linux-6.6.9 at
 * its "adding linux-6.6.9 source code" commit) has no follow_hugetlb_page(): hugetlb VMAs go
 * through follow_page_mask() -> mm/hugetlb.c:hugetlb_follow_page_mask():6495, which grabs with
 * try_grab_page() (:6541; mm/gup.c:try_grab_page():225, no long-term test), so the page reaches
 * check_and_migrate_movable_pages() and is migrated like any other. 6.8.0, 6.9.0, 6.11.11 and
 * 6.12.118 agree (no follow_hugetlb_page()).
 *
 * What changed from pin-accounting c8070b787519: the hugetlb walk's refusal is gone; every
 * slow-path grab is try_grab_page()'s (zero page exempt under FOLL_PIN).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pinAccountingC8070b787519, tryGrabPageZeroExempt } from './c8070b787519.ts';

export const pinAccountingRetireFollowHugetlbPage: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'retire-follow-hugetlb-page',
  subject: 'mm/gup: retire follow_hugetlb_page()',
  release: 'v6.6',
  summary:
    'No follow_hugetlb_page(): a hugetlb page is grabbed by try_grab_page() and migrated like any other.',
  ops: { ...pinAccountingC8070b787519.ops, tryGrabPage: tryGrabPageZeroExempt },
};
