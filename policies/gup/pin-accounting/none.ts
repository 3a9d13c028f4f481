/**
 * pin-accounting none: v5.4 has no FOLL_PIN. Every GUP reference is a FOLL_GET (+1 on the
 * page, on the compound head for a large folio), dropped by put_page(); pin_user_pages*() and
 * unpin_user_page*() do not exist, so those calls are 'unsupported'.
 *
 * Commit: none (models the absence; FOLL_PIN arrives with eddb1c228f79 in v5.6). First release:
 * v5.4. Evidence: [S:5.4] facts/pinning.md §2.2 and §4.
 *
 * Kernel functions modelled: try_get_page() as called from follow_page_pte() for FOLL_GET:
 * WARN_ON_ONCE(page_ref_count(page) <= 0) -> the page is not taken, follow_page_pte() returns
 * -ENOMEM (the refcount overflow guard of the 2019 CVE fix; the check precedes the add, so a
 * refcount that wrapped negative is refused, the last add that wraps it is not);
 * put_page() for gup_put_folio().
 *
 * The WARN kind is `try_grab_page refcount overflow` in every version, so that the same check
 * firing in different releases compares as the same event (try_get_page() became
 * try_grab_page() in v5.7).
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
import { tryGrabFolioFastV5_4 } from './gup-fast-grab.ts';

export const OVERFLOW_WARN = 'try_grab_page refcount overflow';

/** The check every version makes before adding to _refcount. */
export function refcountOverflow(st: State, folio: Folio, fn: string): boolean {
  if (folio.refcount > 0) return false;
  st.warn(OVERFLOW_WARN);
  st.why(`${fn}: ${folio.name} refcount ${folio.refcount} <= 0 -> WARN, -ENOMEM`);
  return true;
}

function apiSupported(_k: Kernel, _st: State, name: CallName): boolean {
  return !name.startsWith('pin_') && !name.startsWith('unpin_');
}

function tryGrabPage(_k: Kernel, st: State, folio: Folio, flags: FollFlags): number {
  if (!flags.has('FOLL_GET') && !flags.has('FOLL_PIN')) return 0;
  if (refcountOverflow(st, folio, 'try_get_page')) return err('ENOMEM');
  st.addRef(folio, 1);
  if (isZeroFolio(st, folio)) st.why('FOLL_GET on the zero page: +1');
  return 0;
}

function gupPutFolio(_k: Kernel, st: State, folio: Folio, refs: number): void {
  st.addRef(folio, -refs);
}

// gupPutFolio's flags: read-only, so one set serves every call.
const FOLL_GET_ONLY: FollFlags = FollFlags.of('FOLL_GET');

/** No unpin_user_page() in v5.4: only reached from compositions that add the API elsewhere. */
function unpinUserPage(k: Kernel, st: State, pfn: number, makeDirty: boolean): void {
  const folio = st.folioOf(pfn);
  if (!folio) return;
  if (makeDirty) addFlag(folio, 'dirty');
  k.gupPutFolio(k, st, folio, 1, FOLL_GET_ONLY);
}

export const pinAccountingNone: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: 'none',
  subject: 'no FOLL_PIN: GUP references are FOLL_GET (+1)',
  release: 'v5.4',
  summary: 'No pin_user_pages*()/unpin_user_page*(); FOLL_GET takes +1 after the refcount <= 0 WARN check.',
  ops: { apiSupported, tryGrabPage, tryGrabFolioFast: tryGrabFolioFastV5_4, gupPutFolio, unpinUserPage },
};
