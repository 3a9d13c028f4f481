/**
 * longterm-migrate stable-5.10.262: check_and_migrate_cma_pages() as Debian's 5.10.262 has it,
 * with two fixes from Pavel Tatashin's v5.13 series ("prohibit pinning pages in ZONE_MOVABLE")
 * that went to 5.10.y as stable backports: "mm/gup: return an error on migration failure" and
 * "mm/gup: check for isolation errors". Not a mainline state: it enters only the v5.10.262 id.
 *
 * Source read: 5.10.262 mm/gup.c:check_and_migrate_cma_pages():1614-1676:
 * - check_again: every distinct head page in a CMA pageblock is isolated (hugetlb:
 *   isolate_hugetlb(); else lru_add_drain_all() once per pass, isolate_lru_page()); a failure
 *   counts in isolation_error_count (:1631, :1639);
 * - nothing isolated and no isolation error -> the pinned count (:1654-1655);
 * - something isolated: unpin_user_pages() / put_page() on every page (:1661-1665), then
 *   migrate_pages(..., alloc_migration_target, ...); pages left -> putback, `return ret > 0 ?
 *   -ENOMEM : ret` (:1668-1674); else __get_user_pages_locked() again (:1677-1681);
 * - `goto check_again` (:1688): with isolation errors and an empty list the pages stay pinned
 *   and the pass repeats: a CMA page that can never be isolated spins (the model: `livelock`
 *   after LONGTERM_RETRY_ROUNDS passes).
 * What changed from alloc-target-v5-10 (mainline v5.10): a failed migration is -ENOMEM with
 * nothing pinned instead of a pin in place, and an isolation failure retries instead of being
 * ignored.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import { LIVELOCK } from '../../../src/model/outcome.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { longtermMigrateAllocTargetV5_10 } from './alloc-target-v5-10.ts';
import { distinctFolios, LONGTERM_RETRY_ROUNDS, releaseAll } from './v5-4.ts';

function checkAndMigrateMovablePages(k: Kernel, st: State, req: GupRequest, rc: GupResult): GupResult {
  let res = rc;
  for (let round = 1; round <= LONGTERM_RETRY_ROUNDS; round++) {
    const isolated: Folio[] = [];
    let isolationErrors = 0;
    for (const folio of distinctFolios(st, res.pfns)) {
      if (k.folioIsLongtermPinnable(k, st, folio)) continue;
      if (k.isolateFolio(k, st, folio)) isolated.push(folio);
      else {
        isolationErrors++;
        st.why(`${folio.name}: isolation fails -> isolation_error_count`);
      }
    }
    if (isolated.length === 0 && isolationErrors === 0) return res;
    if (isolated.length > 0) {
      releaseAll(k, st, req.flags, res.pfns);
      if (k.migratePages(k, st, isolated) > 0) {
        st.why('migrate_pages failed -> putback, -ENOMEM (stable backport)');
        return { ret: err('ENOMEM'), pfns: [] };
      }
      res = k.getUserPages(k, st, req);
      if (typeof res.ret !== 'number' || res.ret <= 0) return res;
    }
    if (round === LONGTERM_RETRY_ROUNDS) {
      st.why(`check_again #${round} made no progress -> livelock`);
      return { ret: LIVELOCK.ret, pfns: [] };
    }
    st.why(`goto check_again #${round}`);
  }
  return { ret: LIVELOCK.ret, pfns: [] };
}

export const longtermMigrateStable5_10_262: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: 'stable-5.10.262',
  subject:
    'check_and_migrate_cma_pages() with the 5.10.y backports (isolation errors retry, migration failure -ENOMEM)',
  release: null,
  summary:
    'Debian 5.10.262: isolation errors repeat the check (a CMA page never isolated spins), a failed migration returns -ENOMEM with every page released.',
  ops: { ...longtermMigrateAllocTargetV5_10.ops, checkAndMigrateMovablePages },
};
