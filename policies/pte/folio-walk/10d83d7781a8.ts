/**
 * folio-walk @ 10d83d7781a8 "mm/pagewalk: Check pfnmap for folio_walk_start()" (Peter Xu, patch 06
 * of "mm: Support huge pfnmaps" v2 with David Hildenbrand's fixup folded in; first release v6.12,
 * together with aa39ca6940f1 which introduced folio_walk_start()). Facts: insert-pfnmap.md §3.1,
 * merged state at blob 461ea3bbd8d9 [L].
 *
 * Kernel function modelled: folio_walk_start().
 *
 * Changed from aa39ca6940f1: a PUD leaf that is pud_special() (a huge pfnmap, on an arch with
 * CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) is not found. The PMD side of the patch lives in
 * vm_normal_page_pmd() (normal-page 10d83d7781a8: pmd_special -> NULL), which the walk calls.
 *
 * Release ids using it: v6.12 .. v6.17 (2db308160b5a replaces it at v6.18). pud_devmap() is asked
 * of the release (k.pteDevmap), so from the pfn_t / devmap removal (v6.17 here) a devmap PUD is
 * no longer refused by that test, as in a kernel without pud_devmap().
 *
 * Source read (2026-12), 6.12.118 mm/pagewalk.c:folio_walk_start():772, branch by branch:
 *   789  WARN_ON_ONCE(addr outside the VMA) -> not found (the model looks the VMA up by addr, so
 *        this never fires here);
 *   802-829  PUD none -> not found; a PUD leaf: !present || pud_devmap || pud_special (818) ->
 *        not found; else pud_page() (829) -> found (no vm_normal_page_pud yet: a TODO says so);
 *   837-866  PMD none -> not found; a PMD leaf: vm_normal_page_pmd() (856) -> found; else with
 *        FW_ZEROPAGE and is_huge_zero_pmd (860) -> the huge zero folio (fw->page NULL); else
 *        not found;
 *   877-905  PTE: present: vm_normal_page() (890) -> found; else FW_ZEROPAGE && is_zero_pfn (894)
 *        -> the zero
 *        folio (fw->page NULL); a non-present PTE only with FW_MIGRATION (not modelled).
 * 6.1.192 and 5.10.262 have no folio_walk_start() (mm/pagewalk.c: none; see none.ts).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pxxSpecial } from '../../mm-primitives.ts';
import { folioWalkWith, type PudStep, pudDevmap } from './aa39ca6940f1.ts';

const pudStep06: PudStep = (k, st, _vma, _addr, pud) => {
  if (pudDevmap(k, st, pud)) {
    st.why('folio_walk_start: pud_devmap -> NULL');
    return null;
  }
  if (pxxSpecial(st, pud)) {
    st.why('folio_walk_start: pud_special -> NULL (10d83d7781a8)');
    return null;
  }
  st.why(`folio_walk_start: PUD leaf, not special -> pud_page ${st.pageName(pud.pfn)}`);
  return { pfn: pud.pfn, level: 'pud' };
};

export const folioWalk10d83d7781a8: FamilyVersion = {
  family: 'folio-walk',
  module: import.meta.url,
  id: '10d83d7781a8',
  commit: '10d83d7781a8',
  subject: 'mm/pagewalk: Check pfnmap for folio_walk_start()',
  release: 'v6.12',
  summary:
    'folio_walk_start() exists; special PUD/PMD pfnmap leaves give no folio (pud_special here, pmd_special in vm_normal_page_pmd).',
  ops: {
    folioWalkStart(k, st, mm, vma, addr, fwZeropage) {
      return folioWalkWith(pudStep06, k, st, mm, vma, addr, fwZeropage);
    },
  },
};
