/**
 * gup-args c4237f8b1f4f: "mm: fix get_user_pages_remote()'s handling of FOLL_LONGTERM"
 * (John Hubbard), first release v5.6; together with eddb1c228f79 "mm/gup: introduce
 * pin_user_pages*() and FOLL_PIN" (also v5.6), which adds the pin_user_pages*() entry points.
 * Evidence: [S:5.6] facts/pinning.md §4; the patch text [L].
 *
 * Kernel functions modelled (builds on gup-args v5.4):
 * - get_user_pages_remote(): FOLL_PIN -> WARN, -EINVAL; FOLL_LONGTERM is now allowed when no
 *   `locked` pointer is passed (__get_user_pages_remote(): WARN, -EINVAL with one), and then goes
 *   through __gup_longterm_locked() with FOLL_TOUCH|FOLL_REMOTE (fs-dax check, CMA migration);
 * - get_user_pages(), get_user_pages_fast(): FOLL_PIN from a caller -> WARN, -EINVAL;
 * - pin_user_pages(), pin_user_pages_fast(), pin_user_pages_remote(): FOLL_GET from a caller ->
 *   WARN, -EINVAL; FOLL_PIN added; pin_user_pages_remote() keeps the LONGTERM+locked rule;
 * - pin_user_pages_unlocked() (added in v5.8, which pinbench does not model separately): FOLL_PIN
 *   added, then get_user_pages_unlocked(), which refuses FOLL_LONGTERM (WARN, -EINVAL).
 * - internal_get_user_pages_fast(): accepts FOLL_WRITE|FOLL_LONGTERM|FOLL_FORCE|FOLL_PIN|FOLL_GET.
 *
 * Simplification: get_user_pages_locked()/_unlocked() are not in the vocabulary.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FollFlag } from '../../../src/model/flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { withFlags } from '../../mm-primitives.ts';
import { fastFlagsOk, gupArgsV5_4, lockedMustBeOne, releaseFlags, request, warnInvalid } from './v5-4.ts';

export const FAST_ALLOWED_V5_6: readonly FollFlag[] = [
  'FOLL_WRITE',
  'FOLL_LONGTERM',
  'FOLL_FORCE',
  'FOLL_PIN',
  'FOLL_GET',
];

/**
 * __get_user_pages_remote(): FOLL_LONGTERM only without a `locked` pointer (the fs-dax check
 * needs the vmas, which FAULT_FLAG_ALLOW_RETRY would invalidate).
 */
export function getUserPagesRemoteV5_6(
  k: Kernel,
  st: State,
  req: GupRequest,
  longtermWithLocked = false,
): GupResult {
  if (req.flags.has('FOLL_LONGTERM')) {
    if (req.locked !== null && !longtermWithLocked) {
      return warnInvalid(st, 'FOLL_LONGTERM with locked', 'FOLL_LONGTERM with a locked pointer');
    }
    st.why('FOLL_LONGTERM without locked: __gup_longterm_locked()');
    return k.gupLongtermLocked(k, st, req);
  }
  return lockedMustBeOne(st, req) ?? k.getUserPages(k, st, req);
}

/** What later versions change in the v5.6 shape of the exported functions. */
export interface ApiRulesV5_6 {
  /** Flags get_user_pages*() refuse from a caller (FOLL_PIN; FOLL_LONGTERM too from 447f3e45c18a). */
  rejectFromGet: readonly FollFlag[];
  /** pin_user_pages_remote() passes `locked` into __gup_longterm_locked() (v6.2). */
  remoteLongtermWithLocked: boolean;
}

/** The exported functions of v5.6 .. v6.2. */
export function gupApiV5_6(
  k: Kernel,
  st: State,
  name: GupCallName,
  a: GupArgs,
  rules: ApiRulesV5_6,
): GupResult {
  const { rejectFromGet } = rules;
  const flags = releaseFlags(k, st, a);
  const rejectGet = (api: string): GupResult | null => {
    for (const f of rejectFromGet) {
      if (flags.has(f)) return warnInvalid(st, `${api} ${f}`, `${api}: ${f} from the caller`);
    }
    return null;
  };
  const rejectPinGet = (api: string): GupResult | null =>
    flags.has('FOLL_GET') ? warnInvalid(st, `${api} FOLL_GET`, `${api}: FOLL_GET and FOLL_PIN`) : null;
  switch (name) {
    case 'get_user_pages':
      return (
        rejectGet('get_user_pages') ??
        k.gupLongtermLocked(k, st, request(name, a, withFlags(flags, 'FOLL_TOUCH')))
      );
    case 'get_user_pages_remote':
      return (
        rejectGet('get_user_pages_remote') ??
        getUserPagesRemoteV5_6(k, st, request(name, a, withFlags(flags, 'FOLL_TOUCH', 'FOLL_REMOTE')))
      );
    case 'get_user_pages_fast': {
      const bad = rejectGet('get_user_pages_fast');
      if (bad) return bad;
      if (!fastFlagsOk(st, flags, FAST_ALLOWED_V5_6)) return { ret: err('EINVAL'), pfns: [] };
      return k.gupFastFallback(k, st, request(name, a, withFlags(flags, 'FOLL_TOUCH')));
    }
    case 'pin_user_pages':
      return (
        rejectPinGet('pin_user_pages') ??
        k.gupLongtermLocked(k, st, request(name, a, withFlags(flags, 'FOLL_PIN')))
      );
    case 'pin_user_pages_fast': {
      const bad = rejectPinGet('pin_user_pages_fast');
      if (bad) return bad;
      const pinned = withFlags(flags, 'FOLL_PIN');
      if (!fastFlagsOk(st, pinned, FAST_ALLOWED_V5_6)) return { ret: err('EINVAL'), pfns: [] };
      return k.gupFastFallback(k, st, request(name, a, pinned));
    }
    case 'pin_user_pages_remote':
      return (
        rejectPinGet('pin_user_pages_remote') ??
        getUserPagesRemoteV5_6(
          k,
          st,
          request(name, a, withFlags(flags, 'FOLL_PIN', 'FOLL_TOUCH', 'FOLL_REMOTE')),
          rules.remoteLongtermWithLocked,
        )
      );
    case 'pin_user_pages_unlocked': {
      const bad = rejectPinGet('pin_user_pages_unlocked');
      if (bad) return bad;
      if (flags.has('FOLL_LONGTERM')) {
        return warnInvalid(
          st,
          'get_user_pages_unlocked FOLL_LONGTERM',
          'get_user_pages_unlocked: FOLL_LONGTERM',
        );
      }
      return k.getUserPages(k, st, request(name, a, withFlags(flags, 'FOLL_PIN', 'FOLL_TOUCH')));
    }
  }
}

function gupApi(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult {
  return gupApiV5_6(k, st, name, a, {
    rejectFromGet: ['FOLL_PIN'],
    remoteLongtermWithLocked: false,
  });
}

export const gupArgsC4237f8b1f4f: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'c4237f8b1f4f',
  commit: 'c4237f8b1f4f',
  subject: "mm: fix get_user_pages_remote()'s handling of FOLL_LONGTERM",
  release: 'v5.6',
  summary:
    'get_user_pages_remote() accepts FOLL_LONGTERM when locked is NULL (via __gup_longterm_locked); pin_user_pages*() added (FOLL_GET from callers refused).',
  ops: { ...gupArgsV5_4.ops, gupApi },
};
