/**
 * The grab on the GUP-fast path (slot tryGrabFolioFast): try_get_compound_head() (v5.4, v5.6),
 * try_grab_compound_head() (v5.7 .. v5.19), try_grab_folio() (v6.0 .. v6.5),
 * try_grab_folio_fast() (6.12, 7.2). A refusal is not an error there: GUP-fast stops and the slow
 * path takes the rest of the range.
 *
 * Per era (the test under FOLL_PIN|FOLL_LONGTERM; FOLL_GET grabs are never refused for it):
 * - v5.4, v5.6: none. 5.4.0 mm/gup.c:gup_pte_range():1811-1860 refuses FOLL_LONGTERM only on a
 *   devmap PTE (`if (pte_devmap(pte)) { if (unlikely(flags & FOLL_LONGTERM)) goto pte_unmap;`,
 *   :1833-1835; the model's walk stops at devmap entries in every release) and grabs every other
 *   page with try_get_compound_head(page, 1) (:1847); 5.6.4 the same (:1897, :1911), FOLL_PIN
 *   included. So a CMA page pinned by GUP-fast stays in CMA (check_and_migrate_cma_pages() sees
 *   only the slow path's pages). Until the 2026-12 reading the model sent every FOLL_LONGTERM page
 *   to the slow path in v5.4 .. v5.12 (the v5.7 CMA test below was in the model but overridden);
 * - v5.7 .. v5.12: is_migrate_cma_page() under FOLL_PIN, brought by 3faa52c03f44 with
 *   try_grab_compound_head() (5.7.14 mm/gup.c:95-96, 5.10.262 :126-128, 5.12.9 :93-94);
 *   a FOLL_GET|FOLL_LONGTERM grab (get_user_pages_fast()) has no test (:118), so the page is
 *   pinned by GUP-fast and never reaches check_and_migrate_cma_pages();
 * - v5.13+: not long-term pinnable (k.folioIsLongtermPinnable): 6.1.192 mm/gup.c:try_grab_folio():
 *   144-146, 6.12.118 try_grab_folio_fast():562-567 (after taking the reference, which it puts
 *   back), 7.2.13 the same function;
 * The refcount test: try_get_compound_head()/try_get_folio() fail on a page whose refcount is 0
 * (page_cache_add_speculative / folio_ref_try_add_rcu); the model also leaves a negative refcount
 * to the slow path, whose try_grab_page() WARNs (the fast path's own WARN_ON_ONCE is not counted).
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import type { FastGrabPinnable } from './0fa5bc4023c1.ts';

export type TryGrabFolioFast = (k: Kernel, st: State, folio: Folio, flags: FollFlags) => boolean;

/** A fast grab refusing FOLL_PIN|FOLL_LONGTERM where `pinnable` says no, else the ordinary grab. */
export function fastGrabWith(pinnable: FastGrabPinnable, fn: string): TryGrabFolioFast {
  return (k, st, folio, flags) => {
    if (folio.refcount <= 0) {
      st.why(`GUP-fast: ${fn}(${folio.name}): refcount ${folio.refcount} -> fall back to the slow path`);
      return false;
    }
    if (flags.has('FOLL_PIN') && flags.has('FOLL_LONGTERM') && !pinnable(k, st, folio)) {
      st.why(`GUP-fast: ${fn}(${folio.name}) refuses FOLL_LONGTERM|FOLL_PIN -> fall back to the slow path`);
      return false;
    }
    return k.tryGrabPage(k, st, folio, flags, 'gup-fast') === 0;
  };
}

/** v5.4, v5.6: try_get_compound_head() has no long-term test; only a dead page is refused. */
export const tryGrabFolioFastV5_4: TryGrabFolioFast = (k, st, folio, flags) => {
  if (folio.refcount <= 0) {
    st.why(
      `GUP-fast: try_get_compound_head(${folio.name}): refcount ${folio.refcount} -> fall back to the slow path`,
    );
    return false;
  }
  return k.tryGrabPage(k, st, folio, flags, 'gup-fast') === 0;
};

/** is_migrate_cma_page() as the v5.6 .. v5.12 fast grab tests it. */
export function notCma(_k: Kernel, st: State, folio: Folio): boolean {
  return !(st.config.cma && folio.mt === 'CMA');
}

export const tryGrabFolioFastCma = fastGrabWith(notCma, 'try_grab_compound_head');
export const tryGrabFolioFastPinnable = fastGrabWith(
  (k, st, folio) => k.folioIsLongtermPinnable(k, st, folio),
  'try_grab_folio',
);
