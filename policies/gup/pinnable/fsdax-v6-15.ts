/**
 * pinnable fsdax (v6.15): "mm/gup: don't allow FOLL_LONGTERM pinning of FS DAX pages" (Alistair
 * Popple), first release v6.15-rc1 [INF: absent 6.14.0, present 6.18.2]. Evidence: [S:6.19] and the
 * patch (v8/v9 17/20 of "fs/dax: Fix ZONE_DEVICE page reference counts") [L], facts/pinning.md
 * §1.2-1.3 (P615). Mainline id UNVERIFIED: the linux-next ids seen (fddc9f8e8c4e, cf30b8db4941,
 * 79e40ab7ec8e, ab70ab7207eb, 0ee009e15830, e5cb23256347, ...) were not confirmed as mainline, so
 * this version carries no commit and derives no pre-/post- aliases.
 *
 * Kernel function modelled: folio_is_longterm_pinnable(folio): as fcab34b433e2's order, plus
 * folio_is_fsdax() -> false after the device-coherent test and before the ZONE_MOVABLE one.
 *
 * What changed from pinnable fcab34b433e2: fs-dax folios are not long-term pinnable (fs-dax pages
 * became refcounted folios in that series; the VMA-level check_vma_flags() test stays).
 *
 * Source read: 7.2.13 include/linux/mm.h:folio_is_longterm_pinnable(): CMA/ISOLATE, zero,
 * device coherent, folio_is_fsdax(), !ZONE_MOVABLE, exactly this version; 6.18.2 (a GitHub copy
 * of that tarball, gfunkmonk/linux-6.18.2 at its import commit) :2008-2033, 6.19.9, 7.0.0 and
 * 7.1.5 the same; 6.12.118, 6.13.7 and 6.14.0 (:2008-2027) lack the fs-dax test. 6.15 .. 6.17
 * were not read (no source for them was found): the first release is bracketed by 6.14.0 and
 * 6.18.2 only, and v6.15 rests on the patch's series (merged for the 6.15 merge window [L]).
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { orderedPinnable } from './fcab34b433e2.ts';

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  return orderedPinnable(st, folio, true);
}

export const pinnableFsdaxV6_15: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: 'fsdax-v6.15',
  subject: "mm/gup: don't allow FOLL_LONGTERM pinning of FS DAX pages",
  release: 'v6.15',
  summary: 'folio_is_longterm_pinnable(): fs-dax folios are not long-term pinnable.',
  ops: { folioIsLongtermPinnable },
};
