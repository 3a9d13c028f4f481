/**
 * zeropage-insert @ 62c65fd740e9 "mm: add mmap_action_map_kernel_pages[_full]()" (Lorenzo Stoakes,
 * patch 15/16 of the mmap_prepare series; its v2 posting of 2026-03-16 was read in the code
 * corpus).
 *
 * First release: v7.1. Evidence: the commit is in Linus' push to master of 2026-04-15 that merged
 * mm-stable-2026-04-13 (the v7.1 merge window); that push's revlist was read in the code corpus.
 * 7.2.13 carries it.
 *
 * Also folded in: __vm_map_pages() became one vm_insert_pages() call. Its commit was not found;
 * it is in 7.2.13, not in 6.12.118, and a copy of mm/memory.c in the code corpus has it while
 * vm_insert_pages() still BUG_ONs. On its own it changes no outcome (vm_insert_pages() and the
 * vm_insert_page() loop refuse the same pages in the same order and both BUG on VM_PFNMAP), so
 * the model places it with 62c65fd740e9, which is where it starts to matter.
 *
 * Kernel functions modelled: vm_insert_pages(), __vm_map_pages() (vm_map_pages).
 *
 * Changed from pfn-t-removal:
 *   vm_insert_pages(): the range test becomes range_in_vma(addr, addr + num pages) (the same
 *   outcome as before, -EFAULT); on a VMA without VM_MIXEDMAP, VM_PFNMAP is no longer BUG_ON but
 *   VM_WARN_ON_ONCE, and VM_MIXEDMAP is set anyway, so the pages are inserted into a
 *   PFNMAP|MIXEDMAP VMA. (vm_insert_page() keeps its BUG_ON.)
 *   __vm_map_pages(): the two -ENXIO tests as before, then one vm_insert_pages() of the VMA's page
 *   count instead of a vm_insert_page() loop: the same stop-at-first-error outcome, but a
 *   VM_PFNMAP VMA now gets the warning instead of the BUG.
 *
 * Simplification: VM_WARN_ON_ONCE counts as a warning (as if CONFIG_DEBUG_VM were set, like every
 * VM_WARN in pinbench); without CONFIG_DEBUG_VM the kernel says nothing and does the same.
 *
 * Source read (2026-12): 7.2.13 mm/memory.c:vm_insert_pages():2501 (range_in_vma -> -EFAULT;
 * !VM_MIXEDMAP: VM_WARN_ON_ONCE(trylock), VM_WARN_ON_ONCE(VM_PFNMAP), vm_flags_set(MIXEDMAP);
 * insert_pages()), mm/memory.c:insert_pages():2428 and insert_page_in_batch_locked():2414
 * (validate, then insert without mkwrite), mm/memory.c:vm_insert_page():2582 (BUG_ON kept),
 * mm/memory.c:__vm_map_pages():2609 (offset >= num -> -ENXIO; count > num - offset -> -ENXIO;
 * vm_insert_pages(vma, vm_start, pages + offset, &count)).
 *
 * Also read: 7.1.5 (a GitHub copy of that tarball) mm/memory.c:vm_insert_pages():2500 is the
 * 7.2.13 text; 7.0.0's vm_insert_pages():2490 is the 6.6 .. 6.19 text: first release v7.1,
 * bracketed by 7.0.0 and 7.1.5.
 */
import { PolicyError } from '../../../src/errors.ts';
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { PAGE_SIZE } from '../../../src/model/state.ts';
import { ENXIO, vmaHas as hasFlag, hex, setFlags } from '../../mm-primitives.ts';
import { zeropageInsertPfnTRemoval } from './pfn-t-removal.ts';

export const zeropageInsert62c65fd740e9: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: '62c65fd740e9',
  commit: '62c65fd740e9',
  subject: 'mm: add mmap_action_map_kernel_pages[_full]()',
  release: 'v7.1',
  summary:
    'vm_insert_pages() warns instead of BUG_ON on a VM_PFNMAP VMA and inserts anyway; vm_map_pages() is one vm_insert_pages() call.',
  ops: {
    ...zeropageInsertPfnTRemoval.ops,
    vmInsertPages(k, st, mm, vma, addr, pfns) {
      const n = pfns.length;
      const end = addr + n * PAGE_SIZE;
      if (!(vma.start <= addr && end <= vma.end)) {
        st.why(`vm_insert_pages: !range_in_vma([${hex(addr)}, ${hex(end)})) -> -EFAULT`);
        return { ret: err('EFAULT'), left: n };
      }
      if (!hasFlag(vma, 'VM_MIXEDMAP')) {
        if (hasFlag(vma, 'VM_PFNMAP')) {
          st.why('vm_insert_pages: VM_PFNMAP without VM_MIXEDMAP -> VM_WARN_ON_ONCE, carries on');
          st.warn('vm_insert_pages VM_PFNMAP');
        }
        setFlags(vma, 'VM_MIXEDMAP');
        st.why('vm_insert_pages: VMA becomes VM_MIXEDMAP');
      }
      for (let i = 0; i < n; i++) {
        const ret = k.insertPageInBatchLocked(k, st, mm, vma, addr + i * PAGE_SIZE, pfns[i]!);
        if (ret !== 0) {
          st.why(`vm_insert_pages: page ${i} failed (${ret}) -> stop, ${n - i} left`);
          return { ret, left: n - i };
        }
      }
      return { ret: 0, left: 0 };
    },
    vmMapPages(k, st, mm, vma, pfns) {
      const count = Math.floor((vma.end - vma.start) / PAGE_SIZE);
      const offset = vma.pgoff;
      if (offset >= pfns.length) {
        st.why(`vm_map_pages: vm_pgoff ${offset} >= ${pfns.length} pages -> -ENXIO`);
        return ENXIO;
      }
      if (count > pfns.length - offset) {
        st.why(`vm_map_pages: VMA needs ${count} pages, ${pfns.length - offset} given -> -ENXIO`);
        return ENXIO;
      }
      st.why(`vm_map_pages: one vm_insert_pages() of ${count} pages`);
      const r = k.vmInsertPages(k, st, mm, vma, vma.start, pfns.slice(offset, offset + count));
      if (r === 'unsupported') {
        throw new PolicyError(
          'PB_POLICY',
          'vm_map_pages() calls vm_insert_pages(), which this table says does not exist',
        );
      }
      return r.ret;
    },
  },
};
