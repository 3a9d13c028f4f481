/**
 * remap-pfn prepare-first: remap_pfn_range() prepares the VMA (the COW rule through
 * get_remap_pgoff(), then vm_flags_set(VM_REMAP_FLAGS)) in remap_pfn_range_prepare_vma() before
 * do_remap_pfn_range() reaches the alignment test in remap_pfn_range_internal(), a by-product of
 * the mmap_prepare work (remap_pfn_range_prepare() / remap_pfn_range_complete(), Lorenzo
 * Stoakes). The commit was not identified, so this version names none and derives no alias.
 *
 * Effect on an address that is not page aligned: in a COW mapping the COW rule refuses it first
 * (the address cannot be vm_start): -EINVAL without a WARN; in any other VMA the VMA becomes
 * VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP and only then WARN_ON_ONCE + -EINVAL, the flags
 * staying set.
 *
 * First release v6.19, bracketed by sources read: 6.18.2 (gfunkmonk/linux-6.18.2 at the commit
 * that imports the tarball) mm/memory.c:remap_pfn_range():3020 -> remap_pfn_range_notrack() ->
 * remap_pfn_range_internal(), alignment first (:2912), COW rule (:2933) after it; 6.19.9
 * (AlfredoFerreira04/scheduler-linux-6.19.9-env at its import commit) remap_pfn_range():3089
 * calls remap_pfn_range_prepare_vma():3061 (get_remap_pgoff():2901, vm_flags_set) before
 * do_remap_pfn_range(), whose remap_pfn_range_internal():2920 tests the alignment. The same order
 * in 7.0.0 (:3147), 7.1.5 (:3202) and 7.2.13 (remap_pfn_range():3203, internal :3033).
 *
 * Kernel function modelled: remap_pfn_range() (the rest as pfn-t-removal).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { remapPfnPfnTRemoval } from './pfn-t-removal.ts';
import { remapAlignWarn, remapCowRule, remapEnd, remapPtes, remapSetFlags } from './v5-4.ts';

export const remapPfnPrepareFirst: FamilyVersion = {
  family: 'remap-pfn',
  module: import.meta.url,
  id: 'prepare-first',
  subject: 'remap_pfn_range(): the VMA is prepared (COW rule, VM_REMAP_FLAGS) before the alignment test',
  release: 'v6.19',
  summary:
    'An unaligned remap_pfn_range(): -EINVAL without a WARN in a COW mapping; elsewhere the VMA flags are set, then WARN and -EINVAL.',
  ops: {
    ...remapPfnPfnTRemoval.ops,
    remapPfnRange(k, st, mm, vma, addr, pfn, size) {
      const end = remapEnd(addr, size);
      const cow = remapCowRule(st, vma, addr, end, pfn);
      if (cow) return cow;
      remapSetFlags(vma);
      return remapAlignWarn(st, addr) || remapPtes(k, st, mm, vma, addr, end, pfn, false);
    },
  },
};
