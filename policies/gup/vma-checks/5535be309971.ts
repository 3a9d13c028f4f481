/**
 * vma-checks 5535be309971: "mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW" (David
 * Hildenbrand, 2022). First release v6.0-rc1, INFERRED (committed 2022-08-09, before the v6.0-rc1
 * tag; absent from 5.10.262, which stable did not backport it to).
 *
 * Source read: 6.1.192 and 6.12.118 mm/gup.c:check_vma_flags(): in the FOLL_WRITE branch, after
 * `if (!(gup_flags & FOLL_FORCE)) return -EFAULT;`, "hugetlb does not support
 * FOLL_FORCE|FOLL_WRITE": `if (is_vm_hugetlb_page(vma)) return -EFAULT;`, before the
 * is_cow_mapping() test. 5.10.262 mm/gup.c:check_vma_flags() has no such test.
 *
 * What changed from vma-checks secretmem: a FOLL_FORCE write to a read-only hugetlb VMA fails
 * with -EFAULT instead of breaking COW. (The commit's other half, FOLL_COW replaced by the
 * PageAnonExclusive test in can_follow_write_pte(), is family gup-core's.)
 */
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem, vmaChecksSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: ReadonlySet<FollFlag>): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkAccess(st, vma, flags, false)
  );
}

export const vmaChecks5535be309971: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: '5535be309971',
  commit: '5535be309971',
  subject: 'mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW',
  release: 'v6.0-rc1',
  summary: 'check_vma_flags(): FOLL_FORCE|FOLL_WRITE on a read-only hugetlb VMA -> -EFAULT.',
  ops: { ...vmaChecksSecretmem.ops, checkVmaFlags },
};
