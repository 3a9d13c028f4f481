/**
 * zeropage-insert @ v5.4 (the baseline).
 *
 * Kernel functions modelled (mm/memory.c): vm_insert_page(), insert_page(), __vm_map_pages() /
 * vm_map_pages(), vm_mixed_ok(), __vm_insert_mixed() (vmf_insert_mixed and
 * vmf_insert_mixed_mkwrite). vm_insert_pages() does not exist yet (8cd3984d81d5, v5.7): the call
 * is 'unsupported'.
 *
 * The zero page has no special treatment anywhere (V0 of facts/insert-pfnmap.md §1.3-1.4):
 * vm_insert_page() of the zero page takes a reference, a file rmap and MM_FILEPAGES and writes a
 * non-special PTE, in any VMA; vm_mixed_ok() accepts the zero pfn in any VMA; __vm_insert_mixed()
 * on an arch without pte_special goes through insert_page() for a pfn_valid pfn, so the zero page
 * is refcounted there too, and BUG_ON(!vm_mixed_ok()) fires for anything else outside VM_MIXEDMAP.
 *
 * insert_page() at v5.4 refuses anon, slab and typed pages with -EINVAL before it looks at the PTE
 * (PageSlab was already there; page_has_type() came with 0ee930e6cafa "mm/memory.c: prevent
 * mapping typed pages to userspace", Linus' tree 2019-03-05, v5.1; its posted diff shows the
 * v5.0 test `PageAnon || PageSlab`). An earlier version of this model let slab and typed pages
 * through at v5.4; the 2026-12 reading corrected it.
 *
 * Simplifications: pfn_t flags are not in the trace: a pfn of a page declared `kind=fsdax` is
 * taken as PFN_DEV|PFN_MAP (pfn_t_devmap), every other pfn as a plain pfn; a devmap PTE is
 * recorded as special (x86 sets _PAGE_SPECIAL with _PAGE_DEVMAP). The mmap-lock BUG_ON of
 * vm_insert_page() is not modelled (no locks). pfn_modify_allowed() and track_pfn_insert()
 * always succeed. A page with no `pinbench_page` declaration is a page whose refcount is 0.
 *
 * Source read (2026-12): v5.4 itself is not among the Debian sources; its functions were read in
 * their 5.10.262 form, which differs from v5.4 only by vm_insert_pages() (8cd3984d81d5) and the
 * factoring of insert_page()'s checks into validate_page_before_insert():
 *   5.10.262 mm/memory.c:vm_insert_page():1858  range -> -EFAULT, then !page_count -> -EINVAL,
 *            then the VM_MIXEDMAP step (BUG_ON VM_PFNMAP), then insert_page();
 *   5.10.262 mm/memory.c:validate_page_before_insert():1663  anon || slab || has_type -> -EINVAL;
 *   5.10.262 mm/memory.c:insert_page_into_pte_locked():1671  !pte_none -> -EBUSY; else get_page,
 *            MM_FILEPAGES++, file rmap, a non-special PTE;
 *   5.10.262 mm/memory.c:__vm_map_pages():1885  offset >= num -> -ENXIO, count > num - offset ->
 *            -ENXIO, then vm_insert_page() page by page, the first error returned;
 *   5.10.262 mm/memory.c:vm_mixed_ok():2084  MIXEDMAP, pfn_t_devmap, pfn_t_special, zero -> true;
 *   5.10.262 mm/memory.c:__vm_insert_mixed():2098  BUG_ON(!vm_mixed_ok) first, then the range
 *            check (VM_FAULT_SIGBUS), then !pte_special && !devmap && pfn_valid -> insert_page()
 *            (-ENOMEM -> OOM, other errors but -EBUSY -> SIGBUS, else NOPAGE), else insert_pfn().
 * 6.1.192 has the same functions (mm/memory.c:1852-2357), with the vma passed instead of the mm.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { VmFault } from '../../../src/model/ops/pte-ops.ts';
import { PAGE_SIZE, type State, type Vma } from '../../../src/model/state.ts';
import {
  accountMapping,
  ENXIO,
  entryAtLevel,
  vmaHas as hasFlag,
  hex,
  makeEntry,
  setFlags,
} from '../../mm-primitives.ts';

/** pfn_t_devmap() for the trace's plain pfns (see the simplification above). */
export function pfnTDevmap(st: State, pfn: number): boolean {
  return st.folioOf(pfn)?.kind === 'fsdax';
}

/** page_count(): a page nobody declared counts as a free page (0). */
export function pageCount(st: State, pfn: number): number {
  return st.folioOf(pfn)?.refcount ?? 0;
}

/**
 * insert_page()'s page test at v5.4, validate_page_before_insert() from v5.7: PageAnon (anon and
 * THP pages here), PageSlab, page_has_type -> the caller returns -EINVAL.
 */
export function refusedForInsert(st: State, pfn: number, fn: string): boolean {
  const kind = st.folioOf(pfn)?.kind;
  if (kind === 'anon' || kind === 'thp' || kind === 'slab' || kind === 'typed') {
    st.why(`${fn}: ${kind} page ${st.pageName(pfn)} -> -EINVAL`);
    return true;
  }
  return false;
}

/** The address check of vm_insert_page() and __vm_insert_mixed(). */
export function outsideVma(vma: Vma, addr: number): boolean {
  return addr < vma.start || addr >= vma.end;
}

/** vm_insert_page()'s "not yet VM_MIXEDMAP" step: BUG on VM_PFNMAP, else set VM_MIXEDMAP. */
export function setMixedmapOrBug(st: State, vma: Vma, fn: string): boolean {
  if (hasFlag(vma, 'VM_MIXEDMAP')) return true;
  if (hasFlag(vma, 'VM_PFNMAP')) {
    st.why(`${fn}: !VM_MIXEDMAP and VM_PFNMAP -> BUG_ON`);
    st.bug(`${fn} VM_PFNMAP`);
    return false;
  }
  setFlags(vma, 'VM_MIXEDMAP');
  st.why(`${fn}: VMA becomes VM_MIXEDMAP`);
  return true;
}

/** insert_page_into_pte at V0: always a refcounted, rmapped, non-special PTE. */
export function insertRefcountedPte(st: State, mm: number, vma: Vma, addr: number, pfn: number): number {
  if (entryAtLevel(st, mm, addr, 'pte')) {
    st.why(`insert_page: PTE at ${hex(addr)} not none -> -EBUSY`);
    return err('EBUSY');
  }
  accountMapping(st, mm, pfn, 1);
  st.setEntry(mm, addr, makeEntry(pfn, 'pte', false, hasFlag(vma, 'VM_WRITE') && hasFlag(vma, 'VM_SHARED')));
  st.why(
    `insert_page: ${st.pageName(pfn)} mapped non-special: get_page, file rmap, MM_FILEPAGES++${st.isZeroPfn(pfn) ? ' (the zero page, refcounted)' : ''}`,
  );
  return 0;
}

export const zeropageInsertV5_4: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'vm_insert_page(), vm_map_pages(), vmf_insert_mixed*() as of v5.4',
  release: 'v5.4',
  summary:
    'Baseline: the zero page is an ordinary page to vm_insert_page (refcounted, non-special, any VMA); vm_mixed_ok accepts the zero pfn anywhere; !pte_special refcounts valid pfns through insert_page; BUG_ON(!vm_mixed_ok); no vm_insert_pages.',
  ops: {
    vmInsertPage(k, st, mm, vma, addr, pfn) {
      if (outsideVma(vma, addr)) {
        st.why(`vm_insert_page: ${hex(addr)} outside the VMA -> -EFAULT`);
        return err('EFAULT');
      }
      if (pageCount(st, pfn) === 0) {
        st.why(`vm_insert_page: page_count(${st.pageName(pfn)}) == 0 -> -EINVAL`);
        return err('EINVAL');
      }
      if (!setMixedmapOrBug(st, vma, 'vm_insert_page')) return 'BUG';
      return k.insertPageOne(k, st, mm, vma, addr, pfn, false);
    },
    vmInsertPages(_k, st) {
      st.why('vm_insert_pages() does not exist before v5.7 (8cd3984d81d5)');
      return 'unsupported';
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
      for (let i = 0; i < count; i++) {
        const ret = k.vmInsertPage(k, st, mm, vma, vma.start + i * PAGE_SIZE, pfns[offset + i]!);
        if (ret === 'BUG' || ret < 0) return ret;
      }
      return 0;
    },
    insertPageOne(_k, st, mm, vma, addr, pfn) {
      if (refusedForInsert(st, pfn, 'insert_page')) return err('EINVAL');
      return insertRefcountedPte(st, mm, vma, addr, pfn);
    },
    vmMixedOk(_k, st, _mm, vma, pfn) {
      if (hasFlag(vma, 'VM_MIXEDMAP')) return true;
      if (pfnTDevmap(st, pfn)) {
        st.why('vm_mixed_ok: pfn_t_devmap -> ok');
        return true;
      }
      if (st.isZeroPfn(pfn)) {
        st.why('vm_mixed_ok: zero pfn outside VM_MIXEDMAP -> ok');
        return true;
      }
      return false;
    },
    vmInsertMixed(k, st, mm, vma, addr, pfn, mkwrite) {
      if (!k.vmMixedOk(k, st, mm, vma, pfn, mkwrite)) {
        st.why(`__vm_insert_mixed: !vm_mixed_ok(${st.pageName(pfn)}) -> BUG_ON`);
        st.bug('vm_mixed_ok');
        return 'BUG';
      }
      return insertMixedAfterOk(k, st, mm, vma, addr, pfn, mkwrite);
    },
  },
};

/**
 * __vm_insert_mixed() after the vm_mixed_ok() check. The same in every version; until the pfn_t
 * removal a devmap pfn_t also went to insert_pfn() (`pfnT`), afterwards only pte_special decides.
 */
export function insertMixedAfterOk(
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma,
  addr: number,
  pfn: number,
  mkwrite: boolean,
  pfnT = true,
): VmFault {
  if (outsideVma(vma, addr)) {
    st.why(`__vm_insert_mixed: ${hex(addr)} outside the VMA -> VM_FAULT_SIGBUS`);
    return 'SIGBUS';
  }
  if (!st.config.pte_special && !(pfnT && pfnTDevmap(st, pfn)) && st.pfnValid(pfn)) {
    st.why('__vm_insert_mixed: !pte_special, pfn_valid -> insert_page()');
    const ret = k.insertPageOne(k, st, mm, vma, addr, pfn, mkwrite);
    if (ret < 0 && ret !== err('EBUSY')) {
      st.why(`__vm_insert_mixed: insert_page ${ret} -> VM_FAULT_SIGBUS`);
      return 'SIGBUS';
    }
    return 'NOPAGE';
  }
  st.why('__vm_insert_mixed: -> insert_pfn()');
  const ret = k.insertPfnEntry(k, st, mm, vma, addr, pfn, 'pte', mkwrite);
  return ret < 0 && ret !== err('EBUSY') ? 'SIGBUS' : 'NOPAGE';
}
