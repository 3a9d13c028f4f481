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
 * bit (vm_normal_page_pmd() of those releases ignores it) and mm-primitives.ts reads it through
 * pxxSpecial() only where the architecture has it.
 *
 * Simplifications: track_pfn_remap(), track_pfn_insert() and pfn_modify_allowed() always
 * succeed (no PAT / PROT_NONE-on-L1TF model); the error-path zap of remap_pfn_range is not
 * modelled (traces use empty ranges); the later WARN_ON_ONCE(!PAGE_ALIGNED(addr)) is remap-pfn
 * align-warn (v5.9);
 * mkwrite is never passed to the huge variants (the vocabulary has no write= for them).
 *
 * Release ids using it: v5.4 .. v5.8 (its functions, through align-warn, v5.9 .. v6.16). Source
 * read (2026-12), branch by branch:
 *   5.10.262 mm/memory.c:remap_pfn_range_notrack/internal (~2300-2380): !PAGE_ALIGNED(addr) ->
 *     WARN + -EINVAL first (align-warn); COW: not the whole VMA -> -EINVAL, else vm_pgoff =
 *     pfn; VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP; BUG_ON(addr >= end); remap_pte_range():2201
 *     BUG_ON(!pte_none) per PTE, pte_mkspecial; an error zaps the range (not modelled);
 *     remap_pfn_range():2380 track_pfn_remap failure -> -EINVAL (always succeeds here).
 *   5.10.262 mm/memory.c:insert_pfn():1955  a present PTE: without mkwrite left alone; with
 *     mkwrite a pfn mismatch WARNs unless zero and is skipped, a match becomes young, dirty,
 *     maybe_mkwrite; a new PTE: devmap pfn_t -> pte_mkdevmap, else pte_mkspecial; NOPAGE.
 *   5.10.262 mm/memory.c:vmf_insert_pfn_prot():2029  the four BUG_ONs, range -> SIGBUS, then
 *     insert_pfn with PFN_DEV (never devmap).
 *   5.10.262 mm/huge_memory.c:vmf_insert_pfn_pmd_prot():832 / _pud_prot():923  BUG_ON(neither
 *     PFNMAP nor MIXEDMAP && !pfn_t_devmap), BUG_ON(both), BUG_ON(PFNMAP && COW); the aligned
 *     address outside the VMA -> SIGBUS; insert_pfn_pmd():772 devmap -> pmd_mkdevmap.
 *   6.1.192 (mm/memory.c:2143-2580, mm/huge_memory.c:859-1010) and 6.12.118 (mm/memory.c:2315,
 *     2402, 2640-2735; mm/huge_memory.c:1389-1560, where insert_pfn_pmd() sets pmd_mkspecial for
 *     a pfn that is not devmap, 3c8e44c9b369) decide the same.
 *
 * Also read (GitHub copies of release tarballs): 5.4.0 .. 5.8.1 mm/memory.c:remap_pfn_range() have
 * no alignment test; 5.9.1 adds `if (WARN_ON_ONCE(!PAGE_ALIGNED(addr))) return -EINVAL;` (:2264):
 * remap-pfn align-warn. insert_pfn_pmd() is textually the same in 5.4.0 .. 6.11.11 and
 * changes in 6.12.118 (10d83d7781a8's pmd_special); vmf_insert_pfn_pmd() is the same in 6.4.4 ..
 * 6.14.0.
 */

import { err } from '../../../src/model/errno.ts';
import type { Level } from '../../../src/model/events.ts';
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { VmFault } from '../../../src/model/ops/pte-ops.ts';
import { LEVEL_SIZE, PAGE_SIZE, PMD_SIZE, PUD_SIZE, type State, type Vma } from '../../../src/model/state.ts';
import { entryAtLevel, vmaHas as hasFlag, hex, makeEntry, setFlags } from '../../mm-primitives.ts';
import { pfnTDevmap } from '../zeropage-insert/v5-4.ts';

export function cow(vma: Vma): boolean {
  return isCowMappingFlags(vma.flags);
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

/**
 * The BUG_ONs of vmf_insert_pfn_pmd() / _pud(): neither PFNMAP nor MIXEDMAP (unless the pfn_t is
 * devmap, while the release has pfn_t: `pfnT`), both, PFNMAP in a COW mapping. (A MIXEDMAP VMA is
 * accepted with any pfn: 5.10.262 mm/huge_memory.c:839 tests `!(vm_flags & (VM_PFNMAP|
 * VM_MIXEDMAP)) && !pfn_t_devmap(pfn)`; this model tested !VM_PFNMAP alone before the 2026-12
 * reading.)
 */
export function vmfInsertPfnHugeBugs(st: State, vma: Vma, pfn: number, pfnT = true): string | null {
  const pfnmap = hasFlag(vma, 'VM_PFNMAP');
  const mixed = hasFlag(vma, 'VM_MIXEDMAP');
  if (!pfnmap && !mixed && !(pfnT && pfnTDevmap(st, pfn))) {
    return pfnT ? 'neither VM_PFNMAP nor VM_MIXEDMAP and !pfn_t_devmap' : 'neither VM_PFNMAP nor VM_MIXEDMAP';
  }
  if (pfnmap && mixed) return 'both VM_PFNMAP and VM_MIXEDMAP';
  if (pfnmap && cow(vma)) return 'VM_PFNMAP in a COW mapping';
  return null;
}

/**
 * vmf_insert_pfn_prot() / vmf_insert_pfn_pmd() / _pud(): the BUG_ONs, the range check of the
 * level-aligned address (VM_FAULT_SIGBUS), then insert_pfn*(). `pfnT`: the release still has
 * pfn_t, so a devmap pfn passes the huge BUG_ON outside PFNMAP/MIXEDMAP.
 */
export function vmfInsertPfnWith(
  pfnT: boolean,
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma,
  addr: number,
  pfn: number,
  size: number,
): VmFault {
  const level = levelOfSize(size);
  const fn = level === 'pte' ? 'vmf_insert_pfn_prot' : `vmf_insert_pfn_${level}`;
  const bug = level === 'pte' ? vmfInsertPfnBugs(st, vma, pfn) : vmfInsertPfnHugeBugs(st, vma, pfn, pfnT);
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
}

/** remap_pfn_range()'s end: addr + PAGE_ALIGN(size). */
export function remapEnd(addr: number, size: number): number {
  return addr + Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}

/** The COW rule: a COW mapping is remapped whole (else -EINVAL) and gets vm_pgoff = pfn. */
export function remapCowRule(st: State, vma: Vma, addr: number, end: number, pfn: number): number {
  if (cow(vma)) {
    if (addr !== vma.start || end !== vma.end) {
      st.why('remap_pfn_range: COW mapping, range is not the whole VMA -> -EINVAL');
      return err('EINVAL');
    }
    vma.pgoff = pfn;
    st.why(`remap_pfn_range: COW mapping -> vm_pgoff = ${hex(pfn)}`);
  }
  return 0;
}

/** VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP on the VMA (VM_REMAP_FLAGS from v6.19). */
export function remapSetFlags(vma: Vma): void {
  setFlags(vma, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP');
  vma.remapped = true;
}

/** WARN_ON_ONCE(!PAGE_ALIGNED(addr)) -> -EINVAL (from v5.9). */
export function remapAlignWarn(st: State, addr: number): number {
  if (addr % PAGE_SIZE === 0) return 0;
  st.why(`remap_pfn_range: ${hex(addr)} not page aligned -> WARN_ON_ONCE, -EINVAL`);
  st.warn('remap_pfn_range !PAGE_ALIGNED(addr)');
  return err('EINVAL');
}

/** The flags, then BUG_ON(addr >= end) and remap_pte_range(): one special PTE per page. */
export function remapPtes(
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma,
  addr: number,
  end: number,
  pfn: number,
  flags = true,
): number | 'BUG' {
  if (flags) remapSetFlags(vma);
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
      const end = remapEnd(addr, size);
      return remapCowRule(st, vma, addr, end, pfn) || remapPtes(k, st, mm, vma, addr, end, pfn);
    },
    vmfInsertPfn(k, st, mm, vma, addr, pfn, size): VmFault {
      return vmfInsertPfnWith(true, k, st, mm, vma, addr, pfn, size);
    },
    insertPfnEntry(k, st, mm, vma, addr, pfn, level, mkwrite) {
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
      const entry = { ...makeEntry(pfn, level, true, write), dirty: mkwrite };
      // A devmap pfn_t gets pte_mkdevmap() / pmd_mkdevmap() / pud_mkdevmap() instead of the
      // special bit (5.10.262 mm/memory.c:1986, 6.12.118 mm/huge_memory.c:1414): x86 sets
      // _PAGE_SPECIAL|_PAGE_DEVMAP on a PTE, _PAGE_DEVMAP alone on a PMD/PUD. The entry stays
      // `special` in the model's sense (no reference taken). Only while the release has the
      // bit (k.pteDevmap of a devmap entry; false from the pfn_t / devmap removal).
      if (pfnTDevmap(st, pfn) && k.pteDevmap(k, st, { ...entry, devmap: true })) entry.devmap = true;
      st.setEntry(mm, addr, entry);
      st.markSpecial();
      st.why(
        `${fn}: ${st.pageName(pfn)} mapped as a ${entry.devmap ? 'devmap' : 'special'} ${level} entry (no ref, rmap, rss)`,
      );
      return 0;
    },
  },
};
