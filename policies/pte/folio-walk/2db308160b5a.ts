/**
 * folio-walk @ 2db308160b5a "mm: introduce and use vm_normal_page_pud()" (David Hildenbrand,
 * "mm: vm_normal_page*() improvements" v3; first release v6.18, inferred in the facts). Facts:
 * insert-pfnmap.md §3.1 [L (v1 diff)].
 *
 * Kernel function modelled: folio_walk_start().
 *
 * Changed from 10d83d7781a8: a present PUD leaf asks vm_normal_page_pud() of the release (the
 * special/pfnmap/zero rules of __vm_normal_page() at PUD level) and is found only if that
 * returns a page; pud_devmap is gone.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
