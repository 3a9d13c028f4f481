/**
 * remap-pfn @ the pfn_t / devmap removal (Alistair Popple, 2025; the same change as
 * zeropage-insert's pfn-t-removal.ts). First release: v6.17, verified against the mainline push
 * that merged it: the
 * torvalds/linux master post-receive of 2025-07-31 (old cbbf0a759ff9, new 6a68cec16b64; read in
 * the code corpus), i.e. the v6.17 merge window (after v6.16, 2025-07-27; before v6.17-rc1):
 * 21aa65bf82a7 "mm: remove callers of pfn_t functionality", 984921edea68 "mm: remove PFN_DEV,
 * PFN_MAP, PFN_SPECIAL, PFN_SG_CHAIN and PFN_SG_LAST", d438d2734170 "mm: remove devmap related
 * functions and page table bits", 4b1d3145c104 "mm: convert vmf_insert_mixed() from using
 * pte_devmap to pte_special", 7b2ae3c47f65 "mm/huge_memory: remove pXd_devmap usage from
 * insert_pXd_pfn()". vmf_insert_pfn_pmd()/_pud() lose pfn_t in 21aa65bf82a7 and their devmap
 * exception in 7b2ae3c47f65; the version spans both, so it names no single commit and derives
 * no alias.
 *
 * Kernel functions modelled: vmf_insert_pfn_pmd(), vmf_insert_pfn_pud() (their BUG_ONs);
 * insert_pfn*() as before except that no entry is devmap any more (k.pteDevmap is false from this
 * release, which insertPfnEntry asks).
 *
 * Changed from align-warn (v5.4's functions otherwise): the huge variants take a plain pfn; the first BUG_ON is "neither
 * VM_PFNMAP nor VM_MIXEDMAP" with no devmap exception, so a vmf_insert_pfn_pmd() of an fs-dax
 * pfn into an fs-dax VMA is a BUG (fs-dax uses vmf_insert_folio_pmd() by then, which is
 * refcounted and not modelled here).
 *
 * Source read (2026-12): 7.2.13 mm/huge_memory.c:vmf_insert_pfn_pmd():1707 and
 * vmf_insert_pfn_pud():1815 (BUG_ON(!(PFNMAP|MIXEDMAP)), BUG_ON(both), BUG_ON(PFNMAP && COW),
 * then insert_pmd():1626 / insert_pud():1758 whose first test is the range check -> SIGBUS, then
 * a present entry is left alone (write: the mkwrite rules), else pmd_mkspecial for a pfn);
 * mm/memory.c:vmf_insert_pfn_prot() unchanged (its four BUG_ONs, range -> SIGBUS, insert_pfn()).
 * 6.12.118 mm/huge_memory.c:1448 / 1537 still have the devmap exception.
 *
 * Also read (GitHub copies of release tarballs): 6.14.0 mm/huge_memory.c:vmf_insert_pfn_pmd()
 * still takes a pfn_t; 6.18.2 .. 7.1.5 take a plain pfn (the same text as 7.2.13): the first
 * release is bracketed by 6.14.0 and 6.18.2 only (6.15 .. 6.17 not read).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { remapPfnAlignWarn } from './align-warn.ts';
import { vmfInsertPfnWith } from './v5-4.ts';

export const remapPfnPfnTRemoval: FamilyVersion = {
  family: 'remap-pfn',
  module: import.meta.url,
  id: 'pfn-t-removal',
  subject: 'mm: remove pfn_t: vmf_insert_pfn_pmd()/_pud() take a plain pfn',
  release: 'v6.17',
  summary:
    'vmf_insert_pfn_pmd/pud BUG_ON outside PFNMAP/MIXEDMAP with no devmap exception; no devmap entries.',
  ops: {
    ...remapPfnAlignWarn.ops,
    vmfInsertPfn(k, st, mm, vma, addr, pfn, size) {
      return vmfInsertPfnWith(false, k, st, mm, vma, addr, pfn, size);
    },
  },
};
