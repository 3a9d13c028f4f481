/**
 * remap-pfn @ the pfn_t / devmap removal (Alistair Popple, 2025; the same change as
 * zeropage-insert's pfn-t-removal.ts, whose header gives the release evidence). First release:
 * v6.17, INFERRED, not verified against a tag; no mainline commit id verified, so no alias.
 *
 * Kernel functions modelled: vmf_insert_pfn_pmd(), vmf_insert_pfn_pud() (their BUG_ONs);
 * insert_pfn*() as before except that no entry is devmap any more (k.pteDevmap is false from this
 * release, which insertPfnEntry asks).
 *
 * Changed from v5.4: the huge variants take a plain pfn; the first BUG_ON is "neither
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
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { remapPfnV5_4, vmfInsertPfnWith } from './v5-4.ts';

export const remapPfnPfnTRemoval: FamilyVersion = {
  family: 'remap-pfn',
  module: import.meta.url,
  id: 'pfn-t-removal',
  subject: 'mm: remove pfn_t: vmf_insert_pfn_pmd()/_pud() take a plain pfn',
  release: 'v6.17',
  summary:
    'vmf_insert_pfn_pmd/pud BUG_ON outside PFNMAP/MIXEDMAP with no devmap exception; no devmap entries.',
  ops: {
    ...remapPfnV5_4.ops,
    vmfInsertPfn(k, st, mm, vma, addr, pfn, size) {
      return vmfInsertPfnWith(false, k, st, mm, vma, addr, pfn, size);
    },
  },
};
