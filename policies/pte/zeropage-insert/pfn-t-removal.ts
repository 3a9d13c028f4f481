/**
 * zeropage-insert @ the pte_devmap / pfn_t removal (Alistair Popple, 2025: the devmap bits and
 * pfn_t type are removed once fs-dax pages are refcounted like normal pages).
 *
 * First release: v6.17, INFERRED, not verified; the facts bound it (pfn_t and pte_devmap are in
 * the v6.11-v6.14 mm/memory.c read, gone at [C:af38538801c6]) and the removal patches were split
 * off the fs-dax series after its v6 (January 2025), so it is later than the mkwrite refactor.
 * v6.16 or v6.17 compose the same here (the next release id is v6.18). No mainline id was
 * verified: no commit, no alias.
 *
 * Kernel functions modelled: vm_mixed_ok(), __vm_insert_mixed() (facts §1.3 V3/V4 column,
 * [C:af38538801c6]).
 *
 * Changed from insert-page-mkwrite: vm_mixed_ok() takes a plain pfn: zero pfn && (mkwrite ||
 * !allowed) -> no; VM_MIXEDMAP -> yes; zero pfn -> yes; else no (no pfn_t_devmap / pfn_t_special
 * exceptions, so an fs-dax pfn outside VM_MIXEDMAP is now VM_FAULT_SIGBUS); __vm_insert_mixed()
 * takes insert_page() for any pfn_valid pfn on an arch without pte_special (no devmap exception).
 *
 * Source read: 7.2.13 mm/gup.c:follow_page_pte() no longer has the pte_devmap()/get_dev_pagemap()
 * branch 6.12.118 has (consistent with the pfn_t/devmap removal); mm/memory.c insert functions
 * not compared branch by branch in this session.
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
