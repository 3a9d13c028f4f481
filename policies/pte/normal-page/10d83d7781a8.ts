/**
 * normal-page @ 10d83d7781a8 "mm/pagewalk: Check pfnmap for folio_walk_start()" (patch 06 of
 * Peter Xu's "mm: Support huge pfnmaps", first release v6.12; V2 of facts/insert-pfnmap.md §2.3).
 *
 * Kernel function modelled: vm_normal_page_pmd().
 *
 * Changed from fce831c92092: the fixup folded into 10d83d7781a8 (David Hildenbrand's review: follow
 * the pte_special model in vm_normal_page_pmd instead of checking in folio_walk_start) makes
 * vm_normal_page_pmd() start with "pmd_special -> NULL". pmd_special() is false on an arch
 * without CONFIG_ARCH_SUPPORTS_PMD_PFNMAP (config pmd_pfnmap=0). Confirmed in a v6.12-era
 * mm/memory.c read through the code corpus.
 *
 * Source read: 6.12.118 mm/memory.c:vm_normal_page_pmd() starts with `if
 * (unlikely(pmd_special(pmd))) return NULL;` as modelled (the rest of its body was not compared
 * line by line in this session).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pxxSpecial } from '../../mm-primitives.ts';
import { normalPageFce831c92092 } from './fce831c92092.ts';

const base = normalPageFce831c92092.ops.vmNormalPage!;

export const normalPage10d83d7781a8: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: '10d83d7781a8',
  commit: '10d83d7781a8',
  subject: 'mm/pagewalk: Check pfnmap for folio_walk_start()',
  release: 'v6.12',
  summary: 'vm_normal_page_pmd() returns NULL for a special PMD (huge pfnmap) first.',
  ops: {
    ...normalPageFce831c92092.ops,
    vmNormalPage(k, st, vma, addr, entry, level) {
      if (level === 'pmd' && pxxSpecial(st, entry)) {
        st.why('vm_normal_page_pmd: pmd_special -> NULL (10d83d7781a8)');
        return null;
      }
      return base(k, st, vma, addr, entry, level);
    },
  },
};
