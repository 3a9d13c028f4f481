/**
 * folio-walk @ 2db308160b5a "mm: introduce and use vm_normal_page_pud()" (David Hildenbrand,
 * "mm: vm_normal_page*() improvements" v3; first release v6.18, verified below). Facts:
 * insert-pfnmap.md §3.1 [L (v1 diff)].
 *
 * Kernel function modelled: folio_walk_start().
 *
 * Changed from 10d83d7781a8: a present PUD leaf asks vm_normal_page_pud() of the release (the
 * special/pfnmap/zero rules of __vm_normal_page() at PUD level) and is found only if that
 * returns a page; pud_devmap is gone.
 *
 * Release ids using it: v6.18 .. v7.2.
 * v6.18 verified: af38538801c6, 2db308160b5a, ec63a44011dc and 4c89792ea0a2 (these mainline ids)
 * are in the mm-stable push mirrored to sj/linux on 2025-09-14 (old e6b9dce0aeeb, new
 * 103e90626d3a; read in the code corpus), after v6.17-rc1 and before v6.17 (2025-09-28), so
 * they were pulled in the v6.18 merge window; and c0c6ccd9828c (Fixes: af38538801c6) was
 * backported to 6.18.y ("[PATCH 6.18 047/377]"), so v6.18 has af38538801c6.
 *
 * Source read (2026-12), 7.2.13 mm/pagewalk.c:folio_walk_start():901, branch by branch:
 *   918  WARN_ON_ONCE(addr outside the VMA) -> not found;
 *   931-956  PUD none -> not found; a present PUD leaf -> vm_normal_page_pud() (950); found if
 *        it returns a page, else not found (no FW_ZEROPAGE case at PUD level; no pud_devmap test);
 *   962-993  the PMD leaf as in 6.12.118 (vm_normal_page_pmd() at 981, then FW_ZEROPAGE and the
 *        huge zero PMD at 985); no FW_MIGRATION branch any more (not modelled either way);
 *   995-1020 the PTE as in 6.12.118 (vm_normal_page() at 1008, FW_ZEROPAGE at 1012); no
 *        FW_MIGRATION branch.
 * What vm_normal_page_pud() returns is the normal-page family's (af38538801c6, c0c6ccd9828c).
 *
 * Also read (GitHub copies of release tarballs): 6.18.2 mm/pagewalk.c:folio_walk_start():875
 * (first release v6.18: 6.14.0 has the 6.12.118 function); 6.19.9 (:882) and 7.0.0 (:902) differ
 * only by the softleaf_* rename of the swap-entry helpers; 7.1.5 (:897) drops the FW_MIGRATION
 * branches for PMD and PTE migration entries (not modelled either way).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { folioWalkWith, type PudStep } from './aa39ca6940f1.ts';

const pudStepNormal: PudStep = (k, st, vma, addr, pud) => {
  const page = k.vmNormalPage(k, st, vma, addr, pud, 'pud');
  if (page === null) {
    st.why('folio_walk_start: PUD leaf, vm_normal_page_pud NULL -> NULL');
    return null;
  }
  st.why(`folio_walk_start: PUD leaf -> folio ${st.pageName(page)}`);
  return { pfn: page, level: 'pud' };
};

export const folioWalk2db308160b5a: FamilyVersion = {
  family: 'folio-walk',
  module: import.meta.url,
  id: '2db308160b5a',
  commit: '2db308160b5a',
  subject: 'mm: introduce and use vm_normal_page_pud()',
  release: 'v6.18',
  summary: 'folio_walk_start() asks vm_normal_page_pud() for PUD leaves.',
  ops: {
    folioWalkStart(k, st, mm, vma, addr, fwZeropage) {
      return folioWalkWith(pudStepNormal, k, st, mm, vma, addr, fwZeropage);
    },
  },
};
