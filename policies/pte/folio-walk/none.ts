/**
 * folio-walk @ v5.4: folio_walk_start() does not exist yet.
 *
 * It was introduced by aa39ca6940f1 "mm/pagewalk: introduce folio_walk_start() +
 * folio_walk_end()" in the v6.12 merge window (facts/insert-pfnmap.md §3.1); every release before
 * v6.12 answers the vocabulary call with 'unsupported' (a verdict of its own, not a failure).
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
