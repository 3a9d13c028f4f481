/**
 * longterm-migrate v5.4: what FOLL_LONGTERM does with the pages GUP returned, as in mm/gup.c of
 * v5.4 and v5.6 (CMA-only migration).
 *
 * Commit: none (baseline). First release: v5.4. Evidence: [S:5.4][S:5.6] facts/pinning.md §1.4.
 *
 * Kernel functions modelled:
 * - __gup_longterm_locked(): without FOLL_LONGTERM, plain __get_user_pages_locked(); with it,
 *   pages[] is required (-EINVAL), GUP runs (FOLL_GET/FOLL_PIN references taken), then
 *   check_dax_vmas() (k.checkDaxVmas, family vma-checks: -EOPNOTSUPP after putting every
 *   page), then check_and_migrate_cma_pages();
 * - check_and_migrate_cma_pages() (slot checkAndMigrateMovablePages): for each head page in a
 *   CMA pageblock (k.folioIsLongtermPinnable of pinnable `none`), isolate it (hugetlb:
 *   isolate_huge_page; else isolate_lru_page, draining the LRU once); isolation failures are
 *   silently ignored, so a CMA page that cannot be isolated stays pinned in CMA. If something was
 *   isolated: put every page, migrate_pages(); on failure migrate_allow = false and the
 *   leftovers are put back; GUP runs again and, if it pinned pages and migration is still
 *   allowed, the check repeats. A page that fails to migrate ends up pinned in place: success.
 * - isolate_lru_page()/isolate_huge_page() (slot isolateFolio) and migrate_pages() (slot
 *   migratePages): a migrated folio's mappings move to the page new_non_cma_page() (slot
 *   allocMigrationTarget) allocates, the old page is left with its non-mapping references; no
 *   target (src/model/page-alloc.ts: the declared zones have no page the request may take) is a
 *   failed migration, and so is a folio holding references taken in the scenario beyond its
 *   mappings (heldReferences(): folio_migrate_mapping()'s refcount test); a migrated source
 *   whose last reference goes is freed (page-alloc.ts freeFolio()), a temporary hugetlb target
 *   hands its state to the source (move_hugetlb_state());
 * - memalloc_nocma_save() around the long-term work (PF_MEMALLOC_NOCMA, v5.1; 5.10.262
 *   mm/gup.c:1729): faults inside it do not take CMA pages.
 *
 * Simplifications: the v5.4-only quirk (the re-GUP count stored in an unsigned counter, so a
 * negative error from the re-GUP would be treated as pages) is not modelled; migration does not
 * move the page cache's own reference; the loop is bounded by LONGTERM_RETRY_ROUNDS like its
 * successors (it cannot spin: each round either migrates something or stops).
 *
 * Source read: 5.10.262 mm/gup.c:check_and_migrate_cma_pages() and __gup_longterm_locked()
 * (check_dax_vmas() after pinning, then the CMA migration) for the v5.10 composition; 5.4.0 (a
 * GitHub copy of the v5.4 tarball) mm/gup.c:__gup_longterm_locked() calls check_dax_vmas() (:1570)
 * then check_and_migrate_cma_pages() (:1577; the function at :1433), the same order.
 */
import { err } from '../../../src/model/errno.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import {
  allocPages,
  hugetlbSizeOf,
  isGigantic,
  type Placement,
  placementMt,
  withMemallocScope,
} from '../../../src/model/page-alloc.ts';
import { type Folio, PAGE_SIZE, type State, type Vma } from '../../../src/model/state.ts';
import { addFlag, mappingsOf } from '../../mm-primitives.ts';

/** Rounds of a FOLL_LONGTERM retry loop before the model calls the call a livelock. */
export const LONGTERM_RETRY_ROUNDS = 8;

/** Distinct folios of the returned pages, in order (the kernel skips repeats of one head). */
export function distinctFolios(st: State, pfns: readonly number[]): Folio[] {
  const out: Folio[] = [];
  for (const pfn of pfns) {
    const f = st.folioOf(pfn);
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

const FOLL_PIN_ONLY = FollFlags.of('FOLL_PIN');
const FOLL_GET_ONLY = FollFlags.of('FOLL_GET');

/** Drops every reference GUP took for `pfns` (unpin_user_pages() or put_page() per page). */
export function releaseAll(k: Kernel, st: State, flags: FollFlags, pfns: readonly number[]): void {
  const how = flags.has('FOLL_PIN') ? FOLL_PIN_ONLY : FOLL_GET_ONLY;
  for (const pfn of pfns) {
    const f = st.folioOf(pfn);
    if (f) k.gupPutFolio(k, st, f, 1, how);
  }
}

/** Records the long-term pins a successful FOLL_LONGTERM call leaves (final check). */
export function noteLongtermPins(st: State, res: GupResult): GupResult {
  if (typeof res.ret === 'number' && res.ret > 0) for (const pfn of res.pfns) st.noteLongterm(pfn, 1);
  return res;
}

/** The VMAs of the pages GUP returned (the vmas[] array of v5.4). */
export function vmasOf(st: State, req: GupRequest, count: number): Vma[] {
  const out: Vma[] = [];
  for (let i = 0; i < count; i++) {
    const v = st.findVma(req.mm, req.start + i * PAGE_SIZE);
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

function gupLongtermLocked(k: Kernel, st: State, req: GupRequest): GupResult {
  if (!req.flags.has('FOLL_LONGTERM')) return k.getUserPages(k, st, req);
  if (!req.pages) {
    st.why('FOLL_LONGTERM without pages[] -> -EINVAL');
    return { ret: err('EINVAL'), pfns: [] };
  }
  // memalloc_nocma_save() .. memalloc_nocma_restore(): faults and migration targets stay out of
  // CMA pageblocks (5.10.262 mm/gup.c:1729).
  return withMemallocScope(st, 'nocma', () => longtermLockedNocma(k, st, req));
}

function longtermLockedNocma(k: Kernel, st: State, req: GupRequest): GupResult {
  const rc = k.getUserPages(k, st, req);
  if (typeof rc.ret !== 'number' || rc.ret <= 0) return rc;
  const dax = k.checkDaxVmas(k, st, req, vmasOf(st, req, rc.ret));
  if (dax < 0) {
    releaseAll(k, st, req.flags, rc.pfns);
    return { ret: dax, pfns: [] };
  }
  return noteLongtermPins(st, k.checkAndMigrateMovablePages(k, st, req, rc));
}

/** check_and_migrate_cma_pages(). */
function checkAndMigrateMovablePages(k: Kernel, st: State, req: GupRequest, rc: GupResult): GupResult {
  let res = rc;
  let migrateAllow = true;
  for (let round = 1; round <= LONGTERM_RETRY_ROUNDS; round++) {
    const isolated: Folio[] = [];
    for (const folio of distinctFolios(st, res.pfns)) {
      if (k.folioIsLongtermPinnable(k, st, folio)) continue;
      if (k.isolateFolio(k, st, folio)) isolated.push(folio);
      else st.why(`${folio.name}: isolation fails -> ignored, stays pinned in place`);
    }
    if (isolated.length === 0) return res;
    releaseAll(k, st, req.flags, res.pfns);
    if (k.migratePages(k, st, isolated) > 0) {
      migrateAllow = false;
      st.why('migration failed -> putback; re-pin without migrating (migrate_allow = false)');
    }
    res = k.getUserPages(k, st, req);
    if (typeof res.ret !== 'number' || res.ret <= 0 || !migrateAllow) return res;
  }
  return res;
}

function isolateFolio(_k: Kernel, st: State, folio: Folio): boolean {
  if (folio.isolatable) return true;
  st.why(
    `${folio.name}: ${folio.kind === 'hugetlb' ? 'isolate_hugetlb' : 'isolate_lru_page'} fails (not on LRU)`,
  );
  return false;
}

/** migrate_pages() to MIGRATE_SYNC targets outside ZONE_MOVABLE and CMA; returns the failures. */
function migratePages(k: Kernel, st: State, folios: readonly Folio[]): number {
  let failed = 0;
  for (const old of folios) {
    if (old.migrate === 'fail') {
      st.why(`migrate_pages: ${old.name} fails to migrate`);
      failed++;
      continue;
    }
    const held = heldReferences(st, old);
    if (held > 0) {
      st.why(
        `migrate_pages: ${old.name} holds ${held} reference(s) taken in this scenario beyond its mappings -> folio_migrate_mapping() -EAGAIN, fails to migrate`,
      );
      failed++;
      continue;
    }
    const nu = k.allocMigrationTarget(k, st, old);
    if (!nu) {
      st.why(`migrate_pages: no target page for ${old.name} -> fails to migrate`);
      failed++;
      continue;
    }
    nu.flags = [...old.flags];
    if (old.kind === 'hugetlb') nu.flags = nu.flags.filter((f) => f !== 'lru');
    // move_hugetlb_state(): a temporary target hands its state to the source, which the last
    // put then frees to the buddy allocator (6.12.118 mm/hugetlb.c:7595-7600).
    if (nu.temporary) {
      old.temporary = true;
      delete nu.temporary;
    }
    for (const { entry } of mappingsOf(st, old)) {
      const offset = entry.pfn - old.pfn;
      entry.pfn = nu.pfn + offset;
      if (entry.special) continue;
      st.addRef(old, -1);
      old.mapcount = Math.max(0, old.mapcount - 1);
      st.addRef(nu, 1);
      nu.mapcount++;
    }
    if (old.flags.includes('dirty')) addFlag(nu, 'dirty');
    st.why(`migrate_pages: ${old.name} -> ${nu.name} (${placementText(nu)})`);
  }
  return failed;
}

/**
 * References a folio holds that were taken during the scenario and are not its mappings': GUP
 * references and pins of earlier calls still held, vfio's and io_uring's pins (the leak checks'
 * delta, outcome.ts finalChecks()). The kernel unmaps the folio and then requires
 * `folio_ref_count(folio) == expected_count` (5.10.262 mm/migrate.c migrate_page_move_mapping():
 * `if (page_count(page) != expected_count) return -EAGAIN;`; 6.12.118 mm/migrate.c:645
 * folio_migrate_mapping(), :662 for hugetlb): -EAGAIN is retried and then counted as a failure,
 * so a page someone else holds does not migrate. References the trace declared (`refcount=`)
 * are taken as expected ones (page cache, the recording's own), since the model cannot tell
 * which of them the kernel counts as expected.
 */
export function heldReferences(st: State, folio: Folio): number {
  const mapped = mappingsOf(st, folio).filter((m) => !m.entry.special).length;
  return folio.refcount - folio.baseRefcount - (mapped - folio.baseMappings);
}

/** `ZONE_NORMAL`, `ZONE_MOVABLE, node 1`, `CMA`: where a migration target landed, for why steps. */
export function placementText(f: Folio): string {
  const where = f.mt === 'CMA' ? 'CMA' : `ZONE_${f.zone.toUpperCase()}`;
  return f.node ? `${where}, node ${f.node}` : where;
}

/** Device memory migrates back to system memory as ordinary anon pages. */
export function targetKind(src: Folio): Folio['kind'] {
  return src.kind === 'device_coherent' || src.kind === 'device_private' ? 'anon' : src.kind;
}

/** A folio at `at` of the source's kind and order. */
export function targetFolio(st: State, src: Folio, at: Placement, movable: boolean): Folio {
  return st.allocPage({
    kind: targetKind(src),
    order: src.order,
    zone: at.zone,
    mt: placementMt(at, movable),
    node: at.node,
  });
}

/**
 * new_non_cma_page() (v5.4; read in the mainline diffs that replaced it, Joonsoo Kim's 2020
 * series): "allocate the new page from the same node as the source page" without
 * __GFP_THISNODE; GFP_USER for small pages (neither ZONE_MOVABLE nor CMA), GFP_TRANSHUGE
 * minus __GFP_MOVABLE for a THP (`thp_gfpmask &= ~__GFP_MOVABLE`: neither either; read in the
 * diff of "mm/gup: use a standard migration target allocation callback", which removes it), and
 * for hugetlb alloc_migrate_huge_page(h, GFP_USER | __GFP_NOWARN, nid, NULL): a fresh,
 * temporary huge page outside ZONE_MOVABLE, never one from the pool ("pool pages will mostly be
 * from the CMA region"), none for a gigantic hstate.
 */
function allocMigrationTarget(_k: Kernel, st: State, src: Folio): Folio | null {
  const node = src.node ?? 0;
  if (src.kind === 'hugetlb') {
    const size = hugetlbSizeOf(src.order);
    if (isGigantic(size)) {
      st.why(`${src.name}: alloc_migrate_huge_page: gigantic hstate -> no target`);
      return null;
    }
    const at = allocPages(st, { order: src.order, node, movableZone: false, cma: false });
    if (!at) return null;
    // alloc_migrate_huge_page(): a temporary page, outside the pool's counts.
    const f = targetFolio(st, src, at, false);
    f.temporary = true;
    return f;
  }
  // GFP_USER for small pages; GFP_TRANSHUGE with __GFP_MOVABLE removed for a THP ("so that we
  // don't allocate from CMA area again"): ZONE_MOVABLE is out for both.
  const at = allocPages(st, { order: src.order, node, movableZone: false, cma: false });
  return at ? targetFolio(st, src, at, false) : null;
}

export const longtermMigrateV5_4: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'FOLL_LONGTERM: check_dax_vmas + check_and_migrate_cma_pages (v5.4)',
  release: 'v5.4',
  summary:
    'Only CMA pages are migrated; isolation failures are ignored and a failed migration re-pins in place (success).',
  ops: { gupLongtermLocked, checkAndMigrateMovablePages, isolateFolio, migratePages, allocMigrationTarget },
};
