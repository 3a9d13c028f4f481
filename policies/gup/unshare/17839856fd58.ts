/**
 * unshare 17839856fd58: "gup: document and work around 'COW can break either way' issue" (Linus
 * Torvalds), first release v5.8 (in the v5.8 merge window: the test robot's report on it is dated
 * 2020-06-10, before v5.8-rc1; a 5.9-rc3 user bisected a regression to it, and its removal,
 * a308c71bf1e6, was merged after v5.9-rc3, so v5.9 no longer has it). The 5.8 answer to the
 * COW-vs-GUP problem that gup_must_unshare() answers from v5.19: a GUP reference on a COW mapping
 * breaks COW first, as a write would.
 *
 * Kernel functions modelled (mainline text read in the removal's diff, a308c71bf1e6 "mm/gup:
 * Remove enfornced COW mechanism", and in the commit's own diff on the mailing list; no 5.8
 * tree was read):
 * - should_force_cow_break(vma, flags): `is_cow_mapping(vma->vm_flags) && (flags & (FOLL_GET |
 *   FOLL_PIN))` (the 4.x/5.4 stable backports test FOLL_GET only);
 * - __get_user_pages(): `if (should_force_cow_break(vma, foll_flags)) foll_flags |= FOLL_WRITE;`
 *   before follow_hugetlb_page() and before follow_page_mask(), per page; check_vma_flags() still
 *   sees the caller's gup_flags, so a read pin of a private PROT_READ mapping passes it and then
 *   write-faults (gup-core getUserPages, slot shouldForceCowBreak);
 * - can_follow_write_pte(): `pte_write(pte) || ((flags & FOLL_COW) && pte_dirty(pte))`, the
 *   FOLL_FORCE test dropped, so the forced write can follow the R/O, dirty PTE the COW (or reuse)
 *   fault left in a VMA without VM_WRITE (faultin_page() sets FOLL_COW on VM_FAULT_WRITE there);
 * - internal_get_user_pages_fast(): `gup_pgd_range(addr, end, gup_flags | FOLL_WRITE, ...)`:
 *   "only targets that are already writable are safe to do by just looking at the page tables".
 *
 * Observable in the model: a read pin (FOLL_GET or FOLL_PIN) of a private mapping never takes
 * the zero page or a page shared with another mm (it takes a fresh copy), a read pin of a private
 * file mapping takes an anon copy instead of the page-cache page, and an unpopulated private anon
 * page is faulted in as a new anon page instead of the zero page.
 *
 * Simplification: FOLL_COW is not a model flag; a R/O entry may be followed for writing when it
 * is dirty and maps an exclusive anon page of a private mapping, which is what the fault that
 * would have set FOLL_COW leaves behind (the v6.0-style rule of gup-core without its FOLL_FORCE
 * test).
 */
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Entry, Folio, State, Vma } from '../../../src/model/state.ts';
import { folioIsAnon, vmaHas } from '../../mm-primitives.ts';
import { unshareNone } from './none.ts';

function shouldForceCowBreak(_k: Kernel, st: State, vma: Vma, flags: FollFlags): boolean {
  if (!isCowMappingFlags(vma.flags)) return false;
  if (!flags.has('FOLL_GET') && !flags.has('FOLL_PIN')) return false;
  if (!flags.has('FOLL_WRITE'))
    st.why('should_force_cow_break: COW mapping and FOLL_GET|FOLL_PIN -> FOLL_WRITE');
  return true;
}

function canFollowWritePte(
  _k: Kernel,
  _st: State,
  vma: Vma,
  entry: Entry,
  folio: Folio | undefined,
  _flags: FollFlags,
): boolean {
  if (entry.write) return true;
  // FOLL_COW && pte_dirty(): the COW or reuse fault of this walk left this mapping's own page.
  return (
    entry.dirty &&
    !vmaHas(vma, 'VM_SHARED') &&
    folio !== undefined &&
    folioIsAnon(folio) &&
    folio.flags.includes('exclusive')
  );
}

export const unshare17839856fd58: FamilyVersion = {
  family: 'unshare',
  module: import.meta.url,
  id: '17839856fd58',
  commit: '17839856fd58',
  subject: 'gup: document and work around "COW can break either way" issue',
  release: 'v5.8',
  summary:
    'GUP references on COW mappings force FOLL_WRITE (should_force_cow_break): read pins break COW first; GUP-fast takes only writable entries.',
  ops: { ...unshareNone.ops, shouldForceCowBreak, canFollowWritePte },
};
