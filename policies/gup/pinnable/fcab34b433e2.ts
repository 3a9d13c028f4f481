/**
 * pinnable fcab34b433e2: "mm: re-allow pinning of zero pfns (again)" (Alex Williamson), first
 * release v6.0-rc3 (mm-hotfixes-stable-2022-08-28, merged before the Linux 6.0-rc3 commit [L]).
 * Evidence: [S:6.0.1][S:6.1-rc7][S:6.2.12][S:6.3.8][S:6.4.6] facts/pinning.md §1.3 (P60).
 *
 * Kernel function modelled: is_longterm_pinnable_page(page), as discrete ordered tests:
 * without CONFIG_MIGRATION true; (CONFIG_CMA) CMA or ISOLATE pageblock -> false; zero pfn ->
 * true ("The zero page may always be pinned"); device coherent -> false; return zone !=
 * ZONE_MOVABLE. From v6.5 the same order is folio_is_longterm_pinnable() on the folio's
 * attributes (Vishal Moola's conversion, id UNVERIFIED; no behaviour change, so no new version).
 *
 * What changed from pinnable f25cbb7a95a2: the zero pfn is pinnable again, tested after
 * CMA/ISOLATE and before device-coherent and ZONE_MOVABLE. The order matters: a zero page in a
 * CMA pageblock is not pinnable; in ZONE_MOVABLE it is.
 *
 * Source read: 6.1.192 include/linux/mm.h:is_longterm_pinnable_page() and
 * folio_is_longterm_pinnable() (CMA/ISOLATE, zero, device coherent, !ZONE_MOVABLE, in that order);
 * 6.2.1, 6.3.8 and 6.4.4 the same; 6.5.0 include/linux/mm.h:folio_is_longterm_pinnable():
 * 1947-1966 on the folio (folio_migratetype(), is_zero_folio(), folio_is_device_coherent(),
 * !folio_is_zone_movable()), same order, is_longterm_pinnable_page() gone; 6.6.9, 6.8.0, 6.9.0,
 * 6.11.11, 6.12.118, 6.13.7 and 6.14.0 (:2008-2027) the same. v6.0-rc3 itself was not read.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { isZeroFolio } from '../../mm-primitives.ts';
import { cmaOrIsolate } from './1c563432588d.ts';

/** The v6.0-rc3 ordered tests; `fsdax` inserts the v6.15 test before the ZONE_MOVABLE one. */
export function orderedPinnable(st: State, folio: Folio, fsdax: boolean): boolean {
  if (!st.config.migration) return true;
  if (cmaOrIsolate(st, folio, '1c563432588d')) return false;
  if (isZeroFolio(st, folio)) {
    st.why('zero pfn -> longterm pinnable (fcab34b433e2)');
    return true;
  }
  if (folio.kind === 'device_coherent') {
    st.why(`${folio.name}: device coherent -> not longterm pinnable`);
    return false;
  }
  if (fsdax && folio.kind === 'fsdax') {
    st.why(`${folio.name}: fs-dax folio -> not longterm pinnable`);
    return false;
  }
  if (folio.zone === 'Movable') {
    st.why(`${folio.name}: ZONE_MOVABLE -> not longterm pinnable`);
    return false;
  }
  return true;
}

function folioIsLongtermPinnable(_k: Kernel, st: State, folio: Folio): boolean {
  return orderedPinnable(st, folio, false);
}

export const pinnableFcab34b433e2: FamilyVersion = {
  family: 'pinnable',
  module: import.meta.url,
  id: 'fcab34b433e2',
  commit: 'fcab34b433e2',
  subject: 'mm: re-allow pinning of zero pfns (again)',
  release: 'v6.0-rc3',
  summary: 'Ordered tests: CMA/ISOLATE -> no; zero pfn -> yes; device coherent -> no; ZONE_MOVABLE -> no.',
  ops: { folioIsLongtermPinnable },
};
