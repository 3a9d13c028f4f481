/**
 * pin-accounting 0fa5bc4023c1: "mm/hugetlb: grab head page refcount once for group of subpages"
 * (Joao Martins), first release v5.12, bracketed by sources read: 5.11.0 mm/hugetlb.c:
 * follow_hugetlb_page():4932 grabs with `WARN_ON_ONCE(!try_grab_page(pages[i], flags))`; 5.12.9
 * :4980 with `WARN_ON_ONCE(!try_grab_compound_head(pages[i], ...))` (no release in between). The
 * patch is linked 2021-01-28 and went through akpm for the 5.12 merge window.
 *
 * Kernel functions modelled: follow_hugetlb_page(), the walk __get_user_pages() takes for a
 * hugetlb VMA, grabs with try_grab_compound_head() (the GUP-fast grab) instead of
 * try_grab_page(). Under FOLL_PIN that grab refuses a FOLL_LONGTERM pin of a page in a CMA
 * pageblock (`if (unlikely(flags & FOLL_LONGTERM) && is_migrate_cma_page(page)) return NULL;`,
 * 5.12.9 mm/gup.c:try_grab_compound_head():93-94, 5.10.262 :126-128, the check this commit
 * brought to the hugetlb walk), and follow_hugetlb_page() turns the NULL into WARN_ON_ONCE and
 * -ENOMEM (5.12.9 mm/hugetlb.c:4980-4985): the pin fails before check_and_migrate_cma_pages()
 * ever sees the page. Every other path (grab path `follow-page`) still grabs with
 * try_grab_page(), which has no such check (5.12.9 mm/gup.c:try_grab_page():168).
 *
 * What changed from pin-accounting 3faa52c03f44: a FOLL_PIN|FOLL_LONGTERM grab on the
 * `hugetlb-walk` path of a page the release's fast-path test refuses -> WARN, -ENOMEM. The test
 * is is_migrate_cma_page() here; d1e153fea2a8 (v5.13) makes it !is_pinnable_page(), which adds
 * ZONE_MOVABLE (5.14-rc5 mm/gup.c:127-128). The walk lasts through v6.5 (6.3.8 mm/hugetlb.c:6612,
 * 6.4.4 :6675, 6.5.0 :6695 grab with try_grab_folio()); "mm/gup: retire follow_hugetlb_page()"
 * (Peter Xu, first release v6.6: 6.6.9 has no follow_hugetlb_page()) ends it: pin-accounting
 * retire-follow-hugetlb-page.
 *
 * Release table: v5.12 is a family change point but not in RELEASE_IDS, the default run set,
 * because every corpus trace states a verdict for every default release and none was restated
 * for v5.12; `v5.12` resolves when named (MAINLINE_IDS) and post-0fa5bc4023c1 exists.
 *
 * Source read: 5.11.0 and 5.12.9 (GitHub copies of the release tarballs: CompressionDuck/
 * linux-5.11 before its own mm edits, zhangyinjun/linux-5.12.9 root commit) mm/hugetlb.c:
 * follow_hugetlb_page() and mm/gup.c:try_grab_compound_head(), try_grab_page(); 5.10.262
 * mm/hugetlb.c:follow_hugetlb_page():4983 grabs with try_grab_page() (the state before this
 * commit; the recorded 5.10 kernel pins a ZONE_MOVABLE hugetlb page, migrating it); 6.1.192
 * mm/hugetlb.c:follow_hugetlb_page():6629-6633 and mm/gup.c:try_grab_folio():139-146 (the
 * refusal, seen by the recorded 6.1 kernel as -ENOMEM); 6.12.118 mm/gup.c:try_grab_folio():
 * 146-175 (slow path: no long-term test) and follow_huge_pmd():748.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GrabPath } from '../../../src/model/ops/gup-ops.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { pinAccounting3faa52c03f44, tryGrabPageV5_7 } from './3faa52c03f44.ts';

export const HUGETLB_GRAB_WARN = 'follow_hugetlb_page grab refused';

/** The fast-path test of the grab follow_hugetlb_page() uses: may it pin this page long-term. */
export type FastGrabPinnable = (k: Kernel, st: State, folio: Folio) => boolean;

/**
 * The refusal on the hugetlb walk: -ENOMEM after the WARN, or 0 when the grab may go on.
 * `fn` names the release's grab function in the why path.
 */
export function hugetlbWalkRefusal(
  k: Kernel,
  st: State,
  folio: Folio,
  flags: FollFlags,
  path: GrabPath,
  pinnable: FastGrabPinnable,
  fn: string,
): number {
  if (path !== 'hugetlb-walk' || !flags.has('FOLL_PIN') || !flags.has('FOLL_LONGTERM')) return 0;
  if (pinnable(k, st, folio)) return 0;
  st.warn(HUGETLB_GRAB_WARN);
  st.why(
    `follow_hugetlb_page: ${fn}(${folio.name}) refuses FOLL_LONGTERM|FOLL_PIN (not long-term pinnable) -> WARN_ON_ONCE, -ENOMEM`,
  );
  return err('ENOMEM');
}

/** is_migrate_cma_page(): the v5.12 test. */
function notCma(_k: Kernel, st: State, folio: Folio): boolean {
  return !(st.config.cma && folio.mt === 'CMA');
}

/** A grab that does whatever `grab` does, except where the hugetlb walk refuses first. */
export function grabRefusedOnHugetlbWalk(
  pinnable: FastGrabPinnable,
  fn: string,
  grab: (k: Kernel, st: State, folio: Folio, flags: FollFlags) => number,
): (k: Kernel, st: State, folio: Folio, flags: FollFlags, path: GrabPath) => number {
  return (k, st, folio, flags, path) =>
    hugetlbWalkRefusal(k, st, folio, flags, path, pinnable, fn) || grab(k, st, folio, flags);
}

const tryGrabPage = grabRefusedOnHugetlbWalk(notCma, 'try_grab_compound_head', tryGrabPageV5_7);

export const pinAccounting0fa5bc4023c1: FamilyVersion = {
  family: 'pin-accounting',
  module: import.meta.url,
  id: '0fa5bc4023c1',
  commit: '0fa5bc4023c1',
  subject: 'mm/hugetlb: grab head page refcount once for group of subpages',
  release: 'v5.12',
  summary:
    'follow_hugetlb_page() grabs with try_grab_compound_head(): FOLL_LONGTERM|FOLL_PIN on a CMA page -> WARN, -ENOMEM (no migration).',
  ops: { ...pinAccounting3faa52c03f44.ops, tryGrabPage },
};
