/**
 * normal-page huge-zero-pmd: vm_normal_page_pmd() tests `is_huge_zero_pmd(pmd)` instead of
 * v5.4's `is_zero_pfn(pfn)`, so the huge zero folio is no longer returned as a normal page.
 *
 * First release v5.6, bracketed by sources read: 5.4.0 (MrJu/linux-5.4 at its import commit)
 * mm/memory.c:vm_normal_page_pmd():630 has `if (is_zero_pfn(pfn)) return NULL;` (:657); 5.6.4
 * (shmily1012/linux-5.6.4 at its import commit) vm_normal_page_pmd():648 has `if
 * (is_huge_zero_pmd(pmd)) return NULL;` (:675), and so have 5.10.262 (:677), 6.1.192 and every
 * source read up to 6.9.0. v5.5 was not read (no source found): the change may already be in
 * v5.5, and the model starts it at v5.6, the first release read with it. The commit was not
 * identified, so this version names none and derives no pre-/post- alias.
 *
 * Kernel function modelled: vm_normal_page_pmd() (the rest of normal-page v5.4 unchanged).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { normalPageV5_4, vmNormalPageV0 } from './v5-4.ts';

export const normalPageHugeZeroPmd: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: 'huge-zero-pmd',
  subject: 'vm_normal_page_pmd(): is_huge_zero_pmd() instead of is_zero_pfn()',
  release: 'v5.6',
  summary: 'vm_normal_page_pmd() returns NULL for the huge zero folio (v5.4 returned it as a normal page).',
  ops: {
    ...normalPageV5_4.ops,
    vmNormalPage(k, st, vma, addr, entry, level) {
      return vmNormalPageV0(k, st, vma, addr, entry, level, 'is_huge_zero_pmd');
    },
  },
};
