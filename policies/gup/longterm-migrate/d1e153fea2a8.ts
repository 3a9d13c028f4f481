/**
 * longterm-migrate d1e153fea2a8: "mm/gup: migrate pinned pages out of movable zone" (Pavel
 * Tatashin), first release v5.13 (same series as 8e3560d963d2). Evidence: [S:5.14-rc5]
 * [S:5.17-rc5][S:5.19][S:6.0-rc1][S:6.0.1] facts/pinning.md §1.4 ("0 = retry").
 *
 * Kernel functions modelled:
 * - __gup_longterm_locked(): with FOLL_LONGTERM, repeat { GUP; if it pinned nothing, stop;
 *   rc = check_and_migrate_movable_pages() } while rc == 0. The fs-dax test is in
 *   check_vma_flags() by now (52650c8b466b). The kernel loop has no bound: a page that fails the
 *   predicate and can never be isolated makes it spin until a fatal signal (-EINTR from
 *   __get_user_pages()); the model stops after LONGTERM_RETRY_ROUNDS rounds without progress
 *   and reports `livelock`.
 * - check_and_migrate_movable_pages(): for each distinct folio that fails k.folioIsLongtermPinnable:
 *   hugetlb -> isolate or count an isolation error; otherwise drain the LRU once and isolate
 *   from the LRU or count an isolation error. Nothing collected and no isolation error -> return
 *   the count (success). Otherwise unpin (FOLL_PIN) or put (FOLL_GET) every page; if the list is
 *   not empty migrate_pages(), failures -> -ENOMEM; return 0 = "retry".
 *   Device-coherent folios (v6.0, f25cbb7a95a2): dropped from pages[], migrated with
 *   migrate_device_coherent_page(); failure -> unpin the rest, return the error (-EBUSY). This
 *   branch is folded into this version because before v6.0 no page is device-coherent and the
 *   predicate never sends one here.
 *
 * What changed from longterm-migrate v5.4: every page failing the predicate (ZONE_MOVABLE too)
 * is migrated, the call only returns once all pages pass; isolation failures now force another
 * round instead of being ignored; a failed migration is an error (-ENOMEM), not a pin in place.
 *
 * - memalloc_pin_save() around the loop (PF_MEMALLOC_PIN, 8e3560d963d2, same series): faults
 *   and migration targets allocate outside ZONE_MOVABLE and CMA (src/model/page-alloc.ts), so a
 *   trace whose free non-movable memory is gone gets -ENOMEM from the fault or the migration;
 *   the targets themselves come from alloc_migration_target() (alloc-target-v5-10.ts), with
 *   mtc.gfp_mask = GFP_USER | __GFP_NOWARN (6.1.192 mm/gup.c:2065).
 *
 * Source read: none of v5.13 .. v6.0 (not packaged in Debian); the -EBUSY error path shared
 * with 67e139b02d99 (migrateCollected) and the memalloc_pin_save() bracket were read in 6.1.192,
 * 6.12.118 and 7.2.13.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import { LIVELOCK } from '../../../src/model/outcome.ts';
import { withMemallocScope } from '../../../src/model/page-alloc.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { longtermMigrateAllocTargetV5_10 } from './alloc-target-v5-10.ts';
import { distinctFolios, LONGTERM_RETRY_ROUNDS, noteLongtermPins, releaseAll } from './v5-4.ts';

export { LONGTERM_RETRY_ROUNDS };

/**
 * The bounded retry loop of __gup_longterm_locked(): `retry(r)` says whether the check's result
 * means "pin again" (0 before v6.1, -EAGAIN from v6.1); `success(rc, r)` turns a final check
 * result into the call's result.
 */
export function longtermRetryLoop(
  k: Kernel,
  st: State,
  req: GupRequest,
  retry: (r: GupResult) => boolean,
  success: (rc: GupResult, r: GupResult) => GupResult,
  retryText: string,
): GupResult {
  if (!req.flags.has('FOLL_LONGTERM')) return k.getUserPages(k, st, req);
  // memalloc_pin_save() .. memalloc_pin_restore() around the whole loop (6.1.192
  // mm/gup.c:2155, 6.12.118 :2574, 7.2.13 :2485): faults and migration targets stay out of
  // ZONE_MOVABLE and CMA.
  return withMemallocScope(st, 'pin', () => retryRounds(k, st, req, retry, success, retryText));
}

function retryRounds(
  k: Kernel,
  st: State,
  req: GupRequest,
  retry: (r: GupResult) => boolean,
  success: (rc: GupResult, r: GupResult) => GupResult,
  retryText: string,
): GupResult {
  for (let round = 1; round <= LONGTERM_RETRY_ROUNDS; round++) {
    const rc = k.getUserPages(k, st, req);
    if (typeof rc.ret !== 'number' || rc.ret <= 0) return rc;
    const r = k.checkAndMigrateMovablePages(k, st, req, rc);
    if (!retry(r)) return noteLongtermPins(st, success(rc, r));
    if (round === LONGTERM_RETRY_ROUNDS) {
      st.why(`retry #${round} made no progress -> livelock`);
      return { ret: LIVELOCK.ret, pfns: [] };
    }
    st.why(`${retryText}: retry #${round}`);
  }
  return { ret: LIVELOCK.ret, pfns: [] };
}

function gupLongtermLocked(k: Kernel, st: State, req: GupRequest): GupResult {
  return longtermRetryLoop(
    k,
    st,
    req,
    (r) => r.ret === 0,
    (_rc, r) => r,
    'check_and_migrate_movable_pages returned 0',
  );
}

/** migrate_device_coherent_page() for one folio: 0 or -EBUSY. */
export function migrateDeviceCoherent(k: Kernel, st: State, folio: Folio): number {
  if (k.migratePages(k, st, [folio]) > 0) {
    st.why(`${folio.name}: migrate_device_coherent_page fails -> -EBUSY`);
    return err('EBUSY');
  }
  return 0;
}

function checkAndMigrateMovablePages(k: Kernel, st: State, req: GupRequest, rc: GupResult): GupResult {
  const list: Folio[] = [];
  const coherent: Folio[] = [];
  let isolationErrors = 0;
  for (const folio of distinctFolios(st, rc.pfns)) {
    if (k.folioIsLongtermPinnable(k, st, folio)) continue;
    if (folio.kind === 'device_coherent') {
      coherent.push(folio);
      continue;
    }
    if (k.isolateFolio(k, st, folio)) list.push(folio);
    else {
      isolationErrors++;
      st.why(`${folio.name}: isolation fails -> isolation error`);
    }
  }
  if (list.length === 0 && isolationErrors === 0 && coherent.length === 0) return rc;
  const failed = migrateCollected(k, st, req, rc, coherent, list, 'migrate_pages failed -> -ENOMEM');
  if (failed) return failed;
  st.why(
    list.length > 0 || coherent.length > 0
      ? 'unpinned all, migrated -> return 0 = retry'
      : 'isolation fails -> unpinned all, return 0 = retry',
  );
  return { ret: 0, pfns: [] };
}

/**
 * The migrate step both "retry" versions share: device-coherent folios are dropped from the
 * array and migrated (a failure is the call's error, -EBUSY), every other page is unpinned, then
 * the isolated list goes to migrate_pages() (pages it cannot move -> -ENOMEM). Returns the error
 * result, or null when the caller should retry.
 *
 * On -EBUSY the kernel's error path unpins every entry still in the array: 6.1.192
 * mm/gup.c:migrate_longterm_unpinnable_pages() `err: for (i = 0; i < nr_pages; i++) if
 * (pages[i]) unpin_user_page(pages[i]);` (7.2.13 and 6.12.118: pofs_unpin(pofs)). Entries of
 * folios already handed to migration were set to NULL; everything else, later device-coherent
 * folios included, is unpinned.
 */
export function migrateCollected(
  k: Kernel,
  st: State,
  req: GupRequest,
  rc: GupResult,
  coherent: readonly Folio[],
  list: readonly Folio[],
  enomemWhy: string,
): GupResult | null {
  const handed = new Set<Folio>();
  for (const folio of coherent) {
    handed.add(folio);
    releaseAll(
      k,
      st,
      req.flags,
      rc.pfns.filter((p) => st.folioOf(p) === folio),
    );
    const e = migrateDeviceCoherent(k, st, folio);
    if (e < 0) {
      releaseAll(
        k,
        st,
        req.flags,
        rc.pfns.filter((p) => !handed.has(st.folioOf(p)!)),
      );
      return { ret: e, pfns: [] };
    }
  }
  releaseAll(
    k,
    st,
    req.flags,
    rc.pfns.filter((p) => !handed.has(st.folioOf(p)!)),
  );
  if (list.length > 0 && k.migratePages(k, st, [...list]) > 0) {
    st.why(enomemWhy);
    return { ret: err('ENOMEM'), pfns: [] };
  }
  return null;
}

export const longtermMigrateD1e153fea2a8: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: 'd1e153fea2a8',
  commit: 'd1e153fea2a8',
  subject: 'mm/gup: migrate pinned pages out of movable zone',
  release: 'v5.13',
  summary:
    'check_and_migrate_movable_pages(): unpinnable pages are migrated and the pin retried ("0 = retry"); a page that cannot be isolated retries forever.',
  ops: { ...longtermMigrateAllocTargetV5_10.ops, gupLongtermLocked, checkAndMigrateMovablePages },
};
