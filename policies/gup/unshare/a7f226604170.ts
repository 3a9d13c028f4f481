/**
 * unshare a7f226604170: "mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared
 * anonymous page" (David Hildenbrand), first release v5.19 [INF: absent 5.17-rc5, present 5.19].
 * Evidence: facts/pinning.md §1.5 ("v5.19 .. v6.1: same but not anon => false" [S:5.19][S:6.1-rc7]).
 *
 * Kernel function modelled: gup_must_unshare(flags, page): only R/O pins ((flags &
 * (FOLL_WRITE|FOLL_PIN)) == FOLL_PIN); a non-anon page (the zero page, page cache) never;
 * an anon page unless it is PageAnonExclusive (folio flag `exclusive`). follow_page_pte() asks
 * only for R/O entries, so a writable PTE never unshares.
 *
 * What changed from unshare none: R/O pins of possibly shared anon pages fault with
 * FAULT_FLAG_UNSHARE first and pin the resulting exclusive page.
 *
 * Release ids using it: v5.19 .. v6.1. Source read (2026-12), 6.1.192
 * include/linux/mm.h:gup_must_unshare():3189, branch by branch: (flags & (FOLL_WRITE|FOLL_PIN))
 * != FOLL_PIN -> false (3196); !PageAnon -> false (3202: the zero page and page cache are never
 * unshared); a tail page of a hugetlb page is looked up by its head (3216); then
 * !PageAnonExclusive (3223). Callers ask only for entries that are not writable:
 * mm/gup.c:follow_page_pte():635 (`!pte_write(pte) && ...` -> -EMLINK), the GUP-fast paths
 * (2499, 2685, 2751, 2791), mm/huge_memory.c:1475 (PMD), and mm/hugetlb.c:6467, where
 * __follow_hugetlb_must_fault() asks after `huge_pte_write -> no fault` and `FOLL_WRITE -> fault`.
 * Also read: 5.19.0 (a GitHub copy of that tarball) include/linux/mm.h:gup_must_unshare():3033:
 * the FOLL_PIN-without-FOLL_WRITE test, `!PageAnon -> false`, then !PageAnonExclusive (no hugetlb
 * tail lookup yet); 6.0-rc1 :2979 the same; 5.17-rc5 has no gup_must_unshare(). v5.19-rc1 ..
 * -rc4, v6.0-rc3 .. v6.0 were not read.
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State, Vma } from '../../../src/model/state.ts';
import { folioIsAnon, isZeroFolio, vmaHas } from '../../mm-primitives.ts';

/** The R/O-pin test both versions open with. */
export function isRoPin(flags: FollFlags): boolean {
  return flags.has('FOLL_PIN') && !flags.has('FOLL_WRITE');
}

/** The anon half: a possibly shared anon page must be unshared. */
export function anonMustUnshare(st: State, folio: Folio): boolean {
  if (folio.flags.includes('exclusive')) return false;
  st.why(`${folio.name}: anon page not PageAnonExclusive -> must unshare (a7f226604170)`);
  return true;
}

/** PageAnon(): anon and THP folios, and hugetlb folios of private mappings. */
export function pageIsAnon(st: State, vma: Vma, folio: Folio): boolean {
  if (isZeroFolio(st, folio)) return false;
  if (folio.kind === 'hugetlb') return !vmaHas(vma, 'VM_SHARED');
  return folioIsAnon(folio);
}

function gupMustUnshare(_k: Kernel, st: State, vma: Vma, flags: FollFlags, folio: Folio): boolean {
  if (!isRoPin(flags)) return false;
  if (!pageIsAnon(st, vma, folio)) return false;
  return anonMustUnshare(st, folio);
}

export const unshareA7f226604170: FamilyVersion = {
  family: 'unshare',
  module: import.meta.url,
  id: 'a7f226604170',
  commit: 'a7f226604170',
  subject: 'mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous page',
  release: 'v5.19',
  summary:
    'R/O pins of anon pages that are not PageAnonExclusive unshare first; the zero page is not unshared.',
  ops: { gupMustUnshare },
};
