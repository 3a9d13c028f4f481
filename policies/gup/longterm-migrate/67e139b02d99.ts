/**
 * longterm-migrate 67e139b02d99: "mm/gup.c: refactor check_and_migrate_movable_pages()"
 * (Alistair Popple), first release v6.1 [INF: absent 6.0.1, present 6.1-rc7]. Evidence:
 * [S:6.1-rc7][S:6.2.12][S:6.5][S:6.19] facts/pinning.md §1.4 ("-EAGAIN = retry"); the diff seen
 * on linux-mm (`} while (rc == -EAGAIN)`, `return rc ? rc : nr_pages`).
 *
 * Kernel functions modelled:
 * - __gup_longterm_locked(): repeat { pin; rc = check_and_migrate_movable_pages() } while
 *   rc == -EAGAIN; then the error or the pinned count. Unbounded in the kernel; the model stops
 *   after LONGTERM_RETRY_ROUNDS rounds and reports `livelock`.
 * - collect_longterm_unpinnable_pages(): every distinct folio failing k.folioIsLongtermPinnable is
 *   counted; device-coherent ones are left for the migrate step; hugetlb and LRU folios are
 *   isolated when possible, and an isolation failure is just skipped (no error count).
 * - migrate_longterm_unpinnable_pages(): nothing collected -> 0 (success, pages stay pinned);
 *   else device-coherent folios are migrated (failure: unpin the rest, -EBUSY), every other page
 *   is unpinned; a non-empty list that migrate_pages() cannot fully move -> putback, -ENOMEM;
 *   otherwise -EAGAIN: pin the whole range again.
 *
 * What changed from longterm-migrate d1e153fea2a8: the "retry" value is -EAGAIN instead of 0,
 * isolation failures are no longer counted (a collected page that cannot be isolated still
 * forces -EAGAIN: the zero page in the two buggy windows, or any `isolatable=0` page failing the
 * predicate, spins exactly as before).
 *
 * Simplification: the inverted folio_isolate_lru() test of v6.1.0 .. v6.1.12 (fixed by
 * aa1e6a932ca6) is not modelled (one extra loop in the kernel, same outcome here).
 *
 * Source read: 6.1.192 mm/gup.c:collect_longterm_unpinnable_pages(),
 * migrate_longterm_unpinnable_pages() (every entry visited: device-coherent ones converted and
 * migrated, others unpinned; the error path unpins every entry still set), and
 * check_and_migrate_movable_pages(); 6.12.118 and 7.2.13 mm/gup.c:
 * collect_longterm_unpinnable_folios() (isolate_hugetlb() renamed folio_isolate_hugetlb() in 7.2),
 * migrate_longterm_unpinnable_folios() (identical in both) and __gup_longterm_locked() (identical).
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { longtermMigrateD1e153fea2a8, longtermRetryLoop, migrateCollected } from './d1e153fea2a8.ts';
import { distinctFolios } from './v5-4.ts';

const EAGAIN = err('EAGAIN');

function gupLongtermLocked(k: Kernel, st: State, req: GupRequest): GupResult {
  return longtermRetryLoop(
    k,
    st,
    req,
    (r) => r.ret === EAGAIN,
    (rc, r) => (r.ret === 0 ? rc : r),
    'check_and_migrate_movable_pages returned -EAGAIN',
  );
}

function checkAndMigrateMovablePages(k: Kernel, st: State, req: GupRequest, rc: GupResult): GupResult {
  // collect_longterm_unpinnable_pages()
  const collected: Folio[] = [];
  const list: Folio[] = [];
  for (const folio of distinctFolios(st, rc.pfns)) {
    if (k.folioIsLongtermPinnable(k, st, folio)) continue;
    collected.push(folio);
    if (folio.kind === 'device_coherent') continue;
    if (k.isolateFolio(k, st, folio)) list.push(folio);
    else st.why(`${folio.name}: isolation fails -> skipped`);
  }
  if (collected.length === 0) return { ret: 0, pfns: [] };
  // migrate_longterm_unpinnable_pages()
  const coherent = collected.filter((f) => f.kind === 'device_coherent');
  const failed = migrateCollected(k, st, req, rc, coherent, list, 'migrate_pages failed -> putback, -ENOMEM');
  if (failed) return failed;
  st.why(list.length > 0 ? 'unpinned all, migrated -> -EAGAIN' : 'nothing isolated: unpinned all -> -EAGAIN');
  return { ret: EAGAIN, pfns: [] };
}

export const longtermMigrate67e139b02d99: FamilyVersion = {
  family: 'longterm-migrate',
  module: import.meta.url,
  id: '67e139b02d99',
  commit: '67e139b02d99',
  subject: 'mm/gup.c: refactor check_and_migrate_movable_pages()',
  release: 'v6.1',
  summary:
    'collect + migrate: "-EAGAIN = retry"; device-coherent failures -> -EBUSY, failed migration -> -ENOMEM.',
  ops: { ...longtermMigrateD1e153fea2a8.ops, gupLongtermLocked, checkAndMigrateMovablePages },
};
