/**
 * vfio-type1 19fed0dae94d: "vfio, mm: pin_user_pages (FOLL_PIN) and put_user_page() conversion"
 * (John Hubbard), first release v5.6 (same series as eddb1c228f79). Evidence: [S:5.6]
 * facts/pinning.md §2.1, §2.2 and §4 (commit table).
 *
 * Kernel functions modelled:
 * - vaddr_get_pfn(): pin_user_pages_remote(NULL, mm, vaddr, 1, [FOLL_WRITE]|FOLL_LONGTERM,
 *   page, NULL, NULL); later kernels batch it (vaddr_get_pfns(), same flags, same outcome
 *   per page); then the VM_PFNMAP fallback;
 * - put_pfn(): unpin_user_pages_dirty_lock(&page, 1, prot & IOMMU_WRITE) for pages that are not
 *   invalid/reserved; reserved pages (the zero page) are still never unpinned.
 *
 * What changed from vfio-type1 3567813eae5e: the references are FOLL_PIN pins. In v5.6 a pin is
 * still +1 (pin-accounting eddb1c228f79); from v5.7 (3faa52c03f44) it is +1024, so every R/O map
 * of a zero-page PTE leaks 1024 references on the zero page and, unbounded by RLIMIT_MEMLOCK
 * (reserved pages are not charged), about 2^21 maps overflow its refcount.
 *
 * Source read: 5.6.4 drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfn():319-345
 * (pin_user_pages_remote(..., flags | FOLL_LONGTERM, ...) at :331) and put_pfn():308-316
 * (`unpin_user_pages_dirty_lock(&page, 1, prot & IOMMU_WRITE);` :313 for pages that are not
 * invalid/reserved); 5.7.14, 5.8.1, 5.9.1 the same. 5.10.262 and later batch it in
 * vaddr_get_pfns() (same flags). v5.5 was not read.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { VfioPfnResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { vaddrGetPfnFlags, vfioType13567813eae5e } from './3567813eae5e.ts';
import { gupOnePage, pfnmapFallback } from './v5-4.ts';

/** vaddr_get_pfn(s)() from v5.6: one page through pin_user_pages_remote(). */
export function pinOnePageRemote(k: Kernel, st: State, mm: number, vaddr: number, write: boolean) {
  return gupOnePage(k, st, 'pin_user_pages_remote', mm, vaddr, vaddrGetPfnFlags(write));
}

function vfioVaddrGetPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): VfioPfnResult {
  const r = pinOnePageRemote(k, st, mm, vaddr, write);
  if (r.ret === 1) return { ret: 0, pfn: r.pfns[0]!, pinned: true };
  if (r.ret === 'livelock' || r.ret === 'BUG' || r.ret === 'unsupported') return { ret: r.ret };
  return pfnmapFallback(k, st, mm, vaddr, write, r.ret);
}

/** put_pfn() from v5.6: unpin_user_pages_dirty_lock(). */
function vfioPutPfn(k: Kernel, st: State, pfn: number, write: boolean): 0 | 1 {
  if (k.vfioIsInvalidReservedPfn(k, st, pfn)) return 0;
  k.unpinUserPage(k, st, pfn, write);
  if (st.data.longterm.has(pfn)) st.noteLongterm(pfn, -1);
  return 1;
}

export const vfioType119fed0dae94d: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: '19fed0dae94d',
  commit: '19fed0dae94d',
  subject: 'vfio, mm: pin_user_pages (FOLL_PIN) and put_user_page() conversion',
  release: 'v5.6',
  summary:
    'pin_user_pages_remote(FOLL_LONGTERM) and unpin_user_pages_dirty_lock(); reserved pages still never unpinned.',
  ops: { ...vfioType13567813eae5e.ops, vfioVaddrGetPfn, vfioPutPfn },
};
