/**
 * zeropage-insert @ 8cd3984d81d5 "mm/memory.c: add vm_insert_pages()" (Arjun Roy; first release
 * v5.7: its locking fix 7f70c2a68a51, "Fixes: 8cd3984d81d5", was queued as "[PATCH 5.7 239/244]"
 * for 5.7-stable, read in the code corpus). This is the state V0 of facts/insert-pfnmap.md §1.4
 * (v6.10 and earlier, reconstructed there from the v1/v2 diff context and confirmed by the v1
 * diff read in the code corpus).
 *
 * Kernel functions modelled: vm_insert_pages() / insert_pages() / insert_page_in_batch_locked(),
 * validate_page_before_insert(), insert_page_into_pte_locked(), insert_page() (the rest as v5.4).
 *
 * Changed from v5.4: vm_insert_pages() exists: range check over all pages (-EFAULT), the same
 * VM_MIXEDMAP/VM_PFNMAP step as vm_insert_page(), then page by page: page_count == 0 -> -EINVAL,
 * validate, insert; the first failure ends the call with its error and `*num` = pages not
 * inserted (the failing one included). insert_page()'s page test moves into
 * validate_page_before_insert() (anon, slab and typed pages -> -EINVAL, the same test as v5.4's
 * insert_page()), shared by both paths. The zero page is still an ordinary, refcounted page
 * everywhere.
 *
 * Simplification: PTE-table batching (8 PTEs per lock, PMD boundaries) does not change any
 * outcome and is not modelled.
 *
 * Source read (2026-12), the release ids that used this version up to v6.10 (from v6.5 the
 * pte-map-may-fail version builds on it):
 *   5.10.262 mm/memory.c:insert_page_in_batch_locked():1713  !page_count -> -EINVAL, then
 *            validate_page_before_insert():1663, then insert_page_into_pte_locked():1671;
 *   5.10.262 mm/memory.c:insert_pages():1729  stops at the first error, *num = the pages not
 *            inserted (the batch index subtracted, so the failing page counts as not inserted);
 *   5.10.262 mm/memory.c:vm_insert_pages():1799  [addr, addr + num pages) outside the VMA ->
 *            -EFAULT before anything else, then the VM_MIXEDMAP step (BUG_ON VM_PFNMAP);
 *   6.1.192 mm/memory.c:1852-2090  the same functions, unchanged in behaviour.
 * Also read (GitHub copies of release tarballs): 5.6.4 has no vm_insert_pages(); 5.7.14
 * mm/memory.c:insert_pages():1520, vm_insert_pages():1590, vm_mixed_ok():1875 (first release v5.7);
 * 5.8.1 .. 6.9.0: insert_page(), insert_page_into_pte_locked(), insert_pages(), vm_insert_pages(),
 * validate_page_before_insert() change only by refactors (mmap_read_trylock, the vma instead of the
 * mm, folio helpers, inc_mm_counter), except 6.5.0 insert_pages(), which returns -EFAULT when the
 * PTE table cannot be mapped (`if (!start_pte) { ret = -EFAULT; goto out; }`): version
 * pte-map-may-fail, v6.5. __vm_insert_mixed() takes a pgprot in 5.6.4 .. 6.3.8 (same checks). v6.7 and v6.10
 * were not read; fce831c92092 (6.11.11) is the next change.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { PAGE_SIZE } from '../../../src/model/state.ts';
import { hex } from '../../mm-primitives.ts';
import {
  insertRefcountedPte,
  pageCount,
  refusedForInsert,
  setMixedmapOrBug,
  zeropageInsertV5_4,
} from './v5-4.ts';

export const zeropageInsert8cd3984d81d5: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: '8cd3984d81d5',
  commit: '8cd3984d81d5',
  subject: 'mm/memory.c: add vm_insert_pages()',
  release: 'v5.7',
  summary:
    'vm_insert_pages() added (stops at the first failure, *num = pages left); insert_page() validates: anon, slab and typed pages refused.',
  ops: {
    ...zeropageInsertV5_4.ops,
    vmInsertPages(k, st, mm, vma, addr, pfns) {
      const n = pfns.length;
      const endAddr = addr + n * PAGE_SIZE - 1;
      if (addr < vma.start || endAddr >= vma.end) {
        st.why(`vm_insert_pages: [${hex(addr)}, ${hex(endAddr + 1)}) not inside the VMA -> -EFAULT`);
        return { ret: err('EFAULT'), left: n };
      }
      if (!setMixedmapOrBug(st, vma, 'vm_insert_pages')) return { ret: 'BUG', left: n };
      for (let i = 0; i < n; i++) {
        const ret = k.insertPageInBatchLocked(k, st, mm, vma, addr + i * PAGE_SIZE, pfns[i]!);
        if (ret !== 0) {
          st.why(`vm_insert_pages: page ${i} failed (${ret}) -> stop, ${n - i} left`);
          return { ret, left: n - i };
        }
      }
      return { ret: 0, left: 0 };
    },
    insertPageInBatchLocked(k, st, mm, vma, addr, pfn) {
      if (pageCount(st, pfn) === 0) {
        st.why(`insert_page_in_batch_locked: page_count(${st.pageName(pfn)}) == 0 -> -EINVAL`);
        return err('EINVAL');
      }
      const ret = k.validatePageBeforeInsert(k, st, mm, vma, pfn);
      if (ret) return ret;
      return k.insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, false);
    },
    validatePageBeforeInsert(_k, st, _mm, _vma, pfn) {
      return refusedForInsert(st, pfn, 'validate_page_before_insert') ? err('EINVAL') : 0;
    },
    insertPageIntoPteLocked(_k, st, mm, vma, addr, pfn) {
      return insertRefcountedPte(st, mm, vma, addr, pfn);
    },
    insertPageOne(k, st, mm, vma, addr, pfn, mkwrite) {
      const ret = k.validatePageBeforeInsert(k, st, mm, vma, pfn);
      if (ret) return ret;
      return k.insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, mkwrite);
    },
  },
};
