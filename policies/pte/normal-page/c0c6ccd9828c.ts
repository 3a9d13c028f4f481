/**
 * normal-page @ c0c6ccd9828c "mm: fix __vm_normal_page() to handle missing support for
 * pmd_special()/pud_special()" (David Hildenbrand, 2026; Fixes: af38538801c6; reported by Hugh
 * Dickins and Bibo Mao; Cc stable).
 *
 * First release v7.1, verified against the mainline merge: c0c6ccd9828c is in "Merge tag
 * 'mm-hotfixes-stable-2026-05-18-21-07'" (c6e99c10fd98), pushed to master on 2026-05-19 (the
 * sj/linux mirror's post-receive, read in the code corpus), i.e. during the v7.1-rc cycle: it
 * went to mm-hotfixes-unstable on 2026-04-30 (facts V5), after v7.0 was out, and its 6.18-stable
 * backport ("[PATCH 6.18 047/377]", 2026-05-28) says "commit
 * c0c6ccd9828c3a1950623b546fa57292a77b5c73 upstream". Source read (2026-12): 7.2.13
 * mm/memory.c:pgtable_level_has_pxx_special():616 (PTE: CONFIG_ARCH_HAS_PTE_SPECIAL, PMD:
 * CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, PUD: CONFIG_ARCH_SUPPORTS_PUD_PFNMAP, else false) and its use
 * at __vm_normal_page():702 carry it exactly as modelled here; 7.1.5 (a GitHub copy of that
 * tarball) has the same lines (:616, :702), 7.0.0 (julianw1010/WASP-linux-7.0.0 at its "Linux
 * 7.0.0" commit, before the repository's own changes) has no pgtable_level_has_pxx_special(). It is
 * also offered as the variant `vm-normal-page-per-level-fix` (v6.19 + this).

 * Kernel function modelled: pgtable_level_has_pxx_special() (levelHasSpecial).
 *
 * Changed from af38538801c6: whether the special-bit branch applies is decided per level: PTE by
 * CONFIG_ARCH_HAS_PTE_SPECIAL, PMD by CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, PUD by
 * CONFIG_ARCH_SUPPORTS_PUD_PFNMAP. On x86-32 with THP (pte_special, no PMD pfnmap) the huge zero
 * PMD is not special, so v6.18 returned it as a normal page (VM_WARN, bad rss counters, folio_walk
 * returning it without FW_ZEROPAGE); with the fix the !special rules apply and it is NULL.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { archHasSpecial } from '../../mm-primitives.ts';
import { normalPageAf38538801c6 } from './af38538801c6.ts';

export const normalPageC0c6ccd9828c: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: 'c0c6ccd9828c',
  commit: 'c0c6ccd9828c',
  subject: 'mm: fix __vm_normal_page() to handle missing support for pmd_special()/pud_special()',
  release: 'v7.1',
  summary:
    '__vm_normal_page() takes the special-bit branch only where the level has a special bit (PTE_SPECIAL / PMD_PFNMAP / PUD_PFNMAP).',
  link: 'https://lore.kernel.org/20260430-pmd_special-v1-1-dbcbcfd72c20@kernel.org',
  ops: {
    ...normalPageAf38538801c6.ops,
    levelHasSpecial(_k, st, level) {
      return archHasSpecial(st, level);
    },
  },
};
