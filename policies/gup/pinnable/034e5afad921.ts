/**
 * pinnable 034e5afad921: "mm: re-allow pinning of zero pfns" (Alex Williamson), first release
 * v5.19-rc4 ("resolved in rc4 via 034e5afad921" [L]). Evidence: [S:5.19] facts/pinning.md §1.3
 * (P519).
 *
 * Kernel function modelled: is_pinnable_page(page): without CONFIG_MIGRATION true; (CONFIG_CMA)
 * CMA or ISOLATE pageblock -> false; then return zone != ZONE_MOVABLE || is_zero_pfn(pfn).
 *
 * What changed from pinnable 1c563432588d: the zero pfn is pinnable again, also in ZONE_MOVABLE.
 * Because the CMA/ISOLATE test still runs first, a zero page in a CMA or ISOLATE pageblock is
 * not pinnable (in v5.13..v5.18 the zero exception won).
 *
 * Source read: 5.19.0 (a GitHub copy of the v5.19 tarball, yishangzhang/linux-5.19 root commit)
 * include/linux/mm.h:is_pinnable_page():1599-1608: under CONFIG_CMA `if (mt == MIGRATE_CMA || mt
 * == MIGRATE_ISOLATE) return false;`, then `return !is_zone_movable_page(page) ||
 * is_zero_pfn(page_to_pfn(page));`, exactly this version. v5.19-rc4 itself was not read.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { cmaOrIsolate } from './1c563432588d.ts';

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  if (!st.config.migration) return true;
  if (cmaOrIsolate(st, folio, '1c563432588d')) return false;
  if (folio.zone !== 'Movable') return true;
  if (isZeroFolio(st, folio)) {
    st.why('zero pfn in ZONE_MOVABLE -> longterm pinnable (034e5afad921)');
    return true;
  }
  st.why(`${folio.name}: ZONE_MOVABLE -> not longterm pinnable`);
  return false;
}

export const pinnable034e5afad921: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: '034e5afad921',
  commit: '034e5afad921',
  subject: 'mm: re-allow pinning of zero pfns',
  release: 'v5.19-rc4',
  summary: 'The zero pfn is long-term pinnable again (after the CMA/ISOLATE test).',
  ops: { folioIsLongtermPinnable },
};
