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
 * (zapEntry: the page vm_normal_page* returns loses a reference, a mapcount and its rss count;
 * NULL drops nothing, so a reference taken at insert for a page that vm_normal_page does not
 * return at unmap stays: the fs-dax imbalance of fce831c92092's message), munmap's VMA removal
 * and split (zap_huge_pmd() drops nothing for the huge zero PMD: it tests is_huge_zero_pmd()
 * itself until d80a9cb1a64a, which is in none of the releases listed), dup_mmap() / copy_page_range() / copy_present_pte() (copyEntry: the page
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
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { type CallResult, UNSUPPORTED } from '../../../src/model/outcome.ts';
import { PAGE_SIZE, type Vma } from '../../../src/model/state.ts';
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
      const vma = st.findVma(a.mm, a.addr);
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
      const vma = st.findVma(a.mm, a.addr);
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
      st.clearEntry(mm, addr, entry.level);
      if (isHugeZero(st, entry.pfn, entry.level)) {
        st.why(`zap_huge_pmd ${hex(addr)}: huge zero PMD -> nothing dropped`);
        return;
      }
      const page = vma ? k.vmNormalPage(k, st, vma, addr, entry, entry.level) : null;
      if (page === null) {
        st.why(`zap ${entry.level} ${hex(addr)}: no normal page -> nothing dropped`);
        return;
      }
      if (accountMapping(st, mm, page, -1)) {
        st.why(`zap ${entry.level} ${hex(addr)}: ${st.pageName(page)} put, rmap and rss dropped`);
      }
    },
    copyEntry(k, st, _parent, child, vma, addr, entry) {
      if (entry.level !== 'pte' && vma.backing !== 'anon' && !entry.special) {
        st.why(`fork: non-anon huge ${entry.level} ${hex(addr)} -> not copied (refilled on fault)`);
        return;
      }
      const page = k.vmNormalPage(k, st, vma, addr, entry, entry.level);
      const copy = { ...entry };
      if (cow(vma) && entry.write) {
        entry.write = false;
        copy.write = false;
        st.why(`fork: ${hex(addr)} writable in a COW mapping -> write-protected in both`);
      }
      st.setEntry(child, addr, copy);
      if (page !== null && accountMapping(st, child, page, 1)) {
        st.why(`fork: ${st.pageName(page)} at ${hex(addr)} duplicated: get, rmap, rss in the child`);
      }
    },
  },
};
