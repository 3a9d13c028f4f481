/**
 * mm-core @ v5.4: the page-table side's entry points, munmap and fork. One version serves every
 * release: what changes between releases is reached through the late-bound table (vm_normal_page*
 * of the release decides what munmap drops and what fork duplicates).
 *
 * Entry points: insertPage (vm_insert_page, vm_insert_pages, vm_map_pages), insertPfn
 * (vmf_insert_mixed, vmf_insert_mixed_mkwrite, vmf_insert_pfn, remap_pfn_range), lookup
 * (vm_normal_page, vm_normal_page_pmd, vm_normal_page_pud, folio_walk_start), munmap, fork.
 * They find the VMA the driver would hold (the one containing addr) and call the family slots.
 *
 * Kernel functions modelled: zap_pte_range() / zap_huge_pmd() / zap_huge_pud() for one entry
 * (zapEntry: at PTE level the page vm_normal_page() returns loses a reference, a mapcount and its
 * rss count; NULL drops nothing, so a reference taken at insert for a page that vm_normal_page
 * does not return at unmap stays: the fs-dax imbalance of fce831c92092's message; huge entries
 * go through zap_huge_pmd() / zap_huge_pud() of the release (ZAP_HUGE_V0 here, folio-pud.ts at
 * v6.15, d80a9cb1a64a.ts at v7.1), hugetlb VMAs through __unmap_hugepage_range()), munmap's VMA
 * removal and split, dup_mmap() / copy_page_range() / copy_present_pte() (copyEntry: the page
 * vm_normal_page returns gains a reference, a mapcount and rss in the child; a writable entry of
 * a COW mapping is write-protected in both).
 *
 * Simplifications: a VMA with no VMA at addr: vm_insert_page* -> -EFAULT (its range check),
 * vmf_insert_* -> VM_FAULT_SIGBUS (its range check), remap_pfn_range -> -EINVAL;
 * vm_insert_page with several pfns inserts them one per page like a driver loop, stopping at
 * the first error. munmap zaps entries whose (level-aligned) address is in the range, without
 * splitting huge entries. fork copies page tables of VM_PFNMAP / VM_MIXEDMAP / VM_HUGETLB, anon
 * and COW VMAs (anon_vma is not modelled), skips VM_DONTCOPY VMAs and the entries of
 * VM_WIPEONFORK ones, copies huge entries only in anon VMAs or when special, and does not model
 * the eager copy of pinned anon pages (70e806e4e645) or the anon-exclusive bit.
 *
 * Source read (2026-12), for munmap (release ids v5.4 .. v6.14 use this zap):
 *   5.10.262 mm/memory.c:zap_pte_range(): a present PTE: page = vm_normal_page(); NULL ->
 *     nothing; else rss, rmap and the reference dropped (through the mmu_gather).
 *   5.10.262 / 6.12.118 mm/huge_memory.c:zap_huge_pmd(): vma_is_special_huge (vma_is_dax, or
 *     vm_file && VM_PFNMAP|VM_MIXEDMAP: include/linux/mm.h:vma_is_special_huge(), 6.12.118:4098)
 *     -> nothing; is_huge_zero_pmd -> nothing; else pmd_page(): rmap, rss (anon or file) and the
 *     reference dropped, vm_normal_page_pmd() not asked. (The model asked vm_normal_page_pmd()
 *     here before the 2026-12 reading; 7.2.13's zap_huge_pmd() is the one that does, from
 *     d80a9cb1a64a.)
 *   5.10.262 / 6.12.118 mm/huge_memory.c:zap_huge_pud(): vma_is_special_huge -> nothing; else
 *     BUG().
 *   5.10.262 mm/hugetlb.c:__unmap_hugepage_range():3928, 7.2.13 :5183: every present hugetlb
 *     entry's page loses its rmap, hugetlb rss and reference (the model asked vm_normal_page*
 *     before, which left a 1 GiB hugetlb PUD mapped forever before v6.18).
 * For fork (huge entries; the model copied a special huge entry in every release and took a
 * reference for a PUD before the 2026-12 reading):
 *   5.10.262 mm/huge_memory.c:copy_huge_pmd(): !vma_is_anonymous(dst_vma) -> not copied; an anon
 *     THP (or the huge zero PMD) is copied with its reference and rmap.
 *   5.10.262 mm/huge_memory.c:copy_huge_pud(): copied as is, no reference, write-protected in both.
 *   6.12.118 / 7.2.13: see bc02afbd4d73.ts.
 * PTEs (copy_present_pte: vm_normal_page's page is duplicated, COW && writable -> write-protect
 * both) and the entry points were not re-read branch by branch in this pass. Hugetlb fork
 * (copy_hugetlb_page_range) is not modelled: a hugetlb VMA's huge entries follow the old rule.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import { type CallResult, UNSUPPORTED } from '../../../src/model/outcome.ts';
import { type Entry, PAGE_SIZE, type State, type Vma } from '../../../src/model/state.ts';
import { accountMapping, vmaHas as hasFlag, hex, isHugeZero } from '../../mm-primitives.ts';
import { cow } from '../remap-pfn/v5-4.ts';

/** munmap's VMA surgery: drop [start, end) from every VMA, splitting where needed. */
function removeRange(vmas: Vma[], start: number, end: number): Vma[] {
  const out: Vma[] = [];
  for (const v of vmas) {
    if (v.end <= start || v.start >= end) {
      out.push(v);
      continue;
    }
    if (v.start < start) out.push({ ...v, flags: [...v.flags], ops: [...v.ops], end: start });
    if (v.end > end) {
      out.push({
        ...v,
        flags: [...v.flags],
        ops: [...v.ops],
        start: end,
        pgoff: v.pgoff + (end - v.start) / PAGE_SIZE,
      });
    }
  }
  return out;
}

/** Does copy_page_range() copy this VMA's page tables (vma_needs_copy, without anon_vma)? */
function needsCopy(vma: Vma): boolean {
  if (hasFlag(vma, 'VM_PFNMAP') || hasFlag(vma, 'VM_MIXEDMAP') || hasFlag(vma, 'VM_HUGETLB')) return true;
  return vma.backing === 'anon' || cow(vma);
}

/** What zap_huge_pmd() / zap_huge_pud() of a release drop for a huge entry outside hugetlb. */
export interface ZapHuge {
  pmd(k: Kernel, st: State, mm: number, vma: Vma, addr: number, entry: Entry): void;
  pud(k: Kernel, st: State, mm: number, vma: Vma, addr: number, entry: Entry): void;
}

/** vma_is_special_huge(): fs-dax, or a file VMA with VM_PFNMAP / VM_MIXEDMAP (a driver's). */
export function vmaIsSpecialHuge(vma: Vma): boolean {
  if (vma.backing === 'fsdax') return true;
  return vma.backing !== 'anon' && (hasFlag(vma, 'VM_PFNMAP') || hasFlag(vma, 'VM_MIXEDMAP'));
}

/** Drop the mapping's reference, mapcount and rss on the page an entry maps. */
export function dropMapping(
  st: State,
  mm: number,
  addr: number,
  level: Entry['level'],
  page: number,
  fn: string,
) {
  if (accountMapping(st, mm, page, -1)) {
    st.why(`${fn} ${hex(addr)}: ${st.pageName(page)} put, rmap and rss dropped (${level})`);
  }
}

/**
 * zap_huge_pmd() up to v7.0 (5.10.262 / 6.12.118 mm/huge_memory.c): vma_is_special_huge -> nothing;
 * is_huge_zero_pmd -> nothing; else pmd_page() loses its rmap, rss and reference, whatever
 * vm_normal_page_pmd() would say. zap_huge_pud(): vma_is_special_huge -> nothing, else BUG().
 */
export const ZAP_HUGE_V0: ZapHuge = {
  pmd(_k, st, mm, vma, addr, entry) {
    if (vmaIsSpecialHuge(vma)) {
      st.why(`zap_huge_pmd ${hex(addr)}: vma_is_special_huge -> nothing dropped`);
      return;
    }
    if (isHugeZero(st, entry.pfn, 'pmd')) {
      st.why(`zap_huge_pmd ${hex(addr)}: huge zero PMD -> nothing dropped`);
      return;
    }
    dropMapping(st, mm, addr, 'pmd', entry.pfn, 'zap_huge_pmd: pmd_page');
  },
  pud(_k, st, _mm, vma, addr) {
    if (vmaIsSpecialHuge(vma)) {
      st.why(`zap_huge_pud ${hex(addr)}: vma_is_special_huge -> nothing dropped`);
      return;
    }
    st.why(`zap_huge_pud ${hex(addr)}: not a special huge VMA -> BUG()`);
    st.bug('zap_huge_pud');
  },
};

/**
 * munmap of one entry: PTEs by vm_normal_page() (zap_pte_range); hugetlb VMAs by
 * __unmap_hugepage_range() (every present entry's page loses rmap, hugetlb rss and reference:
 * 5.10.262 mm/hugetlb.c:3928, 7.2.13 mm/hugetlb.c:5183, no normal-page test); other huge entries
 * by the release's zap_huge_pmd() / zap_huge_pud().
 */
export function zapEntryWith(
  huge: ZapHuge,
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma | undefined,
  addr: number,
  entry: Entry,
): void {
  st.clearEntry(mm, addr, entry.level);
  if (vma && entry.level !== 'pte' && hasFlag(vma, 'VM_HUGETLB')) {
    dropMapping(st, mm, addr, entry.level, entry.pfn, '__unmap_hugepage_range');
    return;
  }
  if (vma && entry.level !== 'pte') {
    huge[entry.level](k, st, mm, vma, addr, entry);
    return;
  }
  const page = vma ? k.vmNormalPage(k, st, vma, addr, entry, entry.level) : null;
  if (page === null) {
    st.why(`zap ${entry.level} ${hex(addr)}: no normal page -> nothing dropped`);
    return;
  }
  dropMapping(st, mm, addr, entry.level, page, 'zap_pte_range');
}

/** How copy_huge_pmd() / copy_huge_pud() of a release treat a huge entry outside hugetlb. */
export interface CopyHuge {
  /** 'copy' with the page's reference (anon THP), 'as-is' (no reference), or 'skip'. */
  pmd(st: State, vma: Vma, entry: Entry): 'copy' | 'as-is' | 'skip';
  /** Write-protect a PUD in both parent and child? */
  pudWrprotect(vma: Vma, entry: Entry): boolean;
}

/**
 * v5.4 .. v6.11: 5.10.262 mm/huge_memory.c:copy_huge_pmd() skips any VMA that is not anonymous
 * (refilled on fault) and copies an anon THP with its reference and rmap; copy_huge_pud() copies
 * the PUD as is (no reference) and write-protects it in both, writable or not.
 */
export const COPY_HUGE_V0: CopyHuge = {
  pmd: (_st, vma) => (vma.backing === 'anon' ? 'copy' : 'skip'),
  pudWrprotect: () => true,
};

/** fork of one entry: copy_present_pte() for PTEs and hugetlb, the release's copy_huge_* else. */
export function copyEntryWith(
  huge: CopyHuge,
  k: Kernel,
  st: State,
  child: number,
  vma: Vma,
  addr: number,
  entry: Entry,
): void {
  let takeRef = true;
  let wrprotect = cow(vma) && entry.write;
  if (entry.level !== 'pte' && !hasFlag(vma, 'VM_HUGETLB')) {
    if (entry.level === 'pmd') {
      const how = huge.pmd(st, vma, entry);
      if (how === 'skip') {
        st.why(`fork: copy_huge_pmd ${hex(addr)}: VMA not anonymous -> not copied (refilled on fault)`);
        return;
      }
      takeRef = how === 'copy';
    } else {
      takeRef = false;
      wrprotect = huge.pudWrprotect(vma, entry);
    }
  } else if (entry.level !== 'pte' && vma.backing !== 'anon' && !entry.special) {
    // Hugetlb huge entries: copy_hugetlb_page_range() is not modelled; a shared hugetlb VMA has
    // no anon_vma, so vma_needs_copy() skips it (refilled on fault).
    st.why(`fork: non-anon huge ${entry.level} ${hex(addr)} -> not copied (refilled on fault)`);
    return;
  }
  // copy_huge_pmd() shares the huge zero folio before it looks at any page (5.4.0
  // mm/huge_memory.c:1031, 5.10.262 :1072): it never reaches vm_normal_page_pmd(), whose v5.4
  // form would take the huge zero folio for a normal page.
  const hugeZero = isHugeZero(st, entry.pfn, entry.level);
  const page = takeRef && !hugeZero ? k.vmNormalPage(k, st, vma, addr, entry, entry.level) : null;
  const copy = { ...entry };
  if (wrprotect) {
    entry.write = false;
    copy.write = false;
    st.why(`fork: ${hex(addr)} write-protected in both`);
  }
  st.setEntry(child, addr, copy);
  if (page !== null && accountMapping(st, child, page, 1)) {
    st.why(`fork: ${st.pageName(page)} at ${hex(addr)} duplicated: get, rmap, rss in the child`);
  } else if (!takeRef) {
    st.why(`fork: huge ${entry.level} ${hex(addr)} copied as is (no reference)`);
  }
}

export const mmCoreV5_4: FamilyVersion = {
  family: 'mm-core',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'entry points, munmap (zap) and fork (copy_page_range) of the page-table side',
  release: 'v5.4',
  summary:
    'munmap drops exactly what the release’s vm_normal_page* returns; fork duplicates it; entry points dispatch to the zeropage-insert, remap-pfn, normal-page and folio-walk families.',
  ops: {
    // pte_devmap(): the declared bit (5.10.262, 6.1.192, 6.12.118 include and use it).
    pteDevmap(_k, _st, entry) {
      return entry.devmap === true;
    },
    insertPage(k, st, name, a): CallResult {
      const pfns = a.pfns.map((p) => st.resolvePfn(p));
      // Changed by the insert (VM_MIXEDMAP): the VMA to change, not the one to read.
      const vma = st.vmaToChange(a.mm, a.addr);
      if (!vma) {
        st.why(`${name}: no VMA at ${hex(a.addr)} -> -EFAULT`);
        return name === 'vm_insert_pages'
          ? { ret: err('EFAULT'), left: pfns.length }
          : { ret: err('EFAULT') };
      }
      if (name === 'vm_insert_pages') {
        const r = k.vmInsertPages(k, st, a.mm, vma, a.addr, pfns);
        if (r === 'unsupported') return UNSUPPORTED;
        st.why(`vm_insert_pages: ret ${r.ret}, *num = ${r.left} left not inserted`);
        return { ret: r.ret, left: r.left };
      }
      if (name === 'vm_map_pages') return { ret: k.vmMapPages(k, st, a.mm, vma, pfns) };
      let ret: number | 'BUG' = 0;
      for (let i = 0; i < pfns.length && ret === 0; i++) {
        ret = k.vmInsertPage(k, st, a.mm, vma, a.addr + i * PAGE_SIZE, pfns[i]!);
      }
      return { ret };
    },
    insertPfn(k, st, name, a): CallResult {
      const pfn = st.resolvePfn(a.pfn);
      // Changed by remap_pfn_range (vm_pgoff, VM_PFNMAP...): the VMA to change.
      const vma = st.vmaToChange(a.mm, a.addr);
      if (!vma) {
        if (name === 'remap_pfn_range') {
          st.why(`remap_pfn_range: no VMA at ${hex(a.addr)} -> -EINVAL`);
          return { ret: err('EINVAL') };
        }
        st.why(`${name}: ${hex(a.addr)} outside any VMA -> VM_FAULT_SIGBUS`);
        return { ret: 'SIGBUS' };
      }
      switch (name) {
        case 'vmf_insert_mixed':
          return { ret: k.vmInsertMixed(k, st, a.mm, vma, a.addr, pfn, false) };
        case 'vmf_insert_mixed_mkwrite':
          return { ret: k.vmInsertMixed(k, st, a.mm, vma, a.addr, pfn, true) };
        case 'vmf_insert_pfn':
          return { ret: k.vmfInsertPfn(k, st, a.mm, vma, a.addr, pfn, a.size) };
        case 'remap_pfn_range':
          return { ret: k.remapPfnRange(k, st, a.mm, vma, a.addr, pfn, a.size) };
      }
    },
    lookup(k, st, name, a): CallResult {
      if (name !== 'folio_walk_start') return k.lookupNormalPage(k, st, name, a.mm, a.addr);
      const fw = k.folioWalkStart(k, st, a.mm, st.findVma(a.mm, a.addr), a.addr, a.fwZeropage);
      if (fw === 'unsupported') return UNSUPPORTED;
      if (fw === null) return { ret: 'NULL' };
      return { ret: st.pageName(fw.pfn), pfns: [fw.pfn] };
    },
    munmap(k, st, a): CallResult {
      const end = a.addr + a.len;
      for (const { addr, entry } of st.entriesIn(a.mm, a.addr, end)) {
        k.zapEntry(k, st, a.mm, st.findVma(a.mm, addr), addr, entry);
      }
      const mm = st.mm(a.mm);
      mm.vmas = removeRange(mm.vmas, a.addr, end);
      return { ret: 0 };
    },
    fork(k, st, a): CallResult {
      const parent = st.mm(a.mm);
      const child = st.mm(a.child);
      child.vmas = [];
      for (const level of ['pte', 'pmd', 'pud'] as const) child[level].clear();
      for (const vma of parent.vmas) {
        if (hasFlag(vma, 'VM_DONTCOPY')) {
          st.why(`fork: VMA ${hex(vma.start)} VM_DONTCOPY -> not copied`);
          continue;
        }
        child.vmas.push({ ...vma, flags: [...vma.flags], ops: [...vma.ops] });
        if (hasFlag(vma, 'VM_WIPEONFORK')) {
          st.why(`fork: VMA ${hex(vma.start)} VM_WIPEONFORK -> empty in the child`);
          continue;
        }
        if (!needsCopy(vma)) continue;
        for (const { addr, entry } of st.entriesIn(a.mm, vma.start, vma.end)) {
          k.copyEntry(k, st, a.mm, a.child, vma, addr, entry);
        }
      }
      return { ret: 0 };
    },
    zapEntry(k, st, mm, vma, addr, entry) {
      zapEntryWith(ZAP_HUGE_V0, k, st, mm, vma, addr, entry);
    },
    copyEntry(k, st, _parent, child, vma, addr, entry) {
      copyEntryWith(COPY_HUGE_V0, k, st, child, vma, addr, entry);
    },
  },
};
