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
 * What changed from pin-accounting 3faa52c03f44: pinning the zero page no longer moves its
 * refcount (so repeated pins can no longer overflow it) and is not counted in
 * nr_foll_pin_acquired/released.
 *
 * Source read: 6.1.192 mm/gup.c:try_grab_page(), try_grab_folio() and gup_put_folio() carry it
 * (backported to 6.1.y: the stable id v6.1.192); 6.12.118 try_grab_folio() `if
 * (is_zero_folio(folio)) return 0;` under FOLL_PIN. 6.5 itself not read.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { gupPutFolioV5_7, pinAccounting3faa52c03f44, tryGrabPageV5_7 } from './3faa52c03f44.ts';
import { tryGrabFolioFastPinnable } from './gup-fast-grab.ts';
import { refcountOverflow } from './none.ts';

export function tryGrabPageZeroExempt(
  k: Kernel,
  st: State,
  folio: Folio,
  flags: ReadonlySet<FollFlag>,
): number {
  if (flags.has('FOLL_PIN') && isZeroFolio(st, folio)) {
    // The overflow check still comes first.
    if (refcountOverflow(st, folio, 'try_grab_page')) return err('ENOMEM');
    st.why('FOLL_PIN on the zero page: pretend pin, refcount untouched (c8070b787519)');
    return 0;
  }
  return tryGrabPageV5_7(k, st, folio, flags);
}

function gupPutFolio(k: Kernel, st: State, folio: Folio, refs: number, flags: ReadonlySet<FollFlag>): void {
  if (flags.has('FOLL_PIN') && isZeroFolio(st, folio)) {
    st.why('unpin of the zero page: no-op (c8070b787519)');
    return;
  }
  gupPutFolioV5_7(k, st, folio, refs, flags);
}

export const pinAccountingC8070b787519: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'c8070b787519',
  commit: 'c8070b787519',
  subject: "mm: Don't pin ZERO_PAGE in pin_user_pages()",
  release: 'v6.5',
  summary: 'FOLL_PIN and unpin leave the zero page alone (no refcount, no pin counters).',
  ops: {
    ...pinAccounting3faa52c03f44.ops,
    tryGrabPage: tryGrabPageZeroExempt,
    tryGrabFolioFast: tryGrabFolioFastPinnable,
    gupPutFolio,
  },
};
