/**
 * vma-checks 1d8d14641fd9: "mm/hugetlb: support FOLL_FORCE|FOLL_WRITE" (Guo Xuenan). First
 * release v6.13, INFERRED and UNVERIFIED (the commit id and release are recalled, not read;
 * 6.13 .. 7.1 were not read). Source read: 6.12.118 mm/gup.c:check_vma_flags() still refuses a
 * FOLL_FORCE write to hugetlb; 7.2.13 mm/gup.c:check_vma_flags() no longer has the test (its
 * FOLL_WRITE branch goes from `if (!(gup_flags & FOLL_FORCE)) return -EFAULT;` straight to the
 * is_cow_mapping() test).
 *
 * What changed from vma-checks 8ac268436e6d: the hugetlb refusal of 5535be309971 is gone; a
 * FOLL_FORCE write to a private read-only hugetlb VMA breaks COW like any other.
 */
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkWritableFileMapping, vmaChecks8ac268436e6d } from './8ac268436e6d.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: ReadonlySet<FollFlag>): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, true)
  );
}

export const vmaChecks1d8d14641fd9: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: '1d8d14641fd9',
  commit: '1d8d14641fd9',
  subject: 'mm/hugetlb: support FOLL_FORCE|FOLL_WRITE',
  release: 'v6.13',
  summary: 'check_vma_flags(): FOLL_FORCE|FOLL_WRITE on hugetlb allowed again (COW breaks as elsewhere).',
  ops: { ...vmaChecks8ac268436e6d.ops, checkVmaFlags },
};
