/**
 * normal-page @ fce831c92092 "mm/memory: cleanly support zeropage in vm_insert_page*(),
 * vm_map_pages*() and vmf_insert_mixed()" (first release v6.11; V1 of facts/insert-pfnmap.md
 * §2.2, read at [C:fce831c92092]).
 *
 * Kernel function modelled: vm_normal_page() (vm_normal_page_pmd() is unchanged: huge-zero-pmd's).
 *
 * Changed from huge-zero-pmd (v5.4's vm_normal_page()), point (B) of the commit message ("never refcount the zeropage when
 * unmapping it"): on an arch without pte_special, a VM_MIXEDMAP zero pfn is no longer a normal
 * page (NULL); and VM_WARN_ON_ONCE(is_zero_pfn()) fires if the zero pfn would still be returned,
 * which on a pte_special arch happens for a zero PTE mapped without the special bit (modelled
 * as if CONFIG_DEBUG_VM were set: the warning counts).
 *
 * Release id using it alone: v6.11, read in 6.11.11 (a GitHub copy of that tarball):
 * mm/memory.c:vm_normal_page():593 is textually the one 6.12.118, 6.13.7 and 6.14.0 have, and
 * vm_normal_page_pmd():670 still the pre-10d83d7781a8 one (as 6.9.0). Its vm_normal_page()
 * is the one 6.12.118 has (mm/memory.c:vm_normal_page():594, read branch by branch): on an arch
 * without pte_special, VM_MIXEDMAP: !pfn_valid -> NULL, then is_zero_pfn -> NULL (the line this
 * commit adds), then the page; and `out:` carries VM_WARN_ON_ONCE(is_zero_pfn(pfn)) before
 * returning any page. vm_normal_page_pmd() is untouched by it (6.12.118 :671 differs from 6.1.192
 * :686 only by 10d83d7781a8's first test).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { vmaHas as hasFlag } from '../../mm-primitives.ts';
import { normalPageHugeZeroPmd } from './huge-zero-pmd.ts';

const base = normalPageHugeZeroPmd.ops.vmNormalPage!;

export const normalPageFce831c92092: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: 'fce831c92092',
  commit: 'fce831c92092',
  subject: 'mm/memory: cleanly support zeropage in vm_insert_page*(), vm_map_pages*() and vmf_insert_mixed()',
  release: 'v6.11',
  summary:
    'vm_normal_page(): a VM_MIXEDMAP zero pfn is NULL without pte_special too; VM_WARN_ON_ONCE if the zero pfn would be returned.',
  link: 'https://lore.kernel.org/all/20240522125713.775114-1-david@redhat.com/',
  ops: {
    ...normalPageHugeZeroPmd.ops,
    vmNormalPage(k, st, vma, addr, entry, level) {
      if (
        level === 'pte' &&
        !st.config.pte_special &&
        hasFlag(vma, 'VM_MIXEDMAP') &&
        st.pfnValid(entry.pfn) &&
        st.isZeroPfn(entry.pfn)
      ) {
        st.why('vm_normal_page: !pte_special arch, VM_MIXEDMAP, zero pfn -> NULL (fce831c92092)');
        return null;
      }
      const page = base(k, st, vma, addr, entry, level);
      if (level === 'pte' && page !== null && st.isZeroPfn(page)) {
        st.why('vm_normal_page: about to return the zero pfn -> VM_WARN_ON_ONCE');
        st.warn('vm_normal_page zero pfn');
      }
      return page;
    },
  },
};
