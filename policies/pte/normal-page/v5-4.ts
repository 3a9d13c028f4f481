/**
 * normal-page @ v5.4 (the baseline, unchanged in this respect up to v6.10: V0 of
 * facts/insert-pfnmap.md §2.2-2.3).
 *
 * Kernel functions modelled: vm_normal_page(), vm_normal_page_pmd() (mm/memory.c). There is no
 * vm_normal_page_pud(): the vocabulary call is 'unsupported', and a PUD entry has no normal page
 * (zap_huge_pud only clears special-huge PUDs).
 *
 * vm_normal_page():
 *   pte_special arch, special bit set: the vm_ops->find_special_page hook (xen gntdev; the VMA op
 *   `find_normal_page` stands for it in every version), else PFNMAP/MIXEDMAP -> NULL, zero pfn ->
 *   NULL, else print_bad_pte + NULL. Special bit clear: pfn > highest_memmap_pfn -> bad + NULL,
 *   else the page, even the zero pfn.
 *   !pte_special arch: MIXEDMAP: !pfn_valid -> NULL, else the page (zero page included, and the
 *   highest_memmap check skipped). PFNMAP: pfn == vm_pgoff + index -> NULL; !COW -> NULL; a COW
 *   nonlinear pfn is taken for a COWed anon page. Then zero -> NULL, > highest -> bad + NULL, page.
 * vm_normal_page_pmd(): no special bit; the same PFNMAP/MIXEDMAP rules, then (pmd_devmap), huge
 *   zero pmd -> NULL, > highest -> NULL silently, page.
 *
 * pte_devmap() / pmd_devmap() read the entry's devmap bit through k.pteDevmap (the declared bit,
 * defaulting from an fs-dax page; insert_pfn*() set it for a devmap pfn_t); a devmap PTE is also
 * special, as x86's pte_mkdevmap() makes it. Simplification: the find_special_page hook returns
 * the page the entry maps.
 *
 * Release ids using it: v5.4 (v5.5), and through normal-page huge-zero-pmd v5.6 .. v6.10. Source
 * read (2026-12), branch by branch:
 *   5.10.262 mm/memory.c:vm_normal_page():594  pte_special arch: !special -> check_pfn; hook;
 *     PFNMAP|MIXEDMAP -> NULL; zero -> NULL; pte_devmap -> NULL; else print_bad_pte + NULL. No
 *     pte_special: MIXEDMAP: !pfn_valid -> NULL else the page straight away (the zero pfn too);
 *     PFNMAP: linear -> NULL, !COW -> NULL; then zero -> NULL; check_pfn: > highest_memmap_pfn
 *     -> print_bad_pte + NULL (636); the page.
 *   5.10.262 mm/memory.c:vm_normal_page_pmd():650  PFNMAP/MIXEDMAP rules as above, then
 *     pmd_devmap -> NULL (675), huge zero -> NULL (677), > highest_memmap_pfn -> NULL without a
 *     report (679), the page. (pmd_devmap was missing from this model before the 2026-12
 *     reading: an fs-dax PMD was taken for a normal page and munmap dropped a reference the
 *     mapping never took.)
 *   6.1.192 mm/memory.c:vm_normal_page():612, vm_normal_page_pmd():686  the same.
 * Also read (GitHub copies of release tarballs): mm/memory.c:vm_normal_page() is textually the same
 * in 5.4.0 (:574) and every source up to 6.9.0 (:582), vm_normal_page_pmd() in 5.6.4 .. 6.9.0
 * (:656); the next change is fce831c92092 (6.11.11). v5.5, v6.7 and v6.10 were not read,
 * bracketed by identical functions.
 *
 * v5.4 only: 5.4.0 mm/memory.c:vm_normal_page_pmd():630 tests `if (is_zero_pfn(pfn)) return
 * NULL;` (:657) where 5.6.4 (:648) tests `if (is_huge_zero_pmd(pmd))` (:675). is_zero_pfn()
 * compares with the 4 KiB zero page's pfn, and the huge zero folio is a page of its own, so v5.4
 * returns the huge zero folio as a normal page (then checked against highest_memmap_pfn like any
 * pfn). The model keeps the huge zero folio as the PMD entry of the zero pfn (isHugeZero) and
 * names it `zero` in outcomes; this version returns it, normal-page huge-zero-pmd (v5.6) does not.
 * Its only in-tree caller in 5.4.0 is fs/proc/task_mmu.c:1728 (numa_maps); zap_huge_pmd() and
 * copy_huge_pmd() test is_huge_zero_pmd() themselves before touching the page (5.4.0
 * mm/huge_memory.c:1031), so munmap and fork are unaffected (mm-core does the same).
 */
import type { Level, LookupCallName } from '../../../src/model/events.ts';
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import { type CallResult, UNSUPPORTED } from '../../../src/model/outcome.ts';
import type { Entry, State, Vma } from '../../../src/model/state.ts';
import {
  entryAtLevel,
  vmaHas as hasFlag,
  hex,
  isHugeZero,
  pageIndex,
  pxxSpecial,
} from '../../mm-primitives.ts';

function cow(vma: Vma): boolean {
  return isCowMappingFlags(vma.flags);
}

/** The PFNMAP/MIXEDMAP rules of an arch without a special bit; 'fallthrough' means keep checking. */
export function pfnmapRules(
  st: State,
  vma: Vma,
  addr: number,
  pfn: number,
  what: string,
): 'NULL' | 'page' | 'fallthrough' {
  if (hasFlag(vma, 'VM_MIXEDMAP')) {
    if (!st.pfnValid(pfn)) {
      st.why(`${what}: VM_MIXEDMAP, !pfn_valid(${hex(pfn)}) -> NULL`);
      return 'NULL';
    }
    return 'page';
  }
  if (hasFlag(vma, 'VM_PFNMAP')) {
    const idx = pageIndex(vma, addr);
    if (pfn === vma.pgoff + idx) {
      st.why(`${what}: VM_PFNMAP, pfn == vm_pgoff+idx (linear) -> NULL`);
      return 'NULL';
    }
    if (!cow(vma)) {
      st.why(`${what}: VM_PFNMAP, pfn != vm_pgoff+idx, !is_cow_mapping -> NULL`);
      return 'NULL';
    }
    st.why(`${what}: VM_PFNMAP, pfn != vm_pgoff+idx, COW -> taken for a COWed anon page`);
  }
  return 'fallthrough';
}

/** The special-bit branch of vm_normal_page() (pte_special archs). */
export function specialPteRules(
  st: State,
  vma: Vma,
  pfn: number,
  what: string,
  devmap = false,
): number | null {
  if (vma.ops.includes('find_normal_page')) {
    st.why(`${what}: special, vm_ops->find_special_page -> its page`);
    return pfn;
  }
  if (hasFlag(vma, 'VM_PFNMAP') || hasFlag(vma, 'VM_MIXEDMAP')) {
    st.why(`${what}: pte_special in PFNMAP/MIXEDMAP -> NULL`);
    return null;
  }
  if (st.isZeroPfn(pfn)) {
    st.why(`${what}: pte_special, zero pfn -> NULL`);
    return null;
  }
  // 5.10.262 .. 6.12.118 vm_normal_page(): `if (pte_devmap(pte)) return NULL;` before
  // print_bad_pte(): legacy ZONE_DEVICE (fs-dax) pages hold no reference for the mapping.
  if (devmap) {
    st.why(`${what}: pte_special, pte_devmap -> NULL`);
    return null;
  }
  st.why(`${what}: pte_special outside PFNMAP/MIXEDMAP, not zero -> print_bad_pte, NULL`);
  st.badPageMap('pte');
  return null;
}

export function vmNormalPagePteV0(
  st: State,
  vma: Vma,
  addr: number,
  entry: Entry,
  devmap = false,
): number | null {
  const pfn = entry.pfn;
  const what = 'vm_normal_page';
  if (st.config.pte_special) {
    if (pxxSpecial(st, entry)) return specialPteRules(st, vma, pfn, what, devmap);
    st.why(`${what}: !pte_special on a pte_special arch -> check pfn`);
  } else {
    const r = pfnmapRules(st, vma, addr, pfn, what);
    if (r === 'NULL') return null;
    if (r === 'page') {
      st.why(
        `${what}: !pte_special arch, VM_MIXEDMAP, pfn_valid -> page${st.isZeroPfn(pfn) ? ' (the zero page, refcounted)' : ''}`,
      );
      return pfn;
    }
    if (st.isZeroPfn(pfn)) {
      st.why(`${what}: !pte_special arch, zero pfn -> NULL`);
      return null;
    }
  }
  if (pfn > st.config.highest_memmap_pfn) {
    st.why(`${what}: pfn ${hex(pfn)} > highest_memmap_pfn -> print_bad_pte, NULL`);
    st.badPageMap('pte');
    return null;
  }
  st.why(`${what}: -> normal page ${st.pageName(pfn)}`);
  return pfn;
}

/**
 * How vm_normal_page_pmd() recognises the huge zero folio: `is_huge_zero_pmd(pmd)` from v5.6, or
 * v5.4's `is_zero_pfn(pfn)`, which compares with the 4 KiB zero page's pfn and so never matches
 * the huge zero folio (a page of its own: in the model, the PMD entry of the zero pfn).
 */
export type HugeZeroTest = 'is_huge_zero_pmd' | 'is_zero_pfn';

export function vmNormalPagePmdV0(
  st: State,
  vma: Vma,
  addr: number,
  entry: Entry,
  devmap = false,
  zeroTest: HugeZeroTest = 'is_huge_zero_pmd',
): number | null {
  const pfn = entry.pfn;
  const what = 'vm_normal_page_pmd';
  const r = pfnmapRules(st, vma, addr, pfn, what);
  if (r === 'NULL') return null;
  if (r === 'page') {
    st.why(`${what}: VM_MIXEDMAP, pfn_valid -> page`);
    return pfn;
  }
  // 5.10.262 mm/memory.c:675, 6.1.192 :711, 6.12.118 :695: `if (pmd_devmap(pmd)) return NULL;`
  // after the PFNMAP/MIXEDMAP rules: an fs-dax PMD holds no reference for the mapping.
  if (devmap) {
    st.why(`${what}: pmd_devmap -> NULL`);
    return null;
  }
  if (isHugeZero(st, pfn, 'pmd')) {
    if (zeroTest === 'is_huge_zero_pmd') {
      st.why(`${what}: huge zero pmd -> NULL`);
      return null;
    }
    st.why(`${what}: is_zero_pfn() is false for the huge zero folio -> it goes on as a normal page`);
  }
  if (pfn > st.config.highest_memmap_pfn) {
    st.why(`${what}: pfn ${hex(pfn)} > highest_memmap_pfn -> NULL`);
    return null;
  }
  st.why(`${what}: -> normal page ${st.pageName(pfn)}`);
  return pfn;
}

/** vm_normal_page() / vm_normal_page_pmd() of v5.4 .. v6.10, with the release's huge zero test. */
export function vmNormalPageV0(
  k: Kernel,
  st: State,
  vma: Vma,
  addr: number,
  entry: Entry,
  level: Level,
  zeroTest: HugeZeroTest,
): number | null {
  if (level === 'pte') return vmNormalPagePteV0(st, vma, addr, entry, k.pteDevmap(k, st, entry));
  if (level === 'pmd') return vmNormalPagePmdV0(st, vma, addr, entry, k.pteDevmap(k, st, entry), zeroTest);
  st.why('no vm_normal_page_pud(): a PUD leaf has no normal page -> NULL');
  return null;
}

/** vm_normal_page* for the lookup calls: the entry at the call's level, then k.vmNormalPage. */
export function lookupNormalPageWith(
  k: Kernel,
  st: State,
  name: Exclude<LookupCallName, 'folio_walk_start'>,
  mm: number,
  addr: number,
): CallResult {
  const level = name === 'vm_normal_page' ? 'pte' : name === 'vm_normal_page_pmd' ? 'pmd' : 'pud';
  const vma = st.findVma(mm, addr);
  if (!vma) {
    st.why(`${name}: no VMA at ${hex(addr)} -> NULL`);
    return { ret: 'NULL' };
  }
  const entry = entryAtLevel(st, mm, addr, level);
  if (!entry) {
    st.why(`${name}: no ${level} entry at ${hex(addr)} -> NULL`);
    return { ret: 'NULL' };
  }
  const pfn = k.vmNormalPage(k, st, vma, addr, entry, level);
  return pfn === null ? { ret: 'NULL' } : { ret: st.pageName(pfn), pfns: [pfn] };
}

export const normalPageV5_4: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'vm_normal_page(), vm_normal_page_pmd() as of v5.4 (unchanged through v6.10)',
  release: 'v5.4',
  summary:
    'Baseline: a non-special zero PTE is a normal page on pte_special archs; without pte_special a MIXEDMAP zero pfn is a normal page; COW PFNMAP nonlinear RAM pfns are taken for anon pages; no vm_normal_page_pud.',
  ops: {
    vmNormalPage(k, st, vma, addr, entry, level) {
      return vmNormalPageV0(k, st, vma, addr, entry, level, 'is_zero_pfn');
    },
    lookupNormalPage(k, st, name, mm, addr) {
      if (name === 'vm_normal_page_pud') {
        st.why('vm_normal_page_pud() does not exist before v6.18');
        return UNSUPPORTED;
      }
      return lookupNormalPageWith(k, st, name, mm, addr);
    },
  },
};
