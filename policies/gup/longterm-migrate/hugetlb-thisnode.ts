/**
 * longterm-migrate hugetlb-thisnode: "mm: hugetlb: make the hugetlb migration strategy
 * consistent" (Baolin Wang; v2 posted 2024-03-06, lkml
 * 3519fcd41522817307a05b40fb551e2e17e68101.1709719720; in linux-next from next-20240423 with
 * "mm: record the migration reason for struct migration_target_control", so the v6.10 merge
 * window: first release v6.10 by the mailing-list dates, the mainline commit id not read).
 *
 * Kernel functions modelled (6.12.118 and 7.2.13 read, identical for what is modelled):
 * - alloc_migration_target() for a hugetlb source: alloc_hugetlb_folio_nodemask(h, nid, nmask,
 *   gfp_mask, htlb_allow_alloc_fallback(mtc->reason)) (6.12.118 mm/migrate.c:2156-2158,
 *   7.2.13 :2209-2211); the long-term pin's mtc carries .reason = MR_LONGTERM_PIN (6.12.118
 *   mm/gup.c:2458, 7.2.13 :2369);
 * - htlb_allow_alloc_fallback(): true only for MR_MEMORY_HOTPLUG, MR_MEMORY_FAILURE, MR_SYSCALL
 *   and MR_MEMPOLICY_MBIND (6.12.118 include/linux/hugetlb.h:939-957), so false for
 *   MR_LONGTERM_PIN;
 * - alloc_hugetlb_folio_nodemask(): a free pool page first, from any node
 *   (dequeue_hugetlb_folio_nodemask() with the caller's mask, no __GFP_THISNODE); then
 *   `if (!allow_alloc_fallback) gfp_mask |= __GFP_THISNODE;` before
 *   alloc_migrate_hugetlb_folio() (6.12.118 mm/hugetlb.c:2454-2458, 7.2.13 :2228-2232): the
 *   fresh huge page of a long-term pin's migration comes only from the source's node. A 1 GiB
 *   hstate still gets no fresh page (:2373 / :2140).
 *
 * What changed from 67e139b02d99: only that fresh-page fallback; a node whose free memory cannot
 * hold a fresh huge page fails the migration (-ENOMEM) even when another node could.
 * 6.1.192 mm/hugetlb.c:alloc_huge_page_nodemask() (:2538-2554) has no such restriction.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { longtermMigrate67e139b02d99 } from './67e139b02d99.ts';
import { allocMigrationTargetWith } from './alloc-target-v5-10.ts';

function allocMigrationTarget(_k: Kernel, st: State, src: Folio): Folio | null {
  return allocMigrationTargetWith(st, src, { hugetlbFreshThisNode: true });
}

export const longtermMigrateHugetlbThisnode: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: 'hugetlb-thisnode',
  subject: 'mm: hugetlb: make the hugetlb migration strategy consistent',
  release: 'v6.10',
  summary:
    'A long-term pin migrating a hugetlb folio takes a fresh huge page only on the source node (__GFP_THISNODE); pool pages still come from any node.',
  ops: { ...longtermMigrate67e139b02d99.ops, allocMigrationTarget },
};
