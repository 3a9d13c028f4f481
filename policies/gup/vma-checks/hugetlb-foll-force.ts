/**
 * vma-checks @ "mm/hugetlb: support FOLL_FORCE|FOLL_WRITE" (Guillaume Morin; v3 posted
 * 2024-12-06, v4 reviewed by David Hildenbrand, read in the code corpus). No mainline commit id
 * verified (the ids seen are mm-unstable rebases: e2d8b09d0ae9 in akpm's mm-unstable push of
 * 2024-12-10, 4e691fabdbc6, 04fc44077cea, ...), so this version names no commit and derives no
 * pre-/post- alias.
 *
 * Corrected in the 2026-12 reading: this version was `1d8d14641fd9`, "Guo Xuenan", release
 * v6.13, all recalled. 1d8d14641fd9 is David Hildenbrand's "mm/hugetlb: support write-faults in
 * shared mappings" (2022), the commit the patch's message says made the kernel refuse
 * FOLL_FORCE|FOLL_WRITE on hugetlb ("Since 1d8d14641fd94, we explicitly reject it").
 *
 * First release v6.14, bracketed by sources read: 6.13.7 mm/gup.c:check_vma_flags():1270 still
 * refuses ("hugetlb does not support FOLL_FORCE|FOLL_WRITE", `if (is_vm_hugetlb_page(vma))
 * return -EFAULT;` at :1297-1299); 6.14.0 check_vma_flags():1270 goes from
 * `if (!(gup_flags & FOLL_FORCE)) return -EFAULT;` (:1295) straight to the is_cow_mapping()
 * test (:1306). The patch was posted after v6.13-rc1 (2024-12-01) and was in mm-unstable by
 * 2024-12-10, so v6.14 is the earliest release it can be in, and 6.14.0 has it. The 6.13.7 and
 * 6.14.0 trees are GitHub copies of the release tarballs (ChenRuiwei/linux-6.13.7 and
 * perishh/linux-6.14, each read at its import commit, which no later commit of theirs changes
 * under mm/); no kernel.org tag was read. The mainline commit id is still not verified (no
 * torvalds/linux push naming it was found; the ids seen are rebases).
 *
 * Source read: 6.12.118 and 6.13.7 mm/gup.c:check_vma_flags() refuse a FOLL_FORCE write to
 * hugetlb; 6.14.0, 6.18.2, 6.19.9, 7.0.0, 7.1.5 and 7.2.13 mm/gup.c:check_vma_flags() have no
 * such test. 6.15 .. 6.17 were not read (no source for them was found), bracketed by 6.14.0 and
 * 6.18.2, which agree.
 *
 * What changed from vma-checks shadow-stack: the hugetlb refusal of f347454d0341 is gone; a
 * FOLL_FORCE write to a private read-only hugetlb VMA breaks COW like any other. The
 * VM_SHADOW_STACK test stays (6.14.0 .. 7.2.13 have it).
 */
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { checkWritableFileMapping } from './8ac268436e6d.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { checkSecretmem } from './secretmem.ts';
import { vmaChecksShadowStack } from './shadow-stack.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, true, true)
  );
}

export const vmaChecksHugetlbFollForce: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'hugetlb-foll-force',
  subject: 'mm/hugetlb: support FOLL_FORCE|FOLL_WRITE',
  release: 'v6.14',
  summary: 'check_vma_flags(): FOLL_FORCE|FOLL_WRITE on hugetlb allowed again (COW breaks as elsewhere).',
  ops: { ...vmaChecksShadowStack.ops, checkVmaFlags },
};
