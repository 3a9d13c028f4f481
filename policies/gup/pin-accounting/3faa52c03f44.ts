/**
 * pin-accounting 3faa52c03f44: "mm/gup: track FOLL_PIN pages" (John Hubbard), first release
 * v5.7 (absent 5.6.4, present 5.7.14), with 47e29d32afba "mm/gup:
 * page->hpage_pinned_refcount: exact pin counts for huge pages" from the same series.
 * Evidence: facts/pinning.md §2.2, §2.3 [S:5.14-rc5][S:5.19][S:6.5].
 *
 * Kernel functions modelled: try_grab_page() for FOLL_PIN: WARN and fail when the refcount is
 * already <= 0 (follow_page_pte() then returns -ENOMEM); a small folio gets
 * GUP_PIN_COUNTING_BIAS (1024) references, a large folio one reference and one _pincount;
 * nr_foll_pin_acquired. unpin_user_page() -> gup_put_folio(FOLL_PIN): the reverse, and
 * nr_foll_pin_released. FOLL_GET is unchanged (+1 after the same check).
 *
 * What changed from pin-accounting eddb1c228f79: a pin is 1024 references on a small page. With
 * refcount 1 the 2^21-th pin still passes the check (the check precedes the add) and wraps the
 * signed 32-bit refcount negative; the next pin WARNs and fails with -ENOMEM.
 * pin_user_pages_unlocked() (v5.8) is treated as present from here.
 *
 * Simplification: every folio of order > 0 uses _pincount (the kernel's threshold for
 * hpage_pincount differs slightly between releases for order-1 folios).
 *
 * The GUP-fast grab becomes try_grab_compound_head(), which under FOLL_PIN refuses a
 * FOLL_LONGTERM page in a CMA pageblock (`if (unlikely(flags & FOLL_LONGTERM) &&
 * is_migrate_cma_page(page)) return NULL;`, 5.7.14 mm/gup.c:95-96) so that the slow path migrates
 * it; v5.6 had no such test (slot tryGrabFolioFast, see gup-fast-grab.ts).
 *
 * Source read: 5.6.4 mm/gup.c has try_get_compound_head() only (no GUP_PIN_COUNTING_BIAS, no CMA
 * test); 5.7.14, 5.8.1, 5.9.1 (GitHub copies of those tarballs) and 5.10.262 mm/gup.c:
 * try_grab_compound_head() and try_grab_page() (GUP_PIN_COUNTING_BIAS, hpage_pincount_add(), the
 * refcount <= 0 WARN), put_compound_head(): first release v5.7, bracketed by 5.6.4 and 5.7.14.
 */
import { err } from '../../../src/model/errno.ts';
import type { CallName } from '../../../src/model/events.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import { type Folio, GUP_PIN_COUNTING_BIAS, type State } from '../../../src/model/state.ts';
import { folioIsLarge, isZeroFolio } from '../../mm-primitives.ts';
import { pinAccountingEddb1c228f79 } from './eddb1c228f79.ts';
import { tryGrabFolioFastCma } from './gup-fast-grab.ts';
import { refcountOverflow } from './none.ts';

function apiSupported(_k: Kernel, _st: State, _name: CallName): boolean {
  return true;
}

/** try_grab_page() of v5.7 .. v6.4. */
export function tryGrabPageV5_7(_k: Kernel, st: State, folio: Folio, flags: FollFlags): number {
  if (flags.has('FOLL_GET')) {
    if (refcountOverflow(st, folio, 'try_get_page')) return err('ENOMEM');
    st.addRef(folio, 1);
    if (isZeroFolio(st, folio)) st.why('FOLL_GET on the zero page: +1');
    return 0;
  }
  if (!flags.has('FOLL_PIN')) return 0;
  if (refcountOverflow(st, folio, 'try_grab_page')) return err('ENOMEM');
  if (folioIsLarge(folio)) {
    st.addRef(folio, 1);
    st.addPincount(folio, 1);
  } else {
    st.addRef(folio, GUP_PIN_COUNTING_BIAS);
  }
  st.pinAcquired();
  if (isZeroFolio(st, folio)) st.why('FOLL_PIN on the zero page: +1024 (GUP_PIN_COUNTING_BIAS)');
  return 0;
}

/** gup_put_folio() of v5.7 .. v6.4. */
export function gupPutFolioV5_7(_k: Kernel, st: State, folio: Folio, refs: number, flags: FollFlags): void {
  if (!flags.has('FOLL_PIN')) {
    st.addRef(folio, -refs);
    return;
  }
  if (folioIsLarge(folio)) {
    st.addRef(folio, -refs);
    st.addPincount(folio, -refs);
  } else {
    st.addRef(folio, -refs * GUP_PIN_COUNTING_BIAS);
  }
  st.pinReleased(refs);
}

export const pinAccounting3faa52c03f44: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: '3faa52c03f44',
  commit: '3faa52c03f44',
  subject: 'mm/gup: track FOLL_PIN pages',
  release: 'v5.7',
  summary:
    'FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to a small page, +1 and _pincount +1 to a large folio; refcount <= 0 -> WARN, -ENOMEM.',
  ops: {
    ...pinAccountingEddb1c228f79.ops,
    apiSupported,
    tryGrabPage: tryGrabPageV5_7,
    tryGrabFolioFast: tryGrabFolioFastCma,
    gupPutFolio: gupPutFolioV5_7,
  },
};
