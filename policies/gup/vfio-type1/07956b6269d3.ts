/**
 * vfio-type1 07956b6269d3: "vfio/type1: Use follow_pte()" (Alex Williamson, 2021-02-16, Fixes:
 * 5cbf3264bc71), first release v5.12; backported to 5.10.y (Debian's 5.10.262 has it).
 * Evidence: the commit as mailed to stable ("follow_pfn() doesn't make sure that we're using the
 * correct page protections, get the pte with follow_pte() so that we can test protections"), and
 * the sources below.
 *
 * Kernel function modelled: follow_fault_pfn() (slot vfioFollowPfn), the VM_PFNMAP fallback of
 * vaddr_get_pfn(s)() when GUP refuses the VMA: the entry at vaddr is looked up with
 * follow_pte() (6.12: follow_pfnmap_start()), and a DMA map with WRITE of an entry that is not
 * writable is -EFAULT. A MAP_PRIVATE pfnmap (a COW mapping: remap_pfn_range() leaves its PTEs
 * read-only) can then no longer be mapped READ|WRITE; a READ map is unchanged.
 *
 * What changed from vfio-type1 19fed0dae94d: only that write check; everything built on this
 * version (873aefb376bb, 5b992412776c) keeps it.
 *
 * Source read: drivers/vfio/vfio_iommu_type1.c:follow_fault_pfn() in linux-source 5.10.262 :490
 * `if (write_fault && !pte_write(*ptep)) ret = -EFAULT;`, 6.1.192 :544 (the same), 6.12.118 :538
 * and 7.2.13 :566 `if (write_fault && !args.writable) ret = -EFAULT;`. Mainline v5.10 predates
 * the commit (merged for v5.12 after v5.11 was released on 2021-02-14); its follow_fault_pfn()
 * (41311242221e, v5.8) took follow_pfn()'s pfn whatever the protection.
 * Recorded: 7.2.13 (Debian), `vfio_rw.devmem_private`: VFIO_IOMMU_MAP_DMA READ|WRITE of /dev/mem
 * mapped MAP_PRIVATE returns -EFAULT, READ returns 0 (the workload's devmem cases).
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State } from '../../../src/model/state.ts';
import { hex } from '../../mm-primitives.ts';
import { vfioType119fed0dae94d } from './19fed0dae94d.ts';

function vfioFollowPfn(_k: Kernel, st: State, mm: number, vaddr: number, write: boolean): number {
  const entry = st.entryAt(mm, vaddr);
  if (!entry) return err('EFAULT');
  if (write && !entry.write) {
    st.why(
      `vfio: follow_fault_pfn(${hex(vaddr)}): a WRITE map of a read-only entry -> -EFAULT (07956b6269d3)`,
    );
    return err('EFAULT');
  }
  return st.pfnAt(mm, vaddr)!;
}

export const vfioType107956b6269d3: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: '07956b6269d3',
  commit: '07956b6269d3',
  subject: 'vfio/type1: Use follow_pte()',
  release: 'v5.12',
  summary: 'The VM_PFNMAP fallback checks the PTE: a WRITE map of a read-only pfnmap entry is -EFAULT.',
  ops: { ...vfioType119fed0dae94d.ops, vfioFollowPfn },
};
