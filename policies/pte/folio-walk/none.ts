/**
 * folio-walk @ v5.4: folio_walk_start() does not exist yet.
 *
 * It was introduced by aa39ca6940f1 "mm/pagewalk: introduce folio_walk_start() +
 * folio_walk_end()" in the v6.12 merge window (facts/insert-pfnmap.md §3.1); every release before
 * v6.12 answers the vocabulary call with 'unsupported' (a verdict of its own, not a failure).
 *
 * Source read (2026-12): 5.10.262 and 6.1.192 mm/pagewalk.c and include/linux/pagewalk.h have no
 * folio_walk_start() (nor FW_ZEROPAGE); 6.12.118 mm/pagewalk.c:772 has it. Release ids v5.4 ..
 * v6.11 use this version; none of the other sources read up to 6.11.11 (a GitHub copy of that
 * tarball) has folio_walk_start() either, so its first release is v6.12 (aa39ca6940f1 is in the
 * v6.12 merge window per the facts).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';

export const folioWalkNone: FamilyVersion = {
  family: 'folio-walk',
  module: import.meta.url,
  id: 'none',
  subject: 'no folio_walk_start() before v6.12',
  release: 'v5.4',
  summary: 'folio_walk_start() does not exist: the call is unsupported.',
  ops: {
    folioWalkStart(_k, st) {
      st.why('folio_walk_start() does not exist before v6.12 (aa39ca6940f1)');
      return 'unsupported';
    },
  },
};
