/**
 * gup-args d74943a2f3cd "mm/gup: reintroduce FOLL_NUMA as FOLL_HONOR_NUMA_FAULT" (v6.5):
 * is_valid_gup_args() ORs FOLL_HONOR_NUMA_FAULT into every exported GUP call, on top of the v6.3
 * argument checks (gup-args d64e2dbc33a1).
 *
 * Source read: 6.5.0 (a GitHub copy of the v6.5 tarball, sndrzt/linux-6.5 root commit)
 * mm/gup.c:is_valid_gup_args():2209-2240, whose last step is `gup_flags |= FOLL_HONOR_NUMA_FAULT;`
 * (:2239) after the v6.3 checks; 6.4.4 has no FOLL_HONOR_NUMA_FAULT at all, so v6.5 is the first
 * release. 6.6.9 drops the OR again (gup-args v6.6); 6.12.118 mm/gup.c:is_valid_gup_args():
 * 2595-2638 sets no FOLL_HONOR_NUMA_FAULT (the flag is only accepted, :3448, in the fast path's
 * allowed set).
 */
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { gupApiV6_3, gupArgsD64e2dbc33a1, isValidGupArgsV6_3 } from './d64e2dbc33a1.ts';

function isValidGupArgs(k: Kernel, st: State, req: GupRequest, toSet: readonly FollFlag[]): boolean {
  if (!isValidGupArgsV6_3(k, st, req, toSet)) return false;
  req.flags = req.flags.with('FOLL_HONOR_NUMA_FAULT');
  st.why('is_valid_gup_args: FOLL_HONOR_NUMA_FAULT forced (d74943a2f3cd)');
  return true;
}

export const gupArgsD74943a2f3cd: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'd74943a2f3cd',
  commit: 'd74943a2f3cd',
  subject: 'mm/gup: reintroduce FOLL_NUMA as FOLL_HONOR_NUMA_FAULT',
  release: 'v6.5',
  summary: 'is_valid_gup_args() forces FOLL_HONOR_NUMA_FAULT on every exported GUP call.',
  ops: { ...gupArgsD64e2dbc33a1.ops, gupApi: gupApiV6_3, isValidGupArgs },
};
