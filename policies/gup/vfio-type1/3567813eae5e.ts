/**
 * vfio-type1 3567813eae5e: "vfio: fix FOLL_LONGTERM use, simplify get_user_pages_remote() call"
 * (John Hubbard), first release v5.6: patch 07/25 of "mm/gup: prereqs to track dma-pinned pages:
 * FOLL_PIN" (v11 posted 2019-12-16, after v5.5-rc1), whose shortlog lists it with c4237f8b1f4f
 * and eddb1c228f79 in akpm's v5.6 merge-window batch (read in the code corpus). Evidence: the
 * patch text [L], [S:5.6] facts/pinning.md §4.
 *
 * Kernel function modelled: vaddr_get_pfn(): one call
 * get_user_pages_remote(NULL, mm, vaddr, 1, [FOLL_WRITE]|FOLL_LONGTERM, page, NULL, NULL) for
 * local and remote maps alike, under mmap_sem; the fs-dax test is GUP's (c4237f8b1f4f routes a
 * FOLL_LONGTERM remote call through __gup_longterm_locked()); then the VM_PFNMAP fallback.
 *
 * What changed from vfio-type1 v5.4: the remote branch now passes FOLL_LONGTERM ("the VFIO
 * caller is logically a FOLL_LONGTERM user"), so CMA pages are migrated for mdev pinning too;
 * vfio's own fs-dax test is gone. Needs gup-args c4237f8b1f4f (v5.4's get_user_pages_remote()
 * refuses FOLL_LONGTERM with -EINVAL).
 *
 * Source read: 5.4.0 drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfn() (the local/remote split and
 * vfio's own fs-dax test: vfio-type1 v5.4); 5.6.4 (a GitHub copy of that tarball,
 * shmily1012/linux-5.6.4 at its import commit) vaddr_get_pfn():319: one
 * `pin_user_pages_remote(NULL, mm, vaddr, 1, flags | FOLL_LONGTERM, page, NULL, NULL)` (:331),
 * no fs-dax test, then the VM_PFNMAP fallback (:343) - i.e. this commit together with
 * 19fed0dae94d (no source between them: v5.5 was not read).
 */
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { VfioPfnResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { gupOnePage, pfnmapFallback, vfioType1V5_4 } from './v5-4.ts';

const LONGTERM = FollFlags.of('FOLL_LONGTERM');
const WRITE_LONGTERM = FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM');

/** vaddr_get_pfn()'s gup_flags from v5.6, in the order the call writes them: [FOLL_WRITE|]FOLL_LONGTERM. */
export function vaddrGetPfnFlags(write: boolean): FollFlags {
  return write ? WRITE_LONGTERM : LONGTERM;
}

function vfioVaddrGetPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): VfioPfnResult {
  const r = gupOnePage(k, st, 'get_user_pages_remote', mm, vaddr, vaddrGetPfnFlags(write));
  if (r.ret === 1) return { ret: 0, pfn: r.pfns[0]!, pinned: true };
  if (r.ret === 'livelock' || r.ret === 'BUG') return { ret: r.ret };
  return pfnmapFallback(k, st, mm, vaddr, write, r.ret);
}

export const vfioType13567813eae5e: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: '3567813eae5e',
  commit: '3567813eae5e',
  subject: 'vfio: fix FOLL_LONGTERM use, simplify get_user_pages_remote() call',
  release: 'v5.6',
  summary: 'One get_user_pages_remote(FOLL_LONGTERM, locked=NULL) for local and remote maps.',
  ops: { ...vfioType1V5_4.ops, vfioVaddrGetPfn },
};
