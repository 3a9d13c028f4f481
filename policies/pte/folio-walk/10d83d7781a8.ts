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
 * Source read: 6.12.118 mm/pagewalk.c:folio_walk_start() (function present; compared only for
 * presence, not branch by branch, in this session).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { pxxSpecial } from '../../mm-primitives.ts';
import { folioWalkWith, type PudStep, pudDevmap } from './aa39ca6940f1.ts';

const pudStep06: PudStep = (_k, st, _vma, _addr, pud) => {
  if (pudDevmap(st, pud)) {
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
