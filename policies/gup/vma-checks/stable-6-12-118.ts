/**
 * vma-checks stable-6.12.118: check_vma_flags() of Debian trixie's 6.12.118, i.e. v6.12's
 * (vma-checks shadow-stack: the hugetlb FOLL_FORCE|FOLL_WRITE refusal of f347454d0341 still in
 * place) plus the stable backport of "mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs" (mainline
 * v6.15, vma-checks split-pmd-hugetlb).
 *
 * Source read: linux-source-6.12 6.12.118 mm/gup.c:check_vma_flags():1270: VM_IO|VM_PFNMAP
 * (:1277), FOLL_ANON (:1280), FOLL_LONGTERM fs-dax (:1283), `if ((gup_flags & FOLL_SPLIT_PMD) &&
 * is_vm_hugetlb_page(vma)) return -EOPNOTSUPP;` (:1286-1287), secretmem (:1289), then the write
 * tests with `!(vm_flags & VM_WRITE) || (vm_flags & VM_SHADOW_STACK)` (:1297) and the hugetlb
 * refusal (:1301-1302). Never a mainline release (release null): only the v6.12.118 variant.
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkWritableFileMapping } from './8ac268436e6d.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem } from './secretmem.ts';
import { vmaChecksShadowStack } from './shadow-stack.ts';
import { checkSplitPmdHugetlb } from './split-pmd-hugetlb.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSplitPmdHugetlb(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, false, true)
  );
}

export const vmaChecksStable6_12_118: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'stable-6.12.118',
  subject: 'check_vma_flags() of 6.12.118: v6.12 plus the FOLL_SPLIT_PMD hugetlb backport',
  release: null,
  summary: 'v6.12 check_vma_flags() with FOLL_SPLIT_PMD on a hugetlb VMA -> -EOPNOTSUPP (stable backport).',
  ops: { ...vmaChecksShadowStack.ops, checkVmaFlags },
};
