/**
 * gup-args 447f3e45c18a: "mm/gup: don't permit users to call get_user_pages with FOLL_LONGTERM"
 * (Barry Song), first release v5.10.
 *
 * Evidence: the patch (lkml, 19 Aug 2020, after v5.9-rc1, reviewed by Ira Weiny) adds
 * is_valid_gup_flags() and calls it from get_user_pages(), get_user_pages_remote() and
 * get_user_pages_fast(); the full id 447f3e45c18a8f27018213bcb1b5a0076633f68a is in a kernel.org
 * post-receive revlist of v5.10-cycle commits (printk for-linus, 2020-11-27, read in the code
 * corpus). First release v5.10, bracketed by sources read: 5.9.1 (a GitHub copy of that tarball,
 * ach84/linux-5.9.1 at its import commit) mm/gup.c has no is_valid_gup_flags() (its
 * get_user_pages_remote():1858 and __get_user_pages_remote():1751 let FOLL_LONGTERM through
 * without a locked pointer); 5.10.262 has it. facts/pinning.md §4 says "by v5.14 .. v6.2
 * get_user_pages_remote rejects PIN and LONGTERM outright (introducing commit UNVERIFIED)": this
 * is that commit.
 *
 * What changed from gup-args c4237f8b1f4f: get_user_pages(), get_user_pages_remote() and
 * get_user_pages_fast() refuse FOLL_LONGTERM (as well as FOLL_PIN) with a WARN and -EINVAL:
 * long-term users must call pin_user_pages*(). pin_user_pages_remote() keeps the v5.6 rule
 * (FOLL_LONGTERM only without a `locked` pointer).
 *
 * Source read (5.10.262, Debian bullseye): mm/gup.c:is_valid_gup_flags() (WARN_ON_ONCE on
 * FOLL_PIN, then on FOLL_LONGTERM), get_user_pages(), get_user_pages_remote() and
 * __get_user_pages_remote() (FOLL_LONGTERM: WARN_ON_ONCE(locked) -EINVAL, else
 * __gup_longterm_locked()), get_user_pages_fast(), pin_user_pages(), pin_user_pages_remote(),
 * pin_user_pages_unlocked() (WARN_ON_ONCE(FOLL_GET) -EINVAL, FOLL_PIN added): argument by argument
 * as modelled here. 5.11.0, 5.12.9, 5.14-rc5, 5.15.55, 5.17-rc5, 5.19.0, 6.0-rc1 and 6.1.192 keep
 * is_valid_gup_flags() (compared by function presence and the pin_user_pages_remote() body, not
 * argument by argument); 6.2.1 changes pin_user_pages_remote() (gup-args v6.2).
 */
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { gupApiV5_6, gupArgsC4237f8b1f4f } from './c4237f8b1f4f.ts';

function gupApi(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult {
  return gupApiV5_6(k, st, name, a, {
    rejectFromGet: ['FOLL_PIN', 'FOLL_LONGTERM'],
    remoteLongtermWithLocked: false,
  });
}

export const gupArgs447f3e45c18a: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: '447f3e45c18a',
  commit: '447f3e45c18a',
  subject: "mm/gup: don't permit users to call get_user_pages with FOLL_LONGTERM",
  release: 'v5.10',
  summary:
    'is_valid_gup_flags(): get_user_pages(), _remote() and _fast() refuse FOLL_PIN and FOLL_LONGTERM (WARN, -EINVAL).',
  ops: { ...gupArgsC4237f8b1f4f.ops, gupApi },
};
