/**
 * zeropage-insert @ the pte_devmap / pfn_t removal (Alistair Popple, 2025: the devmap bits and
 * pfn_t type are removed once fs-dax pages are refcounted like normal pages).
 *
 * First release: v6.17, verified against the mainline push that merged it: the series is in the
 * torvalds/linux master post-receive of 2025-07-31 (old cbbf0a759ff9, new 6a68cec16b64; read in
 * the code corpus), i.e. the v6.17 merge window (after v6.16, 2025-07-27; before v6.17-rc1):
 * 21aa65bf82a7 "mm: remove callers of pfn_t functionality", 984921edea68 "mm: remove PFN_DEV,
 * PFN_MAP, PFN_SPECIAL, PFN_SG_CHAIN and PFN_SG_LAST", d438d2734170 "mm: remove devmap related
 * functions and page table bits", 4b1d3145c104 "mm: convert vmf_insert_mixed() from using
 * pte_devmap to pte_special", 7b2ae3c47f65 "mm/huge_memory: remove pXd_devmap usage from
 * insert_pXd_pfn()". The version spans several of these commits (vm_mixed_ok()
 * and __vm_insert_mixed() change in 21aa65bf82a7 and 4b1d3145c104), so it names no single commit
 * and derives no alias.
 *
 * Kernel functions modelled: vm_mixed_ok(), __vm_insert_mixed() (facts §1.3 V3/V4 column,
 * [C:af38538801c6]).
 *
 * Changed from insert-page-mkwrite: vm_mixed_ok() takes a plain pfn: zero pfn && (mkwrite ||
 * !allowed) -> no; VM_MIXEDMAP -> yes; zero pfn -> yes; else no (no pfn_t_devmap / pfn_t_special
 * exceptions, so an fs-dax pfn outside VM_MIXEDMAP is now VM_FAULT_SIGBUS); __vm_insert_mixed()
 * takes insert_page() for any pfn_valid pfn on an arch without pte_special (no devmap exception).
 *
 * Release evidence: the v2 posting of "mm: Remove pfn_t / devmap" (Alistair Popple, 2025-06-16,
 * "rebased on today's mm-unstable which includes my ZONE_DEVICE refcounting clean-up") came
 * after the v6.16 merge window, so v6.17 is the earliest release it can be in; the push above
 * shows it merged in the v6.17 merge window.
 *
 * Source read (2026-12): 7.2.13, branch by branch:
 *   mm/memory.c:vm_mixed_ok():2809  (pfn, mkwrite): zero && (mkwrite || !allowed) -> false;
 *     VM_MIXEDMAP -> true; zero -> true; false (no devmap / special pfn_t exceptions);
 *   mm/memory.c:__vm_insert_mixed():2823  !vm_mixed_ok -> SIGBUS; range -> SIGBUS; then
 *     !pte_special && pfn_valid -> insert_page(.., mkwrite) (-ENOMEM -> OOM, errors but -EBUSY
 *     -> SIGBUS, else NOPAGE), else insert_pfn();
 *   mm/memory.c:validate_page_before_insert():2334  the same order as 6.12.118; the slab test is
 *     gone from the expression because slab is a page type by then (page_has_type covers it):
 *     no change of outcome;
 *   mm/memory.c:__vm_normal_page():698 has no pte_devmap() test (hence pteDevmap false below).
 * 6.12.118 (mm/memory.c:2457-2519) still has pfn_t_devmap / pfn_t_special in both.
 *
 * Also read (GitHub copies of release tarballs): 6.14.0 mm/memory.c still passes pfn_t
 * (vm_mixed_ok():2551 `pfn_t pfn`); 6.18.2, 6.19.9, 7.0.0 (:2764 `unsigned long pfn`) and 7.1.5
 * no longer do: the first release is bracketed by 6.14.0 and 6.18.2 only (6.15 .. 6.17 not read).
 */

import type { FamilyVersion } from '../../../src/model/kernel.ts';
import type { VmFault } from '../../../src/model/ops/pte-ops.ts';
import { vmaHas as hasFlag } from '../../mm-primitives.ts';
import { zeropageInsertMkwrite } from './insert-page-mkwrite.ts';
import { insertMixedAfterOk } from './v5-4.ts';

export const zeropageInsertPfnTRemoval: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'pfn-t-removal',
  subject: 'mm: remove pfn_t and pte_devmap from vm_mixed_ok() / __vm_insert_mixed()',
  release: 'v6.17',
  summary: 'vm_mixed_ok() and __vm_insert_mixed() lose their pfn_t devmap/special exceptions.',
  ops: {
    ...zeropageInsertMkwrite.ops,
    // pte_devmap() is gone with this series: 7.2.13 has no pte_devmap() in mm/gup.c or
    // mm/memory.c's __vm_normal_page().
    pteDevmap() {
      return false;
    },
    vmMixedOk(k, st, mm, vma, pfn, mkwrite) {
      if (st.isZeroPfn(pfn)) {
        if (mkwrite) {
          st.why('vm_mixed_ok: zero pfn with mkwrite -> not ok');
          return false;
        }
        if (!k.vmMixedZeropageAllowed(k, st, mm, vma)) return false;
      }
      if (hasFlag(vma, 'VM_MIXEDMAP')) return true;
      if (st.isZeroPfn(pfn)) {
        st.why('vm_mixed_ok: zero pfn outside VM_MIXEDMAP -> ok');
        return true;
      }
      return false;
    },
    vmInsertMixed(k, st, mm, vma, addr, pfn, mkwrite): VmFault {
      if (!k.vmMixedOk(k, st, mm, vma, pfn, mkwrite)) {
        st.why(`__vm_insert_mixed: !vm_mixed_ok(${st.pageName(pfn)}) -> VM_FAULT_SIGBUS`);
        return 'SIGBUS';
      }
      // pfn_t and devmap are gone: only pte_special and pfn_valid choose insert_page().
      return insertMixedAfterOk(k, st, mm, vma, addr, pfn, mkwrite, false);
    },
  },
};
