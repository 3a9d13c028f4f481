/**
 * mm-core @ "mm/huge_memory: add vmf_insert_folio_pud()" (Alistair Popple, the "fs/dax: fix
 * ZONE_DEVICE page reference counts" series, v8 posted 2025-02-18; the same series as
 * zeropage-insert's insert-page-mkwrite.ts). Mainline id dbe54153296d (cited as such by later
 * Fixes: tags, e.g. the 6.18-stable backport of 40990c87a26e). First release: v6.15, verified
 * against akpm/mm's post-receive of 2025-03-18 (read in the code corpus): dbe54153296d is in
 * mm-stable (new head a211c6550efc) before v6.14 (2025-03-24), so the v6.15 merge window.
 * Not verified: that zap_huge_pud()'s folio path is this commit's and not a neighbour's of the
 * same series (the commit's diff was not read).
 *
 * Kernel function modelled: zap_huge_pud().
 *
 * Changed from bc02afbd4d73 (fork unchanged): outside a special huge VMA a PUD is no longer BUG(): it is a refcounted
 * folio mapping (fs-dax and device-dax insert folios from this series on), so pud_page() loses
 * its rmap, its file rss and its reference; VM_WARN_ON_ONCE if the VMA is anonymous.
 *
 * Source read (2026-12): 7.2.13 mm/huge_memory.c:zap_huge_pud() (vma_is_special_huge -> nothing;
 * else VM_WARN_ON_ONCE(vma_is_anonymous || !pud_present), folio_remove_rmap_pud, rss -=
 * HPAGE_PUD_NR, tlb_remove_page_size). 6.12.118 mm/huge_memory.c:zap_huge_pud() still BUG()s.
 *
 * Also read (GitHub copies of release tarballs): 6.14.0 mm/huge_memory.c has no
 * vmf_insert_folio_pud(); 6.18.2 has it (:1627), and 7.0.0 (:1749), 7.1.5 (:1826): the first
 * release is bracketed by 6.14.0 and 6.18.2 only (6.15 .. 6.17 not read).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { hex } from '../../mm-primitives.ts';
import { mmCoreBc02afbd4d73 } from './bc02afbd4d73.ts';
import { dropMapping, vmaIsSpecialHuge, ZAP_HUGE_V0, type ZapHuge, zapEntryWith } from './v5-4.ts';

export const ZAP_HUGE_FOLIO_PUD: ZapHuge = {
  pmd: ZAP_HUGE_V0.pmd,
  pud(_k, st, mm, vma, addr, entry) {
    if (vmaIsSpecialHuge(vma)) {
      st.why(`zap_huge_pud ${hex(addr)}: vma_is_special_huge -> nothing dropped`);
      return;
    }
    if (vma.backing === 'anon') st.warn('zap_huge_pud anonymous VMA');
    dropMapping(st, mm, addr, 'pud', entry.pfn, 'zap_huge_pud: pud_page');
  },
};

export const mmCoreFolioPud: FamilyVersion = {
  family: 'mm-core',
  module: import.meta.url,
  id: 'folio-pud',
  commit: 'dbe54153296d',
  subject: 'mm/huge_memory: add vmf_insert_folio_pud()',
  release: 'v6.15',
  summary: 'zap_huge_pud() drops the folio of a PUD outside special huge VMAs instead of BUG().',
  ops: {
    ...mmCoreBc02afbd4d73.ops,
    zapEntry(k, st, mm, vma, addr, entry) {
      zapEntryWith(ZAP_HUGE_FOLIO_PUD, k, st, mm, vma, addr, entry);
    },
  },
};
