/**
 * pin-accounting c8070b787519: "mm: Don't pin ZERO_PAGE in pin_user_pages()" (David Howells),
 * first release v6.5 [W][S:6.5 present, S:6.4.6 absent]. Evidence: facts/pinning.md §3.
 *
 * Kernel functions modelled: try_grab_page() (and try_grab_folio() on the fast path): refcount
 * <= 0 -> WARN, -ENOMEM; FOLL_GET +1 as before, also on the zero page; FOLL_PIN of a zero page
 * (is_zero_page()) returns success with no refcount, pincount or counter change ("we only
 * pretend to pin a zero page"); gup_put_folio(): FOLL_PIN of a zero folio returns at once.
 * unpin_user_pages_dirty_lock() still marks the zero folio dirty before the no-op put.
 *
 * What changed from pin-accounting d1e153fea2a8: pinning the zero page no longer moves its
 * refcount (so repeated pins can no longer overflow it) and is not counted in
 * nr_foll_pin_acquired/released. The hugetlb walk keeps refusing a FOLL_LONGTERM|FOLL_PIN grab
 * of a page that is not long-term pinnable (WARN, -ENOMEM): v6.5 still walks hugetlb VMAs with
 * follow_hugetlb_page(). Until the 2026-12 reading this version built on 3faa52c03f44 and so
 * dropped that refusal one release early (the walk was taken to be retired in v6.5); its
 * retirement is pin-accounting retire-follow-hugetlb-page (v6.6).
 *
 * First release v6.5, bracketed by sources read: 6.4.4 mm/gup.c:try_grab_page() has no zero-page
 * test; 6.5.0 has it.
 *
 * Source read: 6.5.0 (a GitHub copy of the v6.5 tarball, sndrzt/linux-6.5 root commit)
 * mm/gup.c:try_grab_folio():126-175 (FOLL_PIN: `if (is_zero_page(page)) return page_folio(page);`
 * at :145, then `if (unlikely((flags & FOLL_LONGTERM) && !folio_is_longterm_pinnable(folio)))`
 * :157-158 -> NULL), try_grab_page() (:242 is_zero_page), gup_put_folio() (:55), and
 * __get_user_pages():1233-1236 (`if (is_vm_hugetlb_page(vma)) i = follow_hugetlb_page(...)`),
 * mm/hugetlb.c:follow_hugetlb_page():6695 (`if (WARN_ON_ONCE(!try_grab_folio(pages[i], refs,
 * flags)))` ... `err = -ENOMEM;`). 6.1.192 carries the zero-page part as a backport (the variant
 * stable-6.1.192); 6.12.118 try_grab_folio() `if (is_zero_folio(folio)) return 0;` under
 * FOLL_PIN.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { grabRefusedOnHugetlbWalk } from './0fa5bc4023c1.ts';
import { gupPutFolioV5_7, tryGrabPageV5_7 } from './3faa52c03f44.ts';
import { pinAccountingD1e153fea2a8, pinnable } from './d1e153fea2a8.ts';
import { refcountOverflow } from './none.ts';

export function tryGrabPageZeroExempt(k: Kernel, st: State, folio: Folio, flags: FollFlags): number {
  if (flags.has('FOLL_PIN') && isZeroFolio(st, folio)) {
    // The overflow check still comes first.
    if (refcountOverflow(st, folio, 'try_grab_page')) return err('ENOMEM');
    st.why('FOLL_PIN on the zero page: pretend pin, refcount untouched (c8070b787519)');
    return 0;
  }
  return tryGrabPageV5_7(k, st, folio, flags);
}

function gupPutFolio(k: Kernel, st: State, folio: Folio, refs: number, flags: FollFlags): void {
  if (flags.has('FOLL_PIN') && isZeroFolio(st, folio)) {
    st.why('unpin of the zero page: no-op (c8070b787519)');
    return;
  }
  gupPutFolioV5_7(k, st, folio, refs, flags);
}

/** v6.5's grab: the hugetlb walk's refusal, then the zero-page exemption. */
const tryGrabPage = grabRefusedOnHugetlbWalk(pinnable, 'try_grab_folio', tryGrabPageZeroExempt);

export const pinAccountingC8070b787519: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'c8070b787519',
  commit: 'c8070b787519',
  subject: "mm: Don't pin ZERO_PAGE in pin_user_pages()",
  release: 'v6.5',
  summary:
    'FOLL_PIN and unpin leave the zero page alone (no refcount, no pin counters); the hugetlb walk still refuses FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable.',
  ops: { ...pinAccountingD1e153fea2a8.ops, tryGrabPage, gupPutFolio },
};
