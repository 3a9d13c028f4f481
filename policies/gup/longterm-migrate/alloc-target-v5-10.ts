/**
 * longterm-migrate alloc-target-v5-10: check_and_migrate_cma_pages() with the standard migration
 * target callback, alloc_migration_target(), instead of new_non_cma_page(). Joonsoo Kim's series
 * ("mm/gup: use a standard migration target allocation callback", "mm/hugetlb: make hugetlb
 * migration callback CMA aware") is in 5.10. Read in 2026-12: 5.9.1 (a GitHub copy of that
 * tarball) already has it: mm/gup.c:check_and_migrate_cma_pages() builds the same mtc (:1594-1597)
 * and calls migrate_pages(..., alloc_migration_target, ...) (:1643), and mm/hugetlb.c:1044 reads
 * PF_MEMALLOC_NOCMA; 5.8.1 still has new_non_cma_page() (mm/gup.c:1611). So the first release is
 * v5.9 (the version keeps its old id, alloc-target-v5-10, so stored results keep their names).
 *
 * Kernel functions modelled:
 * - alloc_migration_target() with mtc = { .nid = NUMA_NO_NODE, .gfp_mask = GFP_USER |
 *   __GFP_MOVABLE | __GFP_NOWARN } (5.10.262 mm/gup.c:1609-1612), run inside
 *   memalloc_nocma_save() (mm/gup.c:1729): nid = the source page's node (mm/migrate.c:1557-1558);
 *   a small page or THP gets __GFP_HIGHMEM only when the source is in ZONE_MOVABLE
 *   (mm/migrate.c:1576-1578), so the target may land in ZONE_MOVABLE exactly then; never in CMA
 *   (PF_MEMALLOC_NOCMA, mm/page_alloc.c:3784);
 * - hugetlb: alloc_huge_page_nodemask() (mm/hugetlb.c:1969-1985): a free pool page first
 *   (dequeue_huge_page_node_exact() skips CMA pages under PF_MEMALLOC_NOCMA, mm/hugetlb.c:1085),
 *   else alloc_migrate_huge_page(): none for a gigantic hstate (mm/hugetlb.c:1932), otherwise a
 *   fresh page with htlb_alloc_mask() (GFP_HIGHUSER_MOVABLE: ZONE_MOVABLE allowed, CMA not),
 *   not counted as surplus (a temporary page).
 *
 * What changed from longterm-migrate v5.4: hugetlb targets come from the pool when it has a
 * page; small-page targets of ZONE_MOVABLE sources may stay in ZONE_MOVABLE.
 *
 * Not modelled here: 5.10.262 (the Debian kernel) also carries the stable backport that makes
 * isolation errors retry and a failed migration return -ENOMEM (mm/gup.c:1614-1676); the v5.10
 * composition keeps the v5.4 loop (isolation failures ignored, a failed migration pins in place).
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import {
  allocPages,
  dequeueHugetlb,
  hugetlbSizeOf,
  isGigantic,
  memallocScope,
  movableRequest,
} from '../../../src/model/page-alloc.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { longtermMigrateV5_4, targetFolio } from './v5-4.ts';

/**
 * alloc_migration_target() under the scope in force. Shared with the v5.13+ versions: under
 * PF_MEMALLOC_PIN current_gfp_context() clears __GFP_MOVABLE (6.1.192
 * include/linux/sched/mm.h:217), which gives what their GFP_USER | __GFP_NOWARN mask (6.1.192
 * mm/gup.c:2065, 6.12.118 :2457, 7.2.13 :2368) asks for, and the pool skips pages that are not
 * long-term pinnable (6.1.192 mm/hugetlb.c:1340).
 *
 * `hugetlbFreshThisNode`: the fresh huge page of an empty pool comes only from the source's node
 * (alloc_hugetlb_folio_nodemask() adds __GFP_THISNODE unless htlb_allow_alloc_fallback(), from
 * v6.10: hugetlb-thisnode.ts). A fresh huge page is temporary (alloc_migrate_huge_page():
 * SetPageHugeTemporary, 5.10.262 mm/hugetlb.c:1943; 6.12.118 :2386; 7.2.13 :2157): not counted
 * in the pool, and freed to the buddy allocator.
 */
export function allocMigrationTargetWith(
  st: State,
  src: Folio,
  opts: { hugetlbFreshThisNode: boolean },
): Folio | null {
  const node = src.node ?? 0;
  if (src.kind === 'hugetlb') {
    const size = hugetlbSizeOf(src.order);
    const pooled = dequeueHugetlb(st, size, node);
    if (pooled) return targetFolio(st, src, pooled, false);
    if (isGigantic(size)) {
      st.why(`${src.name}: no free ${size} pool page and a gigantic page cannot be allocated -> no target`);
      return null;
    }
    const fresh = allocPages(st, {
      ...movableRequest(st, src.order, node),
      thisNode: opts.hugetlbFreshThisNode,
    });
    if (!fresh) {
      st.why(
        `${src.name}: no free ${size} pool page, no fresh huge page${opts.hugetlbFreshThisNode ? ` on node ${node} (__GFP_THISNODE)` : ''} -> no target`,
      );
      return null;
    }
    const f = targetFolio(st, src, fresh, false);
    f.temporary = true;
    return f;
  }
  const scope = memallocScope(st);
  const at = allocPages(st, {
    order: src.order,
    node,
    movableZone: src.zone === 'Movable' && scope !== 'pin',
    cma: scope === 'none',
  });
  if (!at) st.why(`${src.name}: no free page outside ZONE_MOVABLE and CMA -> no target`);
  return at ? targetFolio(st, src, at, false) : null;
}

/** alloc_migration_target() before v6.10: a fresh huge page may come from any node. */
export function allocMigrationTarget(_k: Kernel, st: State, src: Folio): Folio | null {
  return allocMigrationTargetWith(st, src, { hugetlbFreshThisNode: false });
}

export const longtermMigrateAllocTargetV5_10: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: 'alloc-target-v5-10',
  subject: 'check_and_migrate_cma_pages() with alloc_migration_target() (hugetlb targets from the pool)',
  release: 'v5.9',
  summary:
    'Migration targets from alloc_migration_target(): hugetlb from the pool first (CMA pool pages skipped), ZONE_MOVABLE sources may stay in ZONE_MOVABLE.',
  ops: { ...longtermMigrateV5_4.ops, allocMigrationTarget },
};
