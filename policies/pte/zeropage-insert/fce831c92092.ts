/**
 * zeropage-insert @ fce831c92092 "mm/memory: cleanly support zeropage in vm_insert_page*(),
 * vm_map_pages*() and vmf_insert_mixed()" together with its series predecessor 11b914ee9e3b
 * "mm/memory: move page_count() check into validate_page_before_insert()" (v2 of the series,
 * 2024-05-22; first release v6.11, "MM updates for 6.11-rc1"). V1 of facts/insert-pfnmap.md §1.3,
 * read at [C:fce831c92092] and in a v6.11-v6.14 mm/memory.c read through the code corpus.
 *
 * Kernel functions modelled: vm_mixed_zeropage_allowed(), validate_page_before_insert(),
 * insert_page_in_batch_locked(), vm_insert_page() (the rest as the v1 posting).
 *
 * Changed from v6.10 (8cd3984d81d5): everything the v1 posting changed (the zero folio is
 * special and unrefcounted, allowed only where vm_mixed_zeropage_allowed() says so, SIGBUS
 * instead of BUG in __vm_insert_mixed), plus the two review fixes written here as the diff from
 * the v1 posting: a never-writable VMA allows the zero page, and the page_count() check moves
 * into validate_page_before_insert() as its first test (folio_ref_count == 0 -> -EINVAL), so it
 * covers the insert_page() path of __vm_insert_mixed() too and leaves vm_insert_page() and the
 * batch path.
 *
 * Source read (2026-12): 6.12.118 (release ids v6.11, v6.12, v6.13, v6.14 use this version;
 * 6.11.11, 6.13.7 and 6.14.0, GitHub copies of those tarballs, have the same vm_mixed_ok(),
 * vm_mixed_zeropage_allowed(), insert_page() and validate_page_before_insert() text; 6.9.0 has no
 * vm_mixed_zeropage_allowed(), so the first release is v6.11), branch by branch:
 *   mm/memory.c:vm_mixed_zeropage_allowed():1994  VM_WARN_ON_ONCE(VM_PFNMAP) (a no-op without
 *     CONFIG_DEBUG_VM; counted here, the convention of every VM_WARN in pinbench), then
 *     mm_forbids_zeropage -> false, is_cow_mapping -> true, !(VM_WRITE|VM_MAYWRITE) -> **true**,
 *     else vm_ops->pfn_mkwrite && (vma_is_fsdax || VM_IO);
 *   mm/memory.c:validate_page_before_insert():2024  folio_ref_count == 0 -> -EINVAL first, then
 *     the zero folio -> allowed ? 0 : -EINVAL, then anon || slab || has_type -> -EINVAL;
 *   mm/memory.c:insert_page_into_pte_locked():2043  !pte_none -> -EBUSY; the zero folio gets
 *     pte_mkspecial and no folio_get / rss / rmap; any other folio all three;
 *   mm/memory.c:insert_page_in_batch_locked():2084  validate only (no page_count test of its own);
 *   mm/memory.c:vm_insert_page():2218  range -> -EFAULT, the VM_MIXEDMAP step (BUG_ON
 *     VM_PFNMAP), insert_page() (no page_count test of its own);
 *   mm/memory.c:__vm_map_pages():2245  -ENXIO twice, then vm_insert_page() page by page;
 *   mm/memory.c:vm_mixed_ok():2457  zero pfn && (mkwrite || !allowed) -> false, then MIXEDMAP,
 *     pfn_t_devmap, pfn_t_special, zero -> true;
 *   mm/memory.c:__vm_insert_mixed():2474  !vm_mixed_ok -> VM_FAULT_SIGBUS (no BUG_ON), then the
 *     range check, then the pte_special / devmap / pfn_valid choice as before.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { hex } from '../../mm-primitives.ts';
import { pteTableMaps } from './pte-map-may-fail.ts';
import { zeropageAllowed, zeropageInsertV1Posting } from './v1-posting.ts';
import { outsideVma, pageCount, setMixedmapOrBug } from './v5-4.ts';

const v1 = zeropageInsertV1Posting.ops;

export const zeropageInsertFce831c92092: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'fce831c92092',
  commit: 'fce831c92092',
  subject: 'mm/memory: cleanly support zeropage in vm_insert_page*(), vm_map_pages*() and vmf_insert_mixed()',
  release: 'v6.11',
  summary:
    'The zero page is never refcounted when mapped (special PTE); allowed unless s390 forbids it, in COW or never-writable VMAs, or with pfn_mkwrite and fs-dax/VM_IO; vm_mixed_ok failure is SIGBUS, not BUG.',
  link: 'https://lore.kernel.org/all/20240522125713.775114-1-david@redhat.com/',
  ops: {
    ...v1,
    vmMixedZeropageAllowed(_k, st, _mm, vma) {
      return zeropageAllowed(st, vma, true, 'fce831c92092');
    },
    validatePageBeforeInsert(k, st, mm, vma, pfn) {
      if (pageCount(st, pfn) === 0) {
        st.why(`validate_page_before_insert: folio_ref_count(${st.pageName(pfn)}) == 0 -> -EINVAL`);
        return err('EINVAL');
      }
      return v1.validatePageBeforeInsert!(k, st, mm, vma, pfn);
    },
    insertPageInBatchLocked(k, st, mm, vma, addr, pfn) {
      if (!pteTableMaps(st, mm, addr, 'insert_pages')) return err('EFAULT');
      const ret = k.validatePageBeforeInsert(k, st, mm, vma, pfn);
      if (ret) return ret;
      return k.insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, false);
    },
    vmInsertPage(k, st, mm, vma, addr, pfn) {
      if (outsideVma(vma, addr)) {
        st.why(`vm_insert_page: ${hex(addr)} outside the VMA -> -EFAULT`);
        return err('EFAULT');
      }
      if (!setMixedmapOrBug(st, vma, 'vm_insert_page')) return 'BUG';
      return k.insertPageOne(k, st, mm, vma, addr, pfn, false);
    },
  },
};
