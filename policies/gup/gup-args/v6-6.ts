/**
 * gup-args v6.6: is_valid_gup_args() no longer forces FOLL_HONOR_NUMA_FAULT (GUP sets it only
 * where it is wanted internally). Evidence: [S:6.6.9] vs [S:6.5] facts/pinning.md §4 and §5.1.
 * Commit: UNVERIFIED (a follow-up in the same FOLL_HONOR_NUMA_FAULT series, for v6.6).
 *
 * What changed from gup-args d74943a2f3cd: the forced flag is gone; otherwise as v6.3.
 *
 * Source read: 6.12.118 and 7.2.13 mm/gup.c:is_valid_gup_args() do not OR in
 * FOLL_HONOR_NUMA_FAULT. 6.6 itself not read.
 */
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
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
