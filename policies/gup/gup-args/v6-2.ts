/**
 * gup-args v6.2: pin_user_pages_remote() passes `locked` into __gup_longterm_locked(), so
 * FOLL_LONGTERM with a locked pointer is no longer refused.
 *
 * Commit: UNVERIFIED (facts/pinning.md §4 reads the change in the 6.2.12 source [S:6.2.12] and
 * names no commit; the 6.3 GUP interface series (d64e2dbc33a1, f04740f54594, b2a72dff85fa)
 * completes the rework). First release v6.2, bracketed by sources read (no release between).
 *
 * What changed from gup-args 447f3e45c18a: only that rule of pin_user_pages_remote();
 * get_user_pages_remote() still refuses FOLL_LONGTERM outright, and BUG_ON(*locked != 1) stays.
 *
 * Source read: 6.1.192 mm/gup.c:pin_user_pages_remote():3266-3281 (WARN on FOLL_GET, on !pages,
 * then `__get_user_pages_remote(..., locked)`, which refuses FOLL_LONGTERM with a locked
 * pointer); 6.2.1 (a GitHub copy of that tarball, daniellucs2002/linux-6.2.1-customized at its
 * first commit) pin_user_pages_remote():3123-3138: the same two WARNs, then
 * `__gup_longterm_locked(mm, start, nr_pages, pages, vmas, locked, gup_flags | FOLL_PIN |
 * FOLL_TOUCH | FOLL_REMOTE)`; is_valid_gup_flags() still guards the get_user_pages*() family.
 */
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { gupArgs447f3e45c18a } from './447f3e45c18a.ts';
import { gupApiV5_6 } from './c4237f8b1f4f.ts';

function gupApi(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult {
  return gupApiV5_6(k, st, name, a, {
    rejectFromGet: ['FOLL_PIN', 'FOLL_LONGTERM'],
    remoteLongtermWithLocked: true,
  });
}

export const gupArgsV6_2: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'v6.2',
  subject: 'pin_user_pages_remote(): FOLL_LONGTERM allowed with a locked pointer',
  release: 'v6.2',
  summary: 'pin_user_pages_remote() no longer refuses FOLL_LONGTERM when locked is passed.',
  ops: { ...gupArgs447f3e45c18a.ops, gupApi },
};
