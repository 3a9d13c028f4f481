/**
 * gup-args v6.6: is_valid_gup_args() no longer forces FOLL_HONOR_NUMA_FAULT (the v6.5 change was
 * undone in the v6.6 cycle); the v6.3 argument checks stay.
 *
 * Source read: 6.12.118 mm/gup.c:is_valid_gup_args():2595-2638 and 7.2.13 mm/gup.c (the same
 * checks: FOLL_GET|FOLL_PIN together, FOLL_LONGTERM without FOLL_PIN, FOLL_GET/FOLL_PIN without
 * pages, FOLL_LONGTERM|FOLL_PCI_P2PDMA each WARN and refuse; nothing ORed in). First release v6.6,
 * bracketed by sources read: 6.5.0 mm/gup.c:is_valid_gup_args():2209 ORs
 * `gup_flags |= FOLL_HONOR_NUMA_FAULT;` (:2239); 6.6.9 (a GitHub copy of that tarball)
 * is_valid_gup_args():2222 does not (FOLL_HONOR_NUMA_FAULT only in the fast path's allowed mask,
 * :3178). 6.8.0, 6.9.0, 6.11.11, 6.13.7, 6.14.0, 6.18.2, 6.19.9, 7.0.0 and 7.1.5 agree (function
 * read for the ORed flag only).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { gupApiV6_3, isValidGupArgsV6_3 } from './d64e2dbc33a1.ts';
import { gupArgsD74943a2f3cd } from './d74943a2f3cd.ts';

export const gupArgsV6_6: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'v6.6',
  subject: 'is_valid_gup_args(): FOLL_HONOR_NUMA_FAULT no longer forced',
  release: 'v6.6',
  summary: 'Back to the v6.3 rules: FOLL_HONOR_NUMA_FAULT is not ORed into every call.',
  ops: { ...gupArgsD74943a2f3cd.ops, gupApi: gupApiV6_3, isValidGupArgs: isValidGupArgsV6_3 },
};
