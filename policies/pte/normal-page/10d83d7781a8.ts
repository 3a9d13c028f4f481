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
 * Release ids using it: v6.12 .. v6.17. Source read (2026-12), 6.12.118
 * mm/memory.c:vm_normal_page_pmd():671, branch by branch: pmd_special -> NULL (677); then the
 * PFNMAP/MIXEDMAP rules (MIXEDMAP: !pfn_valid -> NULL, else the page straight away); pmd_devmap
 * -> NULL (695); huge zero -> NULL; > highest_memmap_pfn -> NULL (no report); the page. The
 * devmap test is asked of the release (k.pteDevmap), so it stops applying with the pfn_t / devmap
 * removal (v6.17 here), as in a kernel without pmd_devmap().
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
