/**
 * pin-accounting stable-6.1.192: Debian bookworm's 6.1.192, i.e. v6.1 with the 6.1.y backport of
 * c8070b787519 "mm: Don't pin ZERO_PAGE in pin_user_pages()" (mainline v6.5).
 *
 * Source read: 6.1.192 mm/gup.c:try_grab_page(), try_grab_folio() and gup_put_folio() skip the
 * zero page (the backport), while mm/hugetlb.c:follow_hugetlb_page():6629 still grabs with
 * try_grab_folio(), whose FOLL_LONGTERM|FOLL_PIN test (mm/gup.c:140-146) refuses a page that is
 * not long-term pinnable: WARN and -ENOMEM, as pin-accounting d1e153fea2a8. Checked against the
 * real 6.1.192 recordings in traces/real/debian-6.1 (`pinbench fidelity`).
 *
 * This is the composition of mainline v6.5 (pin-accounting c8070b787519, read in 6.5.0: the
 * zero-page exemption with follow_hugetlb_page() still in place), so the ops are the same; the
 * variant stays because the Debian 6.1 composition names it.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pinAccountingC8070b787519 } from './c8070b787519.ts';

export const pinAccountingStable6_1_192: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'stable-6.1.192',
  subject: "mm: Don't pin ZERO_PAGE in pin_user_pages() (6.1.y backport) on v6.1's hugetlb walk",
  release: null,
  summary:
    'The zero page is not pinned (c8070b787519 backport); follow_hugetlb_page() still refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (WARN, -ENOMEM).',
  ops: { ...pinAccountingC8070b787519.ops },
};
