/**
 * vfio-type1 5b992412776c: 'Revert "vfio/type1: Unpin zero pages"' (Alex Williamson), "VFIO
 * updates for v6.9-rc1" -> first release v6.9, bracketed by sources read: 6.8.0 (a GitHub copy of
 * the v6.8 tarball) drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfns():555 still unpins zero pfns
 * (:578); 6.9.0 (ec-jt/linux-6.9.0 at its import commit) vaddr_get_pfns():555 has no such loop.
 * Evidence: [S:6.14][S:6.19] facts/pinning.md §2.2;
 * the rationale [L]: c8070b787519 (v6.5) made unpinning the zero page a no-op and 84209e87c696
 * (v6.2) stopped R/O long-term pins in COW mappings from reaching the zero page at all.
 *
 * What changed from vfio-type1 873aefb376bb: the unpin loop is gone (back to 19fed0dae94d's
 * vaddr_get_pfn()). On a kernel with c8070b787519 the "pin" of a zero page moves nothing, so
 * there is still no leak; combined with an older pin-accounting (a user policy) the leak returns.
 *
 * Not modelled: 6.19 turns a 0 return of pin_user_pages_remote() into -EFAULT (a case the
 * model's GUP never produces for one page).
 *
 * Source read: 6.9.0, 6.11.11, 6.12.118, 6.13.7 and 6.14.0 drivers/vfio/vfio_iommu_type1.c match
 * this version. 6.18.2, 6.19.9, 7.0.0, 7.1.5 and 7.2.13 differ in ways not modelled, so from
 * v6.15 .. v6.18 (6.15 .. 6.17 not read: the change is bracketed by 6.14.0 and 6.18.2 only) this
 * version simplifies: vaddr_get_pfns() turns a 0 from pin_user_pages_remote() into -EFAULT and
 * takes a batch; vfio_pin_pages_remote() walks contiguous runs (num_pages_contiguous()) and
 * charges locked_vm per run, and handles huge pfnmaps by the mapping's page mask
 * (follow_fault_pfn() addr_mask). None changes the outcome of the one-page-per-call cases the
 * corpus and recordings hold.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { vfioType119fed0dae94d } from './19fed0dae94d.ts';
import { vfioType1873aefb376bb } from './873aefb376bb.ts';

export const vfioType15b992412776c: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: '5b992412776c',
  commit: '5b992412776c',
  subject: 'Revert "vfio/type1: Unpin zero pages"',
  release: 'v6.9',
  summary: 'The zero-page unpin loop is reverted (pinning the zero page is a no-op since v6.5).',
  ops: { ...vfioType1873aefb376bb.ops, vfioVaddrGetPfn: vfioType119fed0dae94d.ops.vfioVaddrGetPfn! },
};
