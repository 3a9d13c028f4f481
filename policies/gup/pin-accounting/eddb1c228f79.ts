/**
 * pin-accounting eddb1c228f79: "mm/gup: introduce pin_user_pages*() and FOLL_PIN" (John
 * Hubbard), first release v5.6, with "mm, tree-wide: rename put_user_page*() to
 * unpin_user_page*()" from the same series. Evidence: [S:5.6] facts/pinning.md §2.2 ("in 5.6
 * pin_user_pages_remote is a placeholder ... FOLL_GET semantics, +1; unpin_user_page ==
 * put_page").
 *
 * What changed from pin-accounting none: pin_user_pages(), _fast(), _remote() and
 * unpin_user_page(), unpin_user_pages(), unpin_user_pages_dirty_lock() exist; a FOLL_PIN
 * reference is still a plain reference (+1, __get_user_pages_locked() adds FOLL_GET whenever
 * pages[] is passed) and unpinning is put_page() (-1). Pins are counted logically (acquired and
 * released) so the pins-balanced check means the same in every release, although v5.6 has no
 * nr_foll_pin_* counters. pin_user_pages_unlocked() does not exist yet (v5.8).
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { CallName } from '../../../src/model/events.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { addFlag, isZeroFolio } from '../../mm-primitives.ts';
import { pinAccountingNone, refcountOverflow } from './none.ts';

function apiSupported(_k: Kernel, _st: State, name: CallName): boolean {
  return name !== 'pin_user_pages_unlocked';
}

function tryGrabPage(_k: Kernel, st: State, folio: Folio, flags: FollFlags): number {
  const pin = flags.has('FOLL_PIN');
  if (!pin && !flags.has('FOLL_GET')) return 0;
  if (refcountOverflow(st, folio, 'try_get_page')) return err('ENOMEM');
  st.addRef(folio, 1);
  if (pin) st.pinAcquired();
  if (isZeroFolio(st, folio))
    st.why(`${pin ? 'FOLL_PIN (= FOLL_GET in v5.6)' : 'FOLL_GET'} on the zero page: +1`);
  return 0;
}

function gupPutFolio(_k: Kernel, st: State, folio: Folio, refs: number, flags: FollFlags): void {
  st.addRef(folio, -refs);
  if (flags.has('FOLL_PIN')) st.pinReleased(refs);
}

// gupPutFolio's flags: read-only, so one set serves every call.
const FOLL_PIN_ONLY: FollFlags = FollFlags.of('FOLL_PIN');

/** unpin_user_page() is put_page(); the dirty_lock variant sets the page dirty first. */
export function unpinUserPageCommon(k: Kernel, st: State, pfn: number, makeDirty: boolean): void {
  const folio = st.folioOf(pfn);
  if (!folio) {
    st.why(`unpin of undeclared pfn ${pfn}: ignored`);
    return;
  }
  if (makeDirty) addFlag(folio, 'dirty');
  k.gupPutFolio(k, st, folio, 1, FOLL_PIN_ONLY);
}

export const pinAccountingEddb1c228f79: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'eddb1c228f79',
  commit: 'eddb1c228f79',
  subject: 'mm/gup: introduce pin_user_pages*() and FOLL_PIN',
  release: 'v5.6',
  summary:
    'pin_user_pages*() and unpin_user_page*() exist; a pin is a plain reference (+1), unpin is put_page().',
  ops: {
    ...pinAccountingNone.ops,
    apiSupported,
    tryGrabPage,
    gupPutFolio,
    unpinUserPage: unpinUserPageCommon,
  },
};
