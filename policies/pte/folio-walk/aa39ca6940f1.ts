/**
 * folio-walk @ aa39ca6940f1 "mm/pagewalk: introduce folio_walk_start() + folio_walk_end()" as it
 * stood in mm-unstable before patch 06 of "mm: Support huge pfnmaps" (10d83d7781a8). Both entered
 * mainline in the same cycle (v6.12), so this state never shipped: release null; it is part of
 * the variant `pre-10d83d7781a8`. Facts: insert-pfnmap.md §3.1 [L][L].
 *
 * Kernel function modelled: folio_walk_start(), walking PUD -> PMD -> PTE:
 *   PUD leaf (present, not devmap): pud_page() -> found, with no special check: a huge pfnmap
 *   PUD (raw MMIO) yields a struct page and a bogus folio (the TODO said "vm_normal_page_pud()
 *   will be handy").
 *   PMD leaf: vm_normal_page_pmd() (of the release: before 10d83d7781a8 it has no pmd_special
 *   check, so a COW PFNMAP with a nonlinear RAM pfn is bogus too); else with FW_ZEROPAGE the huge
 *   zero folio.
 *   PTE: vm_normal_page(); else with FW_ZEROPAGE the zero page.
 * The folio returned is named by the page the walk found (the leaf's first page).
 *
 * Simplifications: no non-present entries are modelled, so the later pmd_leaf()/pud_leaf()
 * without-present-check fix of v6.12-rc makes no difference; pud_devmap is a PUD of an fs-dax
 * page; hugetlb VMAs are walked like any other.
 *
 * Source read (2026-12): never released, so no release source carries it; it differs from 6.12.118
 * mm/pagewalk.c:folio_walk_start():772 (read branch by branch, see 10d83d7781a8.ts) only by the
 * PUD leaf's `|| pud_special(pud)` test (line 816), which this state lacks.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { FolioWalk } from '../../../src/model/ops/pte-ops.ts';
import type { Entry, State, Vma } from '../../../src/model/state.ts';
import { entryAtLevel, hex, isHugeZero } from '../../mm-primitives.ts';

/** The PUD-leaf step of a version (a PUD entry is always a leaf here: PMD tables are implicit). */
export type PudStep = (k: Kernel, st: State, vma: Vma, addr: number, pud: Entry) => FolioWalk | null;

/** folio_walk_start() with a version's PUD step; PMD and PTE steps ask the release's vm_normal_page*. */
export function folioWalkWith(
  pudStep: PudStep,
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma | undefined,
  addr: number,
  fwZeropage: boolean,
): FolioWalk | null {
  if (!vma) {
    st.why(`folio_walk_start: no VMA at ${hex(addr)} -> NULL`);
    return null;
  }
  const pud = entryAtLevel(st, mm, addr, 'pud');
  if (pud) return pudStep(k, st, vma, addr, pud);
  const pmd = entryAtLevel(st, mm, addr, 'pmd');
  if (pmd) {
    const page = k.vmNormalPage(k, st, vma, addr, pmd, 'pmd');
    if (page !== null) {
      st.why(`folio_walk_start: PMD leaf -> folio ${st.pageName(page)}`);
      return { pfn: page, level: 'pmd' };
    }
    if (fwZeropage && isHugeZero(st, pmd.pfn, 'pmd')) {
      st.why('folio_walk_start: FW_ZEROPAGE, huge zero PMD -> the huge zero folio');
      return { pfn: pmd.pfn, level: 'pmd' };
    }
    st.why('folio_walk_start: PMD leaf with no normal page -> NULL');
    return null;
  }
  const pte = entryAtLevel(st, mm, addr, 'pte');
  if (!pte) {
    st.why(`folio_walk_start: nothing mapped at ${hex(addr)} -> NULL`);
    return null;
  }
  const page = k.vmNormalPage(k, st, vma, addr, pte, 'pte');
  if (page !== null) {
    st.why(`folio_walk_start: PTE -> folio ${st.pageName(page)}`);
    return { pfn: page, level: 'pte' };
  }
  if (fwZeropage && st.isZeroPfn(pte.pfn)) {
    st.why('folio_walk_start: FW_ZEROPAGE, zero PTE -> the zero folio');
    return { pfn: pte.pfn, level: 'pte' };
  }
  st.why('folio_walk_start: PTE with no normal page -> NULL');
  return null;
}

/**
 * pud_devmap(): the entry's devmap bit as the release sees it (k.pteDevmap: the declared bit, which
 * defaults from an fs-dax page; false once the devmap bit is gone with the pfn_t removal).
 */
export function pudDevmap(k: Kernel, st: State, pud: Entry): boolean {
  return k.pteDevmap(k, st, pud);
}

const pudStepBefore06: PudStep = (k, st, _vma, _addr, pud) => {
  if (pudDevmap(k, st, pud)) {
    st.why('folio_walk_start: pud_devmap -> NULL');
    return null;
  }
  st.why(
    `folio_walk_start: PUD leaf -> pud_page ${st.pageName(pud.pfn)}, no special check (bogus for a pfnmap)`,
  );
  return { pfn: pud.pfn, level: 'pud' };
};

export const folioWalkAa39ca6940f1: FamilyVersion = {
  family: 'folio-walk',
  module: import.meta.url,
  id: 'aa39ca6940f1',
  commit: 'aa39ca6940f1',
  subject: 'mm/pagewalk: introduce folio_walk_start() + folio_walk_end()',
  release: null,
  summary:
    'mm-unstable before 10d83d7781a8: a huge pfnmap PUD yields a bogus folio (pud_page without a special check).',
  ops: {
    folioWalkStart(k, st, mm, vma, addr, fwZeropage) {
      return folioWalkWith(pudStepBefore06, k, st, mm, vma, addr, fwZeropage);
    },
  },
};
