/**
 * unshare none: before v5.19 a R/O pin never unshares; GUP pins whatever page the entry maps,
 * even an anon page shared with another process after fork() (the source of the COW-vs-GUP
 * security issues that a7f226604170's series fixed).
 *
 * Commit: none (models the absence). First release: v5.4. Evidence: gup_must_unshare() absent
 * in 5.17-rc5, present in 5.19 [INF] facts/pinning.md §1.5.
 *
 * Kernel function modelled: gup_must_unshare() as a constant false.
 *
 * Release ids using it: v5.4 .. v5.7 (and, as a308c71bf1e6, v5.9 .. v5.18). Source read
 * (2026-12): 5.10.262 has no gup_must_unshare() anywhere (mm/, include/); its
 * mm/gup.c:follow_page_pte() only asks can_follow_write_pte() for FOLL_WRITE (446), so a R/O
 * pin takes the mapped page. Mainline v5.8 differs:
 * should_force_cow_break() (17839856fd58.ts, v5.8) breaks COW for every GUP reference on a COW
 * mapping; its removal (a308c71bf1e6.ts, v5.9) returns to this version's ops.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';

export const unshareNone: FamilyVersion = {
  family: 'unshare',
  module: import.meta.url,
  id: 'none',
  subject: 'no unsharing for R/O pins',
  release: 'v5.4',
  summary: 'R/O pins take the mapped page as it is (no FAULT_FLAG_UNSHARE).',
  ops: {
    gupMustUnshare: () => false,
  },
};
