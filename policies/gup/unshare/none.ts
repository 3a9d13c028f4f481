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
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
