/**
 * gup-args 447f3e45c18a: "mm/gup: don't permit users to call get_user_pages with FOLL_LONGTERM"
 * (Barry Song), first release v5.10.
 *
 * Evidence: the patch (lkml, 19 Aug 2020, reviewed by Ira Weiny) adds is_valid_gup_flags() and
 * calls it from get_user_pages(), get_user_pages_remote() and get_user_pages_fast(); the id is
 * from an mm commit list; an Ubuntu 5.8 build lacks is_valid_gup_flags and a 5.11 build has it
 * [INF: first release v5.10]. facts/pinning.md §4 says "by v5.14 .. v6.2 get_user_pages_remote
 * rejects PIN and LONGTERM outright (introducing commit UNVERIFIED)": this is that commit.
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
 * as modelled here. 6.1.192 was not compared argument by argument (not read for this version).
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
