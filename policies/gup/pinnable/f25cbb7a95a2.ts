/**
 * pinnable f25cbb7a95a2: "mm: add zone device coherent type memory support" (Alex Sierra, AMD),
 * first release v6.0-rc1, together with "mm: rename is_pinnable_page() to
 * is_longterm_pinnable_page()" (id UNVERIFIED). Evidence: [S:6.0-rc1] facts/pinning.md §1.3
 * (P60rc); the Fixes: tag of fcab34b433e2 [L].
 *
 * Kernel function modelled: is_longterm_pinnable_page(page): without CONFIG_MIGRATION true;
 * (CONFIG_CMA) CMA or ISOLATE pageblock -> false; then
 * return !(is_device_coherent_page(page) || zone == ZONE_MOVABLE || is_zero_pfn(pfn)).
 *
 * What changed from pinnable 034e5afad921: device-coherent pages are not long-term pinnable
 * (they are migrated to system memory); the rewrite again negates is_zero_pfn(), so the zero
 * page is NOT pinnable a second time (vfio hangs again; fixed by fcab34b433e2 in v6.0-rc3).
 *
 * Source read: 6.0-rc1 (a GitHub fork of torvalds/linux at v6.0-rc1, sun363587351/linux-6.0 at
 * its import commit) include/linux/mm.h:is_longterm_pinnable_page():1539-1550: the CMA/ISOLATE
 * test, then `return !(is_device_coherent_page(page) || is_zone_movable_page(page) ||
 * is_zero_pfn(page_to_pfn(page)));`, and folio_is_longterm_pinnable() :1558-1561 calling it:
 * exactly this version (the zero pfn is not pinnable). 5.19.0 has neither
 * is_device_coherent_page() nor the rename.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { cmaOrIsolate } from './1c563432588d.ts';

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  if (!st.config.migration) return true;
  if (cmaOrIsolate(st, folio, '1c563432588d')) return false;
  if (folio.kind === 'device_coherent') {
    st.why(`${folio.name}: device coherent -> not longterm pinnable (f25cbb7a95a2)`);
    return false;
  }
  if (folio.zone === 'Movable') {
    st.why(`${isZeroFolio(st, folio) ? 'zero pfn' : folio.name}: ZONE_MOVABLE -> not longterm pinnable`);
    return false;
  }
  if (isZeroFolio(st, folio)) {
    st.why('zero pfn -> not longterm pinnable (f25cbb7a95a2)');
    return false;
  }
  return true;
}

export const pinnableF25cbb7a95a2: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: 'f25cbb7a95a2',
  commit: 'f25cbb7a95a2',
  subject: 'mm: add zone device coherent type memory support',
  release: 'v6.0-rc1',
  summary: 'Device-coherent pages not long-term pinnable; the zero page NOT pinnable again (bug).',
  ops: { folioIsLongtermPinnable },
};
