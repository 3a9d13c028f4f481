/**
 * pin-accounting stable-6.1.192: Debian bookworm's 6.1.192, where the backport of c8070b787519
 * ("mm: Don't pin ZERO_PAGE in pin_user_pages()", mainline v6.5) meets v6.1's hugetlb walk. Never
 * a mainline state (release null): only the stable id v6.1.192 uses it.
 *
 * Kernel functions modelled (6.1.192, read): mm/gup.c:try_grab_folio():133-146 skips the zero
 * page (`if (is_zero_page(page)) return page_folio(page);`) before the long-term test
 * (`if (unlikely((flags & FOLL_LONGTERM) && !is_longterm_pinnable_page(page))) return NULL;`);
 * mm/hugetlb.c:follow_hugetlb_page():6629-6633 turns that NULL into WARN_ON_ONCE and -ENOMEM;
 * try_grab_page() and gup_put_folio() skip the zero page (c8070b787519).
 *
 * What changed from pin-accounting d1e153fea2a8 (v6.1's): FOLL_PIN of the zero page is a pretend
 * pin. From c8070b787519 (v6.5): the hugetlb walk still refuses a page that is not long-term
 * pinnable.
 */
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GrabPath } from '../../../src/model/ops/gup-ops.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { hugetlbWalkRefusal } from './0fa5bc4023c1.ts';
import { pinAccountingC8070b787519, tryGrabPageZeroExempt } from './c8070b787519.ts';
import { pinnable } from './d1e153fea2a8.ts';

function tryGrabPage(
  k: Kernel,
  st: State,
  folio: Folio,
  flags: ReadonlySet<FollFlag>,
  path: GrabPath,
): number {
  const e = hugetlbWalkRefusal(k, st, folio, flags, path, pinnable, 'try_grab_folio');
  return e || tryGrabPageZeroExempt(k, st, folio, flags);
}

export const pinAccountingStable6_1_192: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'stable-6.1.192',
  subject: "mm: Don't pin ZERO_PAGE in pin_user_pages() (6.1.y backport) on v6.1's hugetlb walk",
  release: null,
  summary:
    'The zero page is not pinned (c8070b787519 backport); follow_hugetlb_page() still refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable (WARN, -ENOMEM).',
  ops: { ...pinAccountingC8070b787519.ops, tryGrabPage },
};
