/**
 * zeropage-insert @ "mm/memory: allow pte_offset_map[_lock]() to fail" (Hugh Dickins, patch 28 of
 * the v6.5 series that let pte_offset_map() fail; the ids seen in mm-tree revlists of the code
 * corpus, 3db82b9374ca, 41f9585d44a6, 2b42874b1124, e2d82dbd3b12, are rebases of one another and
 * none was verified as the mainline commit, so this version names no commit and derives no
 * pre-/post- alias).
 *
 * What changed from 8cd3984d81d5: from v6.5 __pte_offset_map() returns NULL when the PMD that
 * covers the address is not a page table (6.5.0 mm/pgtable-generic.c:__pte_offset_map():235:
 * pmd_none or a migration entry :243, `pmd_trans_huge(pmdval) || pmd_devmap(pmdval)` :245, a
 * bad PMD :247; 6.12.118 :296 the same; 7.2.13 :299 tests pmd_trans_huge() alone, devmap being
 * gone). pte_alloc() has just filled a none PMD, so for the insert paths that leaves a huge PMD
 * (in the model: a `level=pmd` entry covering the address):
 * - insert_pages() (vm_insert_pages(), and vm_map_pages() from 62c65fd740e9): `start_pte =
 *   pte_offset_map_lock(...); if (!start_pte) { ret = -EFAULT; goto out; }` (6.5.0
 *   mm/memory.c:1914-1918, 6.12.118 :2127-2130, 7.2.13 :2457-2460), before any page of that PMD
 *   is looked at; `*num` = the pages not inserted yet (those of earlier PMDs are in).
 * - insert_page() (vm_insert_page(), and __vm_insert_mixed() without pte_special): after
 *   validate_page_before_insert(), `retval = -ENOMEM; pte = get_locked_pte(...); if (!pte) goto
 *   out;` (6.5.0 mm/memory.c:1858-1861, 6.12.118 :2074-2076, 7.2.13 :2403-2405): get_locked_pte()
 *   ends in pte_alloc_map_lock(), which now returns NULL there.
 * 6.4.4 (lewisevans2007/linux-6.4 at its import commit) mm/memory.c:insert_pages():1878 maps the
 * PTE table without a NULL test (:1907) and mm/pgtable-generic.c has no __pte_offset_map(), so
 * v6.5 is the first release; 6.5.0 (sndrzt/linux-6.5 at its import commit) has both tests.
 *
 * Not modelled: before v6.5 the kernel takes a huge PMD's memory for a PTE table (walk_to_pmd()'s
 * VM_BUG_ON(pmd_trans_huge(*pmd)) fires only with CONFIG_DEBUG_VM, 6.4.4 and 7.2.13 alike); the
 * model of v5.7 .. v6.4 keeps a PTE under the huge entry, invisible to every lookup, and returns
 * success. The other users of pte_alloc_map_lock() (insert_pfn()'s VM_FAULT_OOM, remap_pte_range()'s
 * -ENOMEM) and a huge PUD above the PMD are not modelled.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import type { State } from '../../../src/model/state.ts';
import { entryAtLevel, hex } from '../../mm-primitives.ts';
import { zeropageInsert8cd3984d81d5 } from './8cd3984d81d5.ts';

const prev = zeropageInsert8cd3984d81d5.ops;

/** pte_offset_map_lock() from v6.5: false (NULL) where a huge PMD covers `addr`. */
export function pteTableMaps(st: State, mm: number, addr: number, fn: string): boolean {
  if (!entryAtLevel(st, mm, addr, 'pmd')) return true;
  st.why(`${fn}: a huge PMD maps ${hex(addr)}: pte_offset_map_lock() -> NULL`);
  return false;
}

export const zeropageInsertPteMapMayFail: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'pte-map-may-fail',
  subject: 'mm/memory: allow pte_offset_map[_lock]() to fail',
  release: 'v6.5',
  summary:
    "Where a huge PMD covers the address, vm_insert_pages() stops with -EFAULT (the PMD's pages left) and vm_insert_page() fails with -ENOMEM.",
  ops: {
    ...prev,
    insertPageInBatchLocked(k, st, mm, vma, addr, pfn) {
      if (!pteTableMaps(st, mm, addr, 'insert_pages')) return err('EFAULT');
      return prev.insertPageInBatchLocked!(k, st, mm, vma, addr, pfn);
    },
    insertPageOne(k, st, mm, vma, addr, pfn, mkwrite) {
      const ret = k.validatePageBeforeInsert(k, st, mm, vma, pfn);
      if (ret) return ret;
      if (!pteTableMaps(st, mm, addr, 'insert_page: get_locked_pte')) return err('ENOMEM');
      return k.insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, mkwrite);
    },
  },
};
