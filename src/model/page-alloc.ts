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
 * - freeing (freeFolio(), called by State.addRef() when a folio's refcount drops to 0, the
 *   kernel's folio_put_testzero()): a buddy page goes back to its zone's free pages (its CMA
 *   pageblock's when mt=CMA); a hugetlb folio goes through free_huge_folio() (6.12.118
 *   mm/hugetlb.c:1893; 5.10.262 free_huge_page() :1479-1483; 7.2.13 :1736-1740): a temporary
 *   folio (a fresh migration target, or the source it handed its temporary state to in
 *   move_hugetlb_state(), 6.12.118 :7595-7600) and any folio while the hstate has surplus pages
 *   go back to the buddy allocator (surplus_huge_pages--), every other one is enqueued on its
 *   node's free list again. ZONE_DEVICE pages (device_private/coherent, fs-dax) go back to their
 *   driver, the zero page and reserved pages are never freed;
 * - __GFP_THISNODE (`thisNode`): only the preferred node's zones (a ZONELIST_NOFALLBACK walk).
 *
 * Not modelled: watermarks and reserves (resv_huge_pages is taken as 0), per-node surplus counts
 * (the model keeps the hstate's global surplus_huge_pages and tests that instead of
 * surplus_huge_pages_node[nid]).
 */
import { BUDDY_ZONES, type BuddyZone, type HugetlbSize } from './events.ts';
import type { Folio, HugetlbPool, MemallocScope, State } from './state.ts';

/** What the buddy allocator is asked for, after current_gfp_context(). */
export interface PageAllocRequest {
  order: number;
  /** Preferred node: the source page's for a migration target, the task's (0) for a fault. */
  node: number;
  /** The gfp mask reaches ZONE_MOVABLE (__GFP_HIGHMEM and __GFP_MOVABLE both set). */
  movableZone: boolean;
  /** ALLOC_CMA: a MIGRATE_MOVABLE allocation that may use CMA pageblocks. */
  cma: boolean;
  /** __GFP_THISNODE: no fallback to other nodes. */
  thisNode?: boolean;
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
    // Assigned back, never deleted: see StateData.memalloc.
    st.data.memalloc = saved;
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
  const nodes = req.thisNode
    ? [req.node]
    : nodeOrder(
        zones.map((z) => z.node),
        req.node,
      );
  for (const node of nodes) {
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

/** Kinds whose last put hands the page back to the buddy allocator (or the hugetlb pool). */
function freedToBuddy(folio: Folio): boolean {
  if (folio.kind === 'zero' || folio.kind === 'mmio' || folio.kind === 'reserved') return false;
  if (folio.kind === 'device_private' || folio.kind === 'device_coherent' || folio.kind === 'fsdax')
    return false;
  return folio.valid && !folio.flags.includes('reserved');
}

/** __free_pages() into the zone of the placement: its free pages, or its CMA pageblocks'. */
function freeToZone(st: State, folio: Folio, why = 'refcount 0'): void {
  const zones = st.data.zones;
  if (!zones || zones.length === 0) return;
  const zone = folio.zone;
  if (!(BUDDY_ZONES as readonly string[]).includes(zone)) return;
  const node = folio.node ?? 0;
  let z = zones.find((x) => x.node === node && x.zone === zone);
  if (!z) {
    z = { node, zone: zone as BuddyZone, free: 0, cma: 0 };
    zones.push(z);
  }
  const n = 2 ** folio.order;
  if (folio.mt === 'CMA') z.cma += n;
  else z.free += n;
  st.why(`${folio.name}: ${why} -> freed to ${placementName(folio)} (${n} page(s))`);
}

function placementName(folio: Folio): string {
  const where =
    folio.mt === 'CMA' ? `ZONE_${folio.zone.toUpperCase()} CMA` : `ZONE_${folio.zone.toUpperCase()}`;
  return folio.node ? `${where}, node ${folio.node}` : where;
}

/** free_huge_folio(): temporary or surplus pages go to the buddy allocator, the rest to the pool. */
function freeHugetlb(st: State, folio: Folio): void {
  const size = hugetlbSizeOf(folio.order);
  const pool = poolOf(st, size);
  if (folio.temporary) {
    delete folio.temporary;
    freeToZone(st, folio, 'temporary hugetlb folio, refcount 0');
    return;
  }
  if (!pool) return;
  if (pool.surplus > 0) {
    pool.surplus--;
    freeToZone(st, folio, `refcount 0 with ${size} surplus pages: surplus_huge_pages--`);
    return;
  }
  const node = folio.node ?? 0;
  let p = pool.nodes.find((x) => x.node === node);
  if (!p) {
    p = { node, free: 0, freeMovable: 0, freeCma: 0 };
    pool.nodes.push(p);
  }
  if (folio.mt === 'CMA') p.freeCma++;
  else if (folio.zone === 'Movable') p.freeMovable++;
  else p.free++;
  st.why(`${folio.name}: freed -> enqueued on the ${size} pool's free list (${placementName(folio)})`);
}

/**
 * What the last folio_put() does with a folio (called once per folio, when its refcount drops
 * to 0): hugetlb folios through free_huge_folio(), buddy pages back to their zone. Counted only
 * where the trace declared the zones or the pool; ZONE_DEVICE, zero and reserved pages are not
 * the buddy allocator's.
 */
export function freeFolio(st: State, folio: Folio): void {
  if (folio.freed || !freedToBuddy(folio)) return;
  folio.freed = true;
  if (folio.kind === 'hugetlb') freeHugetlb(st, folio);
  else freeToZone(st, folio);
}
