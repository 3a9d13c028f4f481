/**
 * vma-checks f347454d0341: "mm/gup: disallow FOLL_FORCE|FOLL_WRITE on hugetlb mappings" (David
 * Hildenbrand, posted 2022-10-31, lkml 20221031152524.173644-1; Fixes: 1d8d14641fd9
 * "mm/hugetlb: support write-faults in shared mappings", whose WARN_ON_ONCE in hugetlb_wp() a
 * FOLL_FORCE write to a read-only hugetlb VMA had been tripping).
 *
 * First release v6.2-rc1, verified against the stable queue: Greg Kroah-Hartman's
 * "[PATCH 6.1 1132/1146] mm/gup: disallow FOLL_FORCE|FOLL_WRITE on hugetlb mappings"
 * (2022-12-28, "commit f347454d034184b4f0a2caf6e14daf7848cea01c upstream", read in the code
 * corpus) backports it to 6.1.y, so v6.1 does not have it and mainline had it by the v6.2 merge
 * window (v6.2-rc1, 2022-12-25). Its hunk adds exactly the test modelled here, in
 * mm/gup.c:check_vma_flags() after `if (!(gup_flags & FOLL_FORCE)) return -EFAULT;`.
 *
 * Corrected in the 2026-12 verification: this version was `5535be309971` ("mm/gup: fix
 * FOLL_FORCE COW security issue and remove FOLL_COW", v6.0-rc1, inferred). That commit does not
 * touch the hugetlb case: its post-image of mm/gup.c:check_vma_flags() (read in the code corpus,
 * yukiCodesStuff/LLM-Code-Vuln-Detection linux_samples/5535be3099717646781ce1540cf725965d680e7b/
 * gup_after.c) goes from the FOLL_FORCE test straight to is_cow_mapping(). Its change (FOLL_COW
 * replaced by the PageAnonExclusive test in can_follow_write_pte()) is family gup-core's.
 *
 * Source read: 6.1.192 mm/gup.c:check_vma_flags():1085 and 6.12.118 mm/gup.c:check_vma_flags():1300
 * have the test (6.1.192 through the stable backport); 5.10.262 mm/gup.c:check_vma_flags():920
 * has none (no 5.10.y backport).
 *
 * What changed from vma-checks secretmem: a FOLL_FORCE write to a read-only hugetlb VMA fails
 * with -EFAULT instead of breaking COW.
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem, vmaChecksSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkAccess(st, vma, flags, false)
  );
}

export const vmaChecksF347454d0341: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'f347454d0341',
  commit: 'f347454d0341',
  subject: 'mm/gup: disallow FOLL_FORCE|FOLL_WRITE on hugetlb mappings',
  release: 'v6.2-rc1',
  summary: 'check_vma_flags(): FOLL_FORCE|FOLL_WRITE on a read-only hugetlb VMA -> -EFAULT.',
  ops: { ...vmaChecksSecretmem.ops, checkVmaFlags },
};
