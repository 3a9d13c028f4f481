/**
 * gup-args d64e2dbc33a1: "mm/gup: simplify the external interface functions and consolidate
 * invariants" (Jason Gunthorpe), first release v6.3, with the rest of that series
 * (f04740f54594 "mm/gup: add FOLL_UNLOCKABLE", afa3c33e2684 "mm/gup: don't call
 * __gup_longterm_locked() if FOLL_LONGTERM cannot be set") and the FOLL_* renumbering of v6.3
 * (public flags become an enum in mm_types.h, internal ones move to mm/internal.h).
 * Evidence: [S:6.3.8][S:6.5][S:6.19] facts/pinning.md §4 and §5.1; mainline ids as cited in a
 * stable-tree message; the per-API return values (0 for pin_user_pages() and
 * pin_user_pages_remote(), -EINVAL for get_user_pages*() and pin_user_pages_fast()) read in the
 * series' later diffs on linux-mm [L].
 *
 * Kernel functions modelled: is_valid_gup_args() (slot isValidGupArgs): a caller passing an
 * internal flag (FOLL_TOUCH, FOLL_TRIED, FOLL_REMOTE, FOLL_PIN, FOLL_FAST_ONLY, FOLL_UNLOCKABLE)
 * -> WARN, fail; `*locked` must be 1 (WARN, fail) and sets FOLL_UNLOCKABLE; FOLL_PIN with
 * FOLL_GET, FOLL_LONGTERM without FOLL_PIN, GET/PIN without pages[], FOLL_LONGTERM with
 * FOLL_PCI_P2PDMA -> WARN, fail. Every exported function calls it with the flags it adds.
 *
 * What changed from gup-args v6.2: the BUG_ON(*locked != 1) became a WARN; FOLL_LONGTERM with
 * `locked` is fine everywhere (including pin_user_pages_unlocked()); a failed check makes
 * pin_user_pages() and pin_user_pages_remote() return 0, not -EINVAL; raw flag values mean
 * different flags (0x10000 is FOLL_TOUCH, an internal flag a caller may not pass).
 *
 * pin_user_pages_unlocked()'s failure value is 0 like its siblings': 6.3.8 mm/gup.c:
 * pin_user_pages_unlocked():3163-3174 `if (!is_valid_gup_args(...)) return 0;` (:3168-3170), as
 * pin_user_pages() (:3152); 6.12.118 and 7.2.13 the same.
 *
 * Source read (6.12.118 and 7.2.13, identical): mm/gup.c:is_valid_gup_args() (the five
 * WARN_ON_ONCE tests in the order modelled; INTERNAL_GUP_FLAGS from mm/internal.h, with
 * FOLL_MADV_POPULATE in both, see the gupFlagNumbering slot), get_user_pages() and
 * get_user_pages_remote() -EINVAL, get_user_pages_fast()/pin_user_pages_fast() -EINVAL then
 * gup_fast_fallback() with the FOLL_WRITE|LONGTERM|FORCE|PIN|GET|FAST_ONLY|NOFAULT|PCI_P2PDMA|
 * HONOR_NUMA_FAULT mask, pin_user_pages_remote(), pin_user_pages() and pin_user_pages_unlocked()
 * `return 0;`. First release v6.3, bracketed by
 * sources read: 6.2.1 mm/gup.c has no is_valid_gup_args(); 6.3.8 (a GitHub copy of that tarball,
 * SToPire/linux-6.3.8 root commit) is_valid_gup_args():2103 has the checks in the order
 * modelled (internal flags :2116, `*locked != 1` :2123 then FOLL_UNLOCKABLE :2126, PIN|GET :2130,
 * LONGTERM without PIN :2135, GET/PIN without pages :2139). 6.4.4 is the same; 6.5.0 adds the
 * FOLL_HONOR_NUMA_FAULT OR (gup-args d74943a2f3cd), 6.6.9 drops it; 6.7, 6.10 were not read
 * (bracketed by 6.6.9/6.8.0 and 6.9.0/6.11.11, which agree).
 */
import { err } from '../../../src/model/errno.ts';
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FollFlag } from '../../../src/model/flags.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { fmtFlags } from '../../mm-primitives.ts';
import { fastFlagsOk, releaseFlags, request } from './v5-4.ts';
import { gupArgsV6_2 } from './v6-2.ts';

const FAST_ALLOWED_V6_3: readonly FollFlag[] = [
  'FOLL_WRITE',
  'FOLL_LONGTERM',
  'FOLL_FORCE',
  'FOLL_PIN',
  'FOLL_GET',
  'FOLL_FAST_ONLY',
  'FOLL_NOFAULT',
  'FOLL_PCI_P2PDMA',
  'FOLL_HONOR_NUMA_FAULT',
];

function fail(st: State, why: string): boolean {
  st.warn('is_valid_gup_args');
  st.why(`is_valid_gup_args: ${why} -> WARN`);
  return false;
}

/** is_valid_gup_args(): adds `toSet` to req.flags on success. */
export function isValidGupArgsV6_3(
  k: Kernel,
  st: State,
  req: GupRequest,
  toSet: readonly FollFlag[],
): boolean {
  // INTERNAL_GUP_FLAGS is the replayed release's list (v6.9 adds FOLL_MADV_POPULATE).
  const internalFlags = k.gupFlagNumbering().internal;
  if ((req.flags.bits & FollFlags.maskOf(internalFlags)) !== 0) {
    const internal = [...req.flags].filter((f) => internalFlags.includes(f));
    return fail(st, `${internal.join('|')} is internal to GUP`);
  }
  for (const f of toSet) req.flags = req.flags.with(f);
  if (req.locked !== null) {
    if (req.locked !== 1) return fail(st, '*locked != 1');
    req.flags = req.flags.with('FOLL_UNLOCKABLE');
  }
  const f = req.flags;
  if (f.has('FOLL_PIN') && f.has('FOLL_GET')) return fail(st, 'FOLL_PIN with FOLL_GET');
  if (f.has('FOLL_LONGTERM') && !f.has('FOLL_PIN')) return fail(st, 'FOLL_LONGTERM without FOLL_PIN');
  if ((f.has('FOLL_GET') || f.has('FOLL_PIN')) && !req.pages) return fail(st, 'GET/PIN without pages[]');
  if (f.has('FOLL_LONGTERM') && f.has('FOLL_PCI_P2PDMA'))
    return fail(st, 'FOLL_LONGTERM with FOLL_PCI_P2PDMA');
  return true;
}

/** The exported functions from v6.3. */
export function gupApiV6_3(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult {
  const req = request(name, a, releaseFlags(k, st, a));
  const check = (toSet: FollFlag[], onFail: number): GupResult | null => {
    if (k.isValidGupArgs(k, st, req, toSet)) {
      st.why(`${name}: gup_flags ${fmtFlags(req.flags)}`);
      return null;
    }
    st.why(`${name} returns ${onFail === 0 ? '0' : '-EINVAL'}`);
    return { ret: onFail, pfns: [] };
  };
  const EINVAL = err('EINVAL');
  switch (name) {
    case 'get_user_pages':
      return check(['FOLL_TOUCH'], EINVAL) ?? k.getUserPages(k, st, req);
    case 'get_user_pages_remote':
      return check(['FOLL_TOUCH', 'FOLL_REMOTE'], EINVAL) ?? k.getUserPages(k, st, req);
    case 'get_user_pages_fast':
    case 'pin_user_pages_fast': {
      const bad = check([name === 'get_user_pages_fast' ? 'FOLL_GET' : 'FOLL_PIN'], EINVAL);
      if (bad) return bad;
      if (!fastFlagsOk(st, req.flags, FAST_ALLOWED_V6_3)) return { ret: EINVAL, pfns: [] };
      return k.gupFastFallback(k, st, req);
    }
    case 'pin_user_pages':
      return check(['FOLL_PIN'], 0) ?? k.gupLongtermLocked(k, st, req);
    case 'pin_user_pages_remote':
      return check(['FOLL_PIN', 'FOLL_TOUCH', 'FOLL_REMOTE'], 0) ?? k.gupLongtermLocked(k, st, req);
    case 'pin_user_pages_unlocked':
      return check(['FOLL_PIN', 'FOLL_TOUCH'], 0) ?? k.gupLongtermLocked(k, st, req);
  }
}

export const gupArgsD64e2dbc33a1: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'd64e2dbc33a1',
  commit: 'd64e2dbc33a1',
  subject: 'mm/gup: simplify the external interface functions and consolidate invariants',
  release: 'v6.3',
  summary:
    'is_valid_gup_args(): internal flags from callers, *locked != 1, PIN+GET, LONGTERM without PIN refused with a WARN; pin_user_pages_remote() then returns 0; flags renumbered.',
  ops: { ...gupArgsV6_2.ops, gupApi: gupApiV6_3, isValidGupArgs: isValidGupArgsV6_3 },
};
