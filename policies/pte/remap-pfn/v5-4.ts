/**
 * remap-pfn @ v5.4 (the baseline; the decisions modelled here are unchanged through v6.18, see
 * facts/insert-pfnmap.md §2.1 and §4).
 *
 * Kernel functions modelled (mm/memory.c, mm/huge_memory.c): remap_pfn_range() with
 * remap_pte_range(), vmf_insert_pfn_prot() (vmf_insert_pfn), vmf_insert_pfn_pmd() and
 * vmf_insert_pfn_pud() (a `vmf_insert_pfn` call with size= PMD_SIZE or PUD_SIZE), insert_pfn(),
 * insert_pfn_pmd(), insert_pfn_pud().
 *
 * remap_pfn_range(): a COW mapping must be remapped whole ([vm_start, vm_end)) else -EINVAL, and
 * then vm_pgoff := pfn (the linearity rule vm_normal_page() relies on without pte_special); the
 * VMA becomes VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP; every PTE is pte_mkspecial (no ref);
 * an already present PTE is BUG_ON(!pte_none).
 * vmf_insert_pfn_prot(): BUG_ON neither PFNMAP nor MIXEDMAP, both, PFNMAP && COW, MIXEDMAP &&
 * pfn_valid; addr outside the VMA -> VM_FAULT_SIGBUS; then insert_pfn(): a present PTE is left
 * alone (VM_FAULT_NOPAGE; with mkwrite the PTE is made writable when the pfn matches, and a
 * mismatch WARNs unless the present PTE is the zero pfn), else a special PTE.
 * vmf_insert_pfn_pmd/pud(): BUG_ON !PFNMAP && !devmap, PFNMAP && MIXEDMAP, PFNMAP && COW; SIGBUS
 * when the aligned address is outside the VMA; the huge entry takes no reference (`special` in
 * the outcome and in the model's entry). The kernel sets the pmd/pud special bit only from
 * 3c8e44c9b369 (v6.12); that needs no version here because nothing before 10d83d7781a8 reads the
 * bit (vm_normal_page_pmd() of those releases ignores it) and page-table.ts reads it through
 * pxxSpecial() only where the architecture has it.
 *
 * Simplifications: track_pfn_remap(), track_pfn_insert() and pfn_modify_allowed() always
 * succeed (no PAT / PROT_NONE-on-L1TF model); the later WARN_ON_ONCE(!PAGE_ALIGNED(addr)) and
 * error-path zap of remap_pfn_range are not modelled (traces use aligned, empty ranges);
 * mkwrite is never passed to the huge variants (the vocabulary has no write= for them).
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */

import { err } from '../../../src/model/errno.ts';
import type { Level } from '../../../src/model/events.ts';
import { isCowMapping } from '../../../src/model/flags.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import type { VmFault } from '../../../src/model/ops/pte-ops.ts';
import { LEVEL_SIZE, PAGE_SIZE, PMD_SIZE, PUD_SIZE, type State, type Vma } from '../../../src/model/state.ts';
import { entryAtLevel, vmaHas as hasFlag, hex, makeEntry, setFlags } from '../../mm-primitives.ts';
import { pfnTDevmap } from '../zeropage-insert/v5-4.ts';

export function cow(vma: Vma): boolean {
  return isCowMapping(new Set(vma.flags));
}

/** The level a vmf_insert_pfn call with this size inserts at. */
export function levelOfSize(size: number): Level {
  return size === PUD_SIZE ? 'pud' : size === PMD_SIZE ? 'pmd' : 'pte';
}

/** The BUG_ONs of vmf_insert_pfn_prot(); returns the failed condition or null. */
export function vmfInsertPfnBugs(st: State, vma: Vma, pfn: number): string | null {
  const pfnmap = hasFlag(vma, 'VM_PFNMAP');
  const mixed = hasFlag(vma, 'VM_MIXEDMAP');
  if (!pfnmap && !mixed) return 'neither VM_PFNMAP nor VM_MIXEDMAP';
  if (pfnmap && mixed) return 'both VM_PFNMAP and VM_MIXEDMAP';
  if (pfnmap && cow(vma)) return 'VM_PFNMAP in a COW mapping';
  if (mixed && st.pfnValid(pfn)) return 'VM_MIXEDMAP with pfn_valid';
  return null;
}

/** The BUG_ONs of vmf_insert_pfn_pmd() / _pud(). */
export function vmfInsertPfnHugeBugs(st: State, vma: Vma, pfn: number): string | null {
  const pfnmap = hasFlag(vma, 'VM_PFNMAP');
  if (!pfnmap && !pfnTDevmap(st, pfn)) return '!VM_PFNMAP and !pfn_t_devmap';
  if (pfnmap && hasFlag(vma, 'VM_MIXEDMAP')) return 'both VM_PFNMAP and VM_MIXEDMAP';
  if (pfnmap && cow(vma)) return 'VM_PFNMAP in a COW mapping';
  return null;
}

export const remapPfnV5_4: FamilyVersion = {
  family: 'remap-pfn',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'remap_pfn_range(), vmf_insert_pfn*() as of v5.4',
  release: 'v5.4',
  summary:
    'Baseline: remap_pfn_range sets vm_pgoff=pfn for COW mappings (whole VMA only, else -EINVAL) and VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP; vmf_insert_pfn BUG_ONs on PFNMAP&&COW and flag misuse, SIGBUS outside the VMA; huge pfn entries carry no special bit.',
  ops: {
    remapPfnRange(k, st, mm, vma, addr, pfn, size) {
      const end = addr + Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
      if (cow(vma)) {
        if (addr !== vma.start || end !== vma.end) {
          st.why('remap_pfn_range: COW mapping, range is not the whole VMA -> -EINVAL');
          return err('EINVAL');
        }
        vma.pgoff = pfn;
        st.why(`remap_pfn_range: COW mapping -> vm_pgoff = ${hex(pfn)}`);
      }
      setFlags(vma, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP');
      vma.remapped = true;
      if (addr >= end) {
        st.why('remap_pfn_range: empty range -> BUG_ON(addr >= end)');
        st.bug('remap_pfn_range addr >= end');
        return 'BUG';
      }
      for (let a = addr, p = pfn; a < end; a += PAGE_SIZE, p++) {
        if (entryAtLevel(st, mm, a, 'pte')) {
          st.why(`remap_pte_range: PTE at ${hex(a)} not none -> BUG_ON`);
          st.bug('remap_pte_range !pte_none');
          return 'BUG';
        }
        const ret = k.insertPfnEntry(k, st, mm, vma, a, p, 'pte', false);
        if (ret < 0) return ret;
      }
      st.why(`remap_pfn_range: ${(end - addr) / PAGE_SIZE} special PTEs from ${hex(pfn)}`);
      return 0;
    },
    vmfInsertPfn(k, st, mm, vma, addr, pfn, size): VmFault {
      const level = levelOfSize(size);
      const fn = level === 'pte' ? 'vmf_insert_pfn_prot' : `vmf_insert_pfn_${level}`;
      const bug = level === 'pte' ? vmfInsertPfnBugs(st, vma, pfn) : vmfInsertPfnHugeBugs(st, vma, pfn);
      if (bug) {
        st.why(`${fn}: ${bug} -> BUG_ON`);
        st.bug(`${fn} ${bug}`);
        return 'BUG';
      }
      const at = addr - (addr % LEVEL_SIZE[level]);
      if (at < vma.start || at >= vma.end) {
        st.why(`${fn}: ${hex(at)} outside the VMA -> VM_FAULT_SIGBUS`);
        return 'SIGBUS';
      }
      k.insertPfnEntry(k, st, mm, vma, at, pfn, level, false);
      return 'NOPAGE';
    },
    insertPfnEntry(_k, st, mm, vma, addr, pfn, level, mkwrite) {
      const fn = level === 'pte' ? 'insert_pfn' : `insert_pfn_${level}`;
      const present = entryAtLevel(st, mm, addr, level);
      if (present) {
        if (!mkwrite) {
          st.why(`${fn}: entry at ${hex(addr)} present -> left alone`);
          return 0;
        }
        if (present.pfn !== pfn) {
          if (!st.isZeroPfn(present.pfn)) st.warn(`${fn} mkwrite pfn mismatch`);
          st.why(`${fn}: mkwrite, present pfn ${st.pageName(present.pfn)} != ${st.pageName(pfn)} -> skip`);
          return 0;
        }
        present.write = hasFlag(vma, 'VM_WRITE');
        present.dirty = true;
        st.why(`${fn}: mkwrite on the present entry -> writable, dirty`);
        return 0;
      }
      const write = mkwrite && hasFlag(vma, 'VM_WRITE');
      st.setEntry(mm, addr, { ...makeEntry(pfn, level, true, write), dirty: mkwrite });
      st.markSpecial();
      st.why(`${fn}: ${st.pageName(pfn)} mapped as a special ${level} entry (no ref, rmap, rss)`);
      return 0;
    },
  },
};
