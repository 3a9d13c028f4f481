/**
 * unshare a308c71bf1e6: "mm/gup: Remove enfornced COW mechanism" (Peter Xu), merged after
 * v5.9-rc3 (with 09854ba94c6a "mm: do_wp_page() simplification", which makes do_wp_page() reuse
 * a page only when page_count() is 1), so first release v5.9. It removes should_force_cow_break()
 * and restores can_follow_write_pte()'s FOLL_FORCE test and GUP-fast's read-only walk (diff read
 * in the code corpus); 5.10.262 has no trace of it. Back to what unshare `none` models: R/O pins
 * take the mapped page as it is (gup-core's defaults for shouldForceCowBreak and
 * canFollowWritePte).
 *
 * Not modelled: 09854ba94c6a's page_count() reuse test (the model's reuse test is the mapcount /
 * PageAnonExclusive rule of gup-core, see its header).
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { unshareNone } from './none.ts';

export const unshareA308c71bf1e6: FamilyVersion = {
  family: 'unshare',
  module: import.meta.url,
  id: 'a308c71bf1e6',
  commit: 'a308c71bf1e6',
  subject: 'mm/gup: Remove enfornced COW mechanism',
  release: 'v5.9',
  summary: 'should_force_cow_break() removed: R/O pins take the mapped page again (as before v5.8).',
  ops: unshareNone.ops,
};
