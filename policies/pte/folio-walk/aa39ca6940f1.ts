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
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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

/** pud_devmap(): a PUD of an fs-dax page (the only devmap users modelled). */
export function pudDevmap(st: State, pud: Entry): boolean {
  return st.folioOf(pud.pfn)?.kind === 'fsdax';
}

const pudStepBefore06: PudStep = (_k, st, _vma, _addr, pud) => {
  if (pudDevmap(st, pud)) {
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
