/**
 * The page allocator and the hugetlb pool as far as pinning needs them: where a page the model
 * allocates comes from (zone, CMA pageblock, node), and when there is none. What a release asks
 * for (gfp mask, allocation scope, pool or fresh page) is the policies' business; this module only
 * walks the free pages a trace declared (`pinbench_zone`, `pinbench_hugetlb`).
 *
 * Without declarations nothing is counted: every request succeeds in ZONE_NORMAL, outside CMA,
 * on the preferred node, which is what the model did before zones existed (every shipped trace).
 *
 * Rules, as read in the source:
 * - zonelist order: the preferred node first, then the other nodes (ascending here; the kernel
 *   orders by distance), and on each node the highest zone the gfp mask allows downwards:
 *   ZONE_MOVABLE only for __GFP_HIGHMEM|__GFP_MOVABLE (gfp_zone()), then NORMAL, DMA32, DMA;
 * - MIGRATE_CMA pageblocks serve only movable allocations with ALLOC_CMA: 5.10.262
 *   mm/page_alloc.c:3784 current_alloc_flags() (not under PF_MEMALLOC_NOCMA), 6.1.192
 *   include/linux/sched/mm.h:217 current_gfp_context() (PF_MEMALLOC_PIN clears __GFP_MOVABLE,
 *   so neither ZONE_MOVABLE nor CMA; same in 6.12.118 :264 and 7.2.13 :263). The model takes
 *   ordinary free pages of a zone before its CMA ones (the kernel balances the two);
 * - hugetlb pool: dequeue_huge_page_node_exact() / dequeue_hugetlb_folio_node_exact() skip CMA
 *   pages under PF_MEMALLOC_NOCMA (5.10.262 mm/hugetlb.c:1085) and pages that are not
 *   long-term pinnable under PF_MEMALLOC_PIN (6.1.192 mm/hugetlb.c:1340, 6.12.118 :1348,
 *   7.2.13 :1255); the order within a node's free list is not known, the model takes ZONE_NORMAL
 *   pages, then ZONE_MOVABLE, then CMA;
 * - gigantic pages (1 GiB) are never allocated fresh for migration: alloc_migrate_huge_page()
 *   `if (hstate_is_gigantic(h)) return NULL;` (5.10.262 mm/hugetlb.c:1932, 6.1.192 :2488,
 *   6.12.118 :2373, 7.2.13 :2140); surplus pages neither (alloc_surplus_huge_page()).
 *
 * Not modelled: freeing (a migrated or unmapped page does not return to the free lists),
 * watermarks and reserves (resv_huge_pages is taken as 0), __GFP_THISNODE.
 */
import type { BuddyZone, HugetlbSize } from './events.ts';
import type { HugetlbPool, MemallocScope, State } from './state.ts';

/** What the buddy allocator is asked for, after current_gfp_context(). */
export interface PageAllocRequest {
  order: number;
  /** Preferred node: the source page's for a migration target, the task's (0) for a fault. */
  node: number;
  /** The gfp mask reaches ZONE_MOVABLE (__GFP_HIGHMEM and __GFP_MOVABLE both set). */
  movableZone: boolean;
  /** ALLOC_CMA: a MIGRATE_MOVABLE allocation that may use CMA pageblocks. */
  cma: boolean;
}

/** Where an allocated page sits. */
export interface Placement {
  node: number;
  zone: BuddyZone;
  /** In a MIGRATE_CMA pageblock. */
  cma: boolean;
}

export const HUGETLB_ORDER: Readonly<Record<HugetlbSize, number>> = { '2M': 9, '1G': 18 };

/** The hstate of a hugetlb folio's order (2 MiB unless it is a 1 GiB one). */
export function hugetlbSizeOf(order: number): HugetlbSize {
  return order >= HUGETLB_ORDER['1G'] ? '1G' : '2M';
}

/** hstate_is_gigantic(): order > MAX_ORDER (x86_64: only the 1 GiB hstate). */
export function isGigantic(size: HugetlbSize): boolean {
  return size === '1G';
}

/** Whether the trace declared any zone (the allocator then counts). */
export function zonesDeclared(st: State): boolean {
  return (st.data.zones?.length ?? 0) > 0;
}

/** The allocation scope in force (memalloc_nocma_save() / memalloc_pin_save()). */
export function memallocScope(st: State): MemallocScope {
  return st.data.memalloc ?? 'none';
}

/**
 * Runs `body` inside an allocation scope and restores the previous one, as
 * memalloc_pin_save()/memalloc_pin_restore() bracket __gup_longterm_locked()'s work.
 */
export function withMemallocScope<T>(st: State, scope: MemallocScope, body: () => T): T {
  const saved = st.data.memalloc;
  st.data.memalloc = scope;
  try {
    return body();
  } finally {
    if (saved === undefined) delete st.data.memalloc;
    else st.data.memalloc = saved;
  }
}

/**
 * A GFP_HIGHUSER_MOVABLE request (anon and page-cache faults, hugetlb pages of a migratable
 * hstate) narrowed by the scope: NOCMA drops ALLOC_CMA, PIN drops __GFP_MOVABLE (so both).
 */
export function movableRequest(st: State, order: number, node = 0): PageAllocRequest {
  const scope = memallocScope(st);
  return { order, node, movableZone: scope !== 'pin', cma: scope === 'none' };
}

function nodeOrder(nodes: Iterable<number>, preferred: number): number[] {
  const others = [...new Set(nodes)].filter((n) => n !== preferred).sort((a, b) => a - b);
  return [preferred, ...others];
}

const ZONE_ORDER: readonly BuddyZone[] = ['Movable', 'Normal', 'DMA32', 'DMA'];

/** __alloc_pages(): a placement, or null when no allowed zone of any node has the pages. */
export function allocPages(st: State, req: PageAllocRequest): Placement | null {
  const zones = st.data.zones;
  if (!zones || zones.length === 0) return { node: req.node, zone: 'Normal', cma: false };
  const need = 2 ** req.order;
  for (const node of nodeOrder(
    zones.map((z) => z.node),
    req.node,
  )) {
    for (const name of ZONE_ORDER) {
      if (name === 'Movable' && !req.movableZone) continue;
      const z = zones.find((x) => x.node === node && x.zone === name);
      if (!z) continue;
      if (z.free >= need) {
        z.free -= need;
        return { node, zone: name, cma: false };
      }
      if (req.cma && z.cma >= need) {
        z.cma -= need;
        return { node, zone: name, cma: true };
      }
    }
  }
  return null;
}

function poolOf(st: State, size: HugetlbSize): HugetlbPool | undefined {
  return st.data.hugetlb?.[size];
}

/**
 * dequeue_hugetlb_folio_nodemask(): a free pool page, preferred node first, skipping what the
 * scope forbids. An undeclared pool always has one (in ZONE_NORMAL). Null: none left.
 */
export function dequeueHugetlb(st: State, size: HugetlbSize, node: number): Placement | null {
  const pool = poolOf(st, size);
  if (!pool) return { node, zone: 'Normal', cma: false };
  const scope = memallocScope(st);
  for (const n of nodeOrder(
    pool.nodes.map((p) => p.node),
    node,
  )) {
    const p = pool.nodes.find((x) => x.node === n);
    if (!p) continue;
    if (p.free > 0) {
      p.free--;
      return { node: n, zone: 'Normal', cma: false };
    }
    if (scope !== 'pin' && p.freeMovable > 0) {
      p.freeMovable--;
      return { node: n, zone: 'Movable', cma: false };
    }
    if (scope === 'none' && p.freeCma > 0) {
      p.freeCma--;
      return { node: n, zone: 'Normal', cma: true };
    }
  }
  return null;
}

/**
 * alloc_surplus_huge_page() for a fault the pool cannot serve: refused for gigantic pages and
 * once surplus_huge_pages has reached nr_overcommit_huge_pages; otherwise a fresh page from the
 * zones (GFP_HIGHUSER_MOVABLE under the scope) counted as surplus. An undeclared pool never
 * gets here (dequeue always succeeds).
 */
export function allocSurplusHugetlb(st: State, size: HugetlbSize, node: number): Placement | null {
  const pool = poolOf(st, size);
  if (!pool || isGigantic(size) || pool.surplus >= pool.overcommit) return null;
  const at = allocPages(st, movableRequest(st, HUGETLB_ORDER[size], node));
  if (at) pool.surplus++;
  return at;
}

/** The migratetype a page gets from its placement (CMA pageblocks, else by zone and kind). */
export function placementMt(at: Placement, movable: boolean): 'CMA' | 'Movable' | 'Unmovable' {
  if (at.cma) return 'CMA';
  return at.zone === 'Movable' || movable ? 'Movable' : 'Unmovable';
}
