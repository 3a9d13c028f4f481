/**
 * unshare 84209e87c696: "mm/gup: reliable R/O long-term pinning in COW mappings" (David
 * Hildenbrand), first release v6.2 [INF: gup_must_unshare(flags,page) in 6.1-rc7,
 * gup_must_unshare(vma,flags,page) in 6.2.12]. Builds on 8d6a0ac09a16 "mm: extend
 * FAULT_FLAG_UNSHARE support to anything in a COW mapping". Evidence: facts/pinning.md §1.5
 * [S:6.2.12][S:6.5][S:6.19]; selftest cow.c "R/O longterm GUP pin ... with shared zeropage".
 *
 * Kernel function modelled: gup_must_unshare(vma, flags, page): only R/O pins; a page that is
 * not anon (the shared zero page, a page-cache page) must be unshared when the pin is
 * FOLL_LONGTERM and the VMA is a COW mapping (is_cow_mapping(): private and may become
 * writable); anon pages as before (unless PageAnonExclusive).
 *
 * What changed from unshare a7f226604170: R/O FOLL_LONGTERM pins in COW mappings no longer pin
 * the shared zero page or the page cache: the unshare fault maps a new exclusive anon page and
 * that page is pinned (vfio R/O maps of untouched guest RAM now pin and account new pages).
 *
 * Release ids using it: v6.2 .. v7.2. Source read (2026-12), branch by branch:
 *   6.12.118 mm/internal.h:gup_must_unshare():1373 (now (vma, flags, page)): not a R/O pin ->
 *     false; !PageAnon: !FOLL_LONGTERM -> false, no vma (GUP-fast) -> true, else
 *     is_cow_mapping(vm_flags); PageAnon: !PageAnonExclusive. Callers: mm/gup.c:904
 *     (follow_page_pte, `!pte_write`), 742 (PMD), 668 (PUD, `!pud_devmap && !pud_write`), and the
 *     GUP-fast paths with vma NULL (2994, 3171, 3219, 3254).
 *   7.2.13 mm/internal.h:gup_must_unshare():1678: the same body (only comments differ); callers
 *     mm/gup.c:849 (PTE), 725 (PMD), 671 (PUD, no devmap test left), GUP-fast 2885-3004 with vma
 *     NULL.
 * Not modelled: the vma == NULL branch (the model has no GUP-fast walk; the slot takes a VMA).
 * Also read (GitHub copies of release tarballs): 6.2.1 include/linux/mm.h:gup_must_unshare():3186
 * (vma, flags, page) with exactly these branches (first release v6.2: 6.1.192 has the
 * (flags, page) form); 6.5.0 mm/internal.h:969, 6.11.11 :1297 the same branches (the function
 * moved, its text differs only by comments and the smp_rmb() guard); 6.13.7 .. 7.1.5 as 7.2.13.
 * v6.7, v6.10 and v6.15 .. v6.17 were not read.
 */
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State, Vma } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { anonMustUnshare, isRoPin, pageIsAnon, unshareA7f226604170 } from './a7f226604170.ts';

function gupMustUnshare(_k: Kernel, st: State, vma: Vma, flags: FollFlags, folio: Folio): boolean {
  if (!isRoPin(flags)) return false;
  if (pageIsAnon(st, vma, folio)) return anonMustUnshare(st, folio);
  if (!flags.has('FOLL_LONGTERM')) return false;
  if (!isCowMappingFlags(vma.flags)) return false;
  const what = isZeroFolio(st, folio) ? 'zero page' : `${folio.kind} page ${folio.name}`;
  st.why(`${what} in a COW mapping, R/O long-term pin -> must unshare (84209e87c696)`);
  return true;
}

export const unshare84209e87c696: FamilyVersion = {
  family: 'unshare',
  module: import.meta.url,
  id: '84209e87c696',
  commit: '84209e87c696',
  subject: 'mm/gup: reliable R/O long-term pinning in COW mappings',
  release: 'v6.2',
  summary:
    'R/O long-term pins of anything in a COW mapping (the shared zero page, page cache) unshare to a new anon page first.',
  ops: { ...unshareA7f226604170.ops, gupMustUnshare },
};
