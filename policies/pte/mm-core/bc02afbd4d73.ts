/**
 * mm-core @ bc02afbd4d73 "mm/fork: Accept huge pfnmap entries" (Peter Xu, patch 07 of "mm: Support
 * huge pfnmaps"; first release v6.12 with the rest of the series, facts/insert-pfnmap.md §3.1).
 *
 * Kernel functions modelled: copy_huge_pmd(), copy_huge_pud().
 *
 * Changed from v5.4: copy_huge_pmd() first copies a present pmd_special() PMD as is, in any VMA,
 * with no reference (VM_WARN_ON_ONCE if COW and writable, not modelled); the anon-only rule
 * follows for the rest. copy_huge_pud() write-protects only a writable PUD of a COW mapping.
 * pmd_special() is the architecture's bit (pxxSpecial: false without PMD pfnmap support).
 *
 * Source read (2026-12): 6.12.118 mm/huge_memory.c:copy_huge_pmd() (pmd_present && pmd_special ->
 * copied under both locks, mkold; then !vma_is_anonymous(dst_vma) -> return 0) and
 * copy_huge_pud() (is_cow_mapping && pud_write -> wrprotect both; mkold; set). 7.2.13: the same,
 * with `&& !is_huge_zero_pmd(pmd)` added to the special test (a special huge zero PMD takes the
 * anon path, where it is copied too: no outcome changes here).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pxxSpecial } from '../../mm-primitives.ts';
import { cow } from '../remap-pfn/v5-4.ts';
import { type CopyHuge, copyEntryWith, mmCoreV5_4 } from './v5-4.ts';

export const COPY_HUGE_SPECIAL_FIRST: CopyHuge = {
  pmd: (st, vma, entry) => (pxxSpecial(st, entry) ? 'as-is' : vma.backing === 'anon' ? 'copy' : 'skip'),
  pudWrprotect: (vma, entry) => cow(vma) && entry.write,
};

export const mmCoreBc02afbd4d73: FamilyVersion = {
  family: 'mm-core',
  module: import.meta.url,
  id: 'bc02afbd4d73',
  commit: 'bc02afbd4d73',
  subject: 'mm/fork: Accept huge pfnmap entries',
  release: 'v6.12',
  summary:
    'fork copies a special (huge pfnmap) PMD as is in any VMA; a PUD is write-protected only if COW and writable.',
  ops: {
    ...mmCoreV5_4.ops,
    copyEntry(k, st, _parent, child, vma, addr, entry) {
      copyEntryWith(COPY_HUGE_SPECIAL_FIRST, k, st, child, vma, addr, entry);
    },
  },
};
