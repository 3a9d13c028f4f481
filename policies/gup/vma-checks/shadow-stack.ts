/**
 * vma-checks shadow-stack: "mm: Don't allow write GUPs to shadow stack memory" (Rick Edgecombe,
 * x86 user shadow stack series; v8 24/40 posted 2023-03-18, lkml
 * 20230319001535.23210-25-rick.p.edgecombe). No mainline commit id verified: the two ids seen in
 * revlists of the code corpus (6beb99580bc0, 75818f575af6) are tip-tree rebases, so this version
 * names no commit and derives no pre-/post- alias.
 *
 * Kernel function modelled: mm/gup.c:check_vma_flags(). A GUP write (FOLL_WRITE) treats a
 * VM_SHADOW_STACK VMA like one without VM_WRITE: `if (!(vm_flags & VM_WRITE) || (vm_flags &
 * VM_SHADOW_STACK))` -> without FOLL_FORCE -EFAULT; with FOLL_FORCE the release's hugetlb test
 * (a shadow stack is never hugetlb) and the is_cow_mapping() test (a shadow stack is private and
 * VM_MAYWRITE, so it passes), then the walk as for any writable private VMA (COW on a fault).
 * A read is unaffected. The model's GUP-fast never grabs for FOLL_WRITE in such a VMA (x86
 * __pte_access_permitted() needs _PAGE_RW, which a shadow-stack PTE, Write=0 Dirty=1, lacks:
 * 6.12.118 arch/x86/include/asm/pgtable.h:1697-1702), so the slow path decides as here.
 *
 * First release v6.6, bracketed by sources read: 6.5.0 (sndrzt/linux-6.5 at its import commit)
 * mm/gup.c:check_vma_flags():1037 tests only `if (!(vm_flags & VM_WRITE))` (:1061) and
 * include/linux/mm.h has no VM_SHADOW_STACK; 6.6.9 (a GitHub copy of the 6.6.9 tarball)
 * check_vma_flags():1030 tests `if (!(vm_flags & VM_WRITE) || (vm_flags & VM_SHADOW_STACK))`
 * (:1054), VM_SHADOW_STACK = VM_HIGH_ARCH_5 (include/linux/mm.h:354). The same test in 6.12.118
 * mm/gup.c:1297 and 7.2.13 mm/gup.c:1227.
 *
 * What changed from vma-checks 8ac268436e6d: the VM_SHADOW_STACK test above.
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkWritableFileMapping, vmaChecks8ac268436e6d } from './8ac268436e6d.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, false, true)
  );
}

export const vmaChecksShadowStack: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'shadow-stack',
  subject: "mm: Don't allow write GUPs to shadow stack memory",
  release: 'v6.6',
  summary:
    'check_vma_flags(): a FOLL_WRITE GUP of a VM_SHADOW_STACK VMA is treated like one of a read-only VMA (-EFAULT unless FOLL_FORCE).',
  ops: { ...vmaChecks8ac268436e6d.ops, checkVmaFlags },
};
