/**
 * mm-core @ d80a9cb1a64a "mm/huge_memory: add and use normal_or_softleaf_folio_pmd()" (Lorenzo
 * Stoakes, in the zap_huge_pmd() cleanup series). First release v7.1: it is in Linus' push of
 * 2026-04-15 that merged mm-stable-2026-04-13 (the v7.1 merge window; the push's revlist was read
 * in the code corpus). The same push carries 62c65fd740e9 (zeropage-insert map-kernel-pages).
 *
 * Kernel function modelled: zap_huge_pmd().
 *
 * Changed from folio-pud: a present PMD's folio is what vm_normal_folio_pmd() returns, nothing
 * else: no vma_is_special_huge() or is_huge_zero_pmd() test of its own. So the release's
 * vm_normal_page_pmd() now decides what munmap drops at PMD level, which is how af38538801c6's
 * oversight (the x86-32 huge zero PMD taken for a normal page) showed as "Bad rss-counter state"
 * until c0c6ccd9828c (Hugh Dickins' report: "exposed through commit d80a9cb1a64a").
 *
 * Source read (2026-12): 7.2.13 mm/huge_memory.c:zap_huge_pmd():2512 (normal_or_softleaf_folio_pmd
 * -> vm_normal_folio_pmd for a present PMD; a folio: zap_huge_pmd_folio():2444 removes the rmap
 * and the rss, then tlb_remove_page_size drops the reference; no folio: nothing).
 *
 * Also read: 7.1.5 (a GitHub copy of that tarball) mm/huge_memory.c:normal_or_softleaf_folio_pmd()
 * :2446 used by zap_huge_pmd():2487 (:2514); 7.0.0 (julianw1010/WASP-linux-7.0.0 at its "Linux
 * 7.0.0" commit) has neither: first release v7.1, bracketed by 7.0.0 and 7.1.5.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { hex } from '../../mm-primitives.ts';
import { mmCoreFolioPud, ZAP_HUGE_FOLIO_PUD } from './folio-pud.ts';
import { dropMapping, type ZapHuge, zapEntryWith } from './v5-4.ts';

const ZAP_HUGE_NORMAL_PMD: ZapHuge = {
  pmd(k, st, mm, vma, addr, entry) {
    const page = k.vmNormalPage(k, st, vma, addr, entry, 'pmd');
    if (page === null) {
      st.why(`zap_huge_pmd ${hex(addr)}: vm_normal_folio_pmd NULL -> nothing dropped`);
      return;
    }
    dropMapping(st, mm, addr, 'pmd', page, 'zap_huge_pmd: vm_normal_folio_pmd');
  },
  pud: ZAP_HUGE_FOLIO_PUD.pud,
};

export const mmCoreD80a9cb1a64a: FamilyVersion = {
  family: 'mm-core',
  module: import.meta.url,
  id: 'd80a9cb1a64a',
  commit: 'd80a9cb1a64a',
  subject: 'mm/huge_memory: add and use normal_or_softleaf_folio_pmd()',
  release: 'v7.1',
  summary:
    'zap_huge_pmd() drops what vm_normal_folio_pmd() returns (no special-huge or huge-zero test of its own).',
  ops: {
    ...mmCoreFolioPud.ops,
    zapEntry(k, st, mm, vma, addr, entry) {
      zapEntryWith(ZAP_HUGE_NORMAL_PMD, k, st, mm, vma, addr, entry);
    },
  },
};
