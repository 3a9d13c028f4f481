/**
 * vfio-type1 873aefb376bb: "vfio/type1: Unpin zero pages" (Alex Williamson), pulled as "VFIO
 * fix for v6.0-rc5" -> first release v6.0-rc5; backported to 5.10.146. Evidence: [S:6.0.1]
 * [S:6.1-rc7][S:6.2.12][S:6.5][S:6.6.9] facts/pinning.md §2.2; the commit text [L] ("The zero
 * page is always resident ... add a loop ... and unpin any zero pages").
 *
 * Kernel function modelled: vaddr_get_pfns(): after pin_user_pages_remote() returns, every
 * returned page that is the zero pfn is unpin_user_page()d at once; the pfn is still used (and,
 * being reserved, neither charged nor put by put_pfn()).
 *
 * What changed from vfio-type1 07956b6269d3 (19fed0dae94d with follow_fault_pfn()'s write check):
 * the zero page is unpinned right after pinning, so a R/O map/unmap cycle of zero-page memory
 * leaks nothing.
 *
 * Source read: 5.10.262 and 6.1.192 drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfns(): the
 * is_zero_pfn() unpin loop after pin_user_pages_remote() (5.10.262 :526, 6.1.192 :580; backported
 * to 5.10.y: the stable id v5.10.262); 6.0-rc1 (a GitHub fork of torvalds/linux at v6.0-rc1)
 * vaddr_get_pfns():546 has no loop, so the first release is after v6.0-rc1 (v6.0-rc5 itself was
 * not read); 6.2.1 .. 6.8.0 (:578) keep it; 6.9.0, 6.12.118 and 7.2.13 no longer have it
 * (5b992412776c).
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { VfioPfnResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { pinOnePageRemote } from './19fed0dae94d.ts';
import { vfioType107956b6269d3 } from './07956b6269d3.ts';
import { pfnmapFallback } from './v5-4.ts';

function vfioVaddrGetPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): VfioPfnResult {
  const r = pinOnePageRemote(k, st, mm, vaddr, write);
  if (r.ret === 1) {
    const pfn = r.pfns[0]!;
    if (st.isZeroPfn(pfn)) {
      st.why('vfio: zero pfn -> unpin_user_page() right away (873aefb376bb)');
      k.unpinUserPage(k, st, pfn, false);
      if (st.data.longterm.has(pfn)) st.noteLongterm(pfn, -1);
      return { ret: 0, pfn, pinned: false };
    }
    return { ret: 0, pfn, pinned: true };
  }
  if (r.ret === 'livelock' || r.ret === 'BUG' || r.ret === 'unsupported') return { ret: r.ret };
  return pfnmapFallback(k, st, mm, vaddr, write, r.ret);
}

export const vfioType1873aefb376bb: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: '873aefb376bb',
  commit: '873aefb376bb',
  subject: 'vfio/type1: Unpin zero pages',
  release: 'v6.0-rc5',
  summary: 'Zero pages returned by pin_user_pages_remote() are unpinned at once: no leak per map.',
  ops: { ...vfioType107956b6269d3.ops, vfioVaddrGetPfn },
};
