/**
 * vma-checks split-pmd-hugetlb: "mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs" (David
 * Hildenbrand; v1 posted 2025-01-29 as patch 01/12 of the device-exclusive series, v2 2025-02-10
 * as 01/17, both Cc stable). No mainline commit id verified: the ids seen in revlists of the
 * code corpus (7fa6bbbf7900, 7e0e9465dfd3, 958d1e7e7997, d4db2607b5b4 in mm-tree pushes;
 * 609152db14e9, dda7f6ee02af among stable-queue commits) are rebases and backports of one
 * another, so this version names no commit and derives no pre-/post- alias.
 *
 * Kernel function modelled: mm/gup.c:check_vma_flags(), which tests `if ((gup_flags &
 * FOLL_SPLIT_PMD) && is_vm_hugetlb_page(vma)) return -EOPNOTSUPP;` right after the FOLL_LONGTERM
 * fs-dax test and before the secretmem test: a hugetlb PMD is not a THP to split.
 *
 * First release v6.15 (the earliest the patch, posted after the v6.14 merge window opened and
 * queued in mm-unstable in February 2025, can be in), bracketed by sources read: 6.14.0
 * (perishh/linux-6.14 at its import commit) mm/gup.c:check_vma_flags():1270 has no such test;
 * 6.18.2 (gfunkmonk/linux-6.18.2) check_vma_flags():1200 has it (:1216), as have 6.19.9, 7.0.0,
 * 7.1.5 and 7.2.13 (mm/gup.c:1216). 6.15 .. 6.17 were not read (no source found). Backported:
 * 6.12.118 (Debian trixie) mm/gup.c:1286 has it (the Debian 6.12 model, v6.12.118, carries it).
 *
 * What changed from vma-checks hugetlb-foll-force: the FOLL_SPLIT_PMD test above.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { vmaIsHugetlb } from '../../mm-primitives.ts';
import { checkWritableFileMapping } from './8ac268436e6d.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { vmaChecksHugetlbFollForce } from './hugetlb-foll-force.ts';
import { checkSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

/** FOLL_SPLIT_PMD on a hugetlb VMA -> -EOPNOTSUPP, before anything is walked. */
export function checkSplitPmdHugetlb(st: State, vma: Vma, flags: FollFlags): number {
  if (flags.has('FOLL_SPLIT_PMD') && vmaIsHugetlb(vma)) {
    st.why('check_vma_flags: FOLL_SPLIT_PMD on a hugetlb VMA -> -EOPNOTSUPP');
    return err('EOPNOTSUPP');
  }
  return 0;
}

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSplitPmdHugetlb(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, true, true)
  );
}

export const vmaChecksSplitPmdHugetlb: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'split-pmd-hugetlb',
  subject: 'mm/gup: reject FOLL_SPLIT_PMD with hugetlb VMAs',
  release: 'v6.15',
  summary: 'check_vma_flags(): FOLL_SPLIT_PMD on a hugetlb VMA -> -EOPNOTSUPP.',
  ops: { ...vmaChecksHugetlbFollForce.ops, checkVmaFlags },
};
