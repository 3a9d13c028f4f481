/**
 * gup-args d74943a2f3cd: "mm/gup: reintroduce FOLL_NUMA as FOLL_HONOR_NUMA_FAULT" (David
 * Hildenbrand), merged as a fix during v6.5-rc; first release v6.5. Evidence: [S:6.5]
 * facts/pinning.md §4 and §5.1 (is_valid_gup_args() ORs FOLL_HONOR_NUMA_FAULT into every exported
 * GUP call in 6.5; 6.6.9 does not); commit id and subject from mm/stable commit lists [L].
 *
 * What changed from gup-args d64e2dbc33a1: is_valid_gup_args() also sets FOLL_HONOR_NUMA_FAULT;
 * the flag exists from v6.5 (0x1000). pinbench models no PROT_NONE NUMA-hinting entries, so the
 * flag shows only in the decision path and in the raw value a recording would carry.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { gupApiV6_3, gupArgsD64e2dbc33a1, isValidGupArgsV6_3 } from './d64e2dbc33a1.ts';

function isValidGupArgs(k: Kernel, st: State, req: GupRequest, toSet: readonly FollFlag[]): boolean {
  if (!isValidGupArgsV6_3(k, st, req, toSet)) return false;
  req.flags.add('FOLL_HONOR_NUMA_FAULT');
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
