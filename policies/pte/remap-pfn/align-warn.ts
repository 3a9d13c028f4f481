/**
 * remap-pfn align-warn: remap_pfn_range() refuses an address that is not page aligned with
 * `if (WARN_ON_ONCE(!PAGE_ALIGNED(addr))) return -EINVAL;` before anything else (the COW rule,
 * the VMA flags). The commit was not identified, so this version names none and derives no
 * pre-/post- alias.
 *
 * First release v5.9, bracketed by sources read: 5.8.1 (semwett0301/linux-5.8.1 at its import
 * commit) mm/memory.c:remap_pfn_range() has no alignment test; 5.9.1 (ach84/linux-5.9.1 at its
 * import commit) remap_pfn_range():2254 tests it first (:2264), then the COW rule (:2285). The
 * test sits first in remap_pfn_range_internal() in 5.10.262 (mm/memory.c:2303), 6.1.192 (:2491),
 * 6.12.118 (:2646) and 6.18.2 (:2912, before the COW rule at :2933), which its callers reach
 * before touching the VMA; from v6.19 the VMA is prepared first (remap-pfn prepare-first).
 *
 * Kernel function modelled: remap_pfn_range() (the rest as v5.4). The WARN counts in `warnings`.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { remapAlignWarn, remapCowRule, remapEnd, remapPfnV5_4, remapPtes } from './v5-4.ts';

export const remapPfnAlignWarn: FamilyVersion = {
  family: 'remap-pfn',
  module: import.meta.url,
  id: 'align-warn',
  subject: 'remap_pfn_range(): WARN_ON_ONCE(!PAGE_ALIGNED(addr)) -> -EINVAL',
  release: 'v5.9',
  summary: 'remap_pfn_range() of an address that is not page aligned: WARN and -EINVAL, nothing changed.',
  ops: {
    ...remapPfnV5_4.ops,
    remapPfnRange(k, st, mm, vma, addr, pfn, size) {
      const end = remapEnd(addr, size);
      return (
        remapAlignWarn(st, addr) ||
        remapCowRule(st, vma, addr, end, pfn) ||
        remapPtes(k, st, mm, vma, addr, end, pfn)
      );
    },
  },
};
