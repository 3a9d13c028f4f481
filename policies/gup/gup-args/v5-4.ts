/**
 * gup-args v5.4: which flag and `locked` combinations each exported GUP function accepts, the
 * internal flags it adds, and where it routes the request (mm/gup.c of v5.4).
 *
 * Commit: none (baseline). First release: v5.4. Evidence: [S:5.4] in facts/pinning.md §4.
 *
 * Kernel functions modelled:
 * - get_user_pages(): FOLL_TOUCH, then __gup_longterm_locked();
 * - get_user_pages_remote(): FOLL_LONGTERM -> WARN, -EINVAL ("no users of this flag in this
 *   call"); otherwise __get_user_pages_locked() with FOLL_TOUCH|FOLL_REMOTE and the caller's
 *   `locked` (which must hold 1: BUG_ON(*locked != 1)). The remote path does not go through
 *   __gup_longterm_locked(), so nothing is migrated out of CMA;
 * - get_user_pages_fast(): any flag but FOLL_WRITE|FOLL_LONGTERM -> WARN, -EINVAL; FOLL_LONGTERM
 *   goes to __gup_longterm_locked() under mmap_sem, the rest to get_user_pages_unlocked();
 * - the pin_user_pages*() family does not exist yet (family pin-accounting says so first).
 *
 * Flags: a symbolic flag the replayed release does not define (FOLL_PIN, FOLL_PCI_P2PDMA...) is
 * dropped with a why step; the numbering is the replayed release's (k.gupFlagNumbering()), not
 * this family version's; raw hex flags were decoded with the recording kernel's numbering before
 * they reach the policy, and the why path says so.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { GupArgs, GupCallName } from '../../../src/model/events.ts';
import type { FlagNumbering, FollFlag } from '../../../src/model/flags.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest, GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { fmtFlags, hex, withFlags } from '../../mm-primitives.ts';

/**
 * Keeps the flags the replayed release's numbering defines (k.gupFlagNumbering(), bound per
 * release by the registry); notes the raw decode and what was dropped.
 */
export function releaseFlags(k: Kernel, st: State, a: GupArgs): FollFlags {
  if (a.rawFlags !== undefined) {
    st.why(
      `gup_flags ${hex(a.rawFlags)} decoded with the ${st.config.kernel ?? '?'} numbering = ${fmtFlags(a.gupFlags)}`,
    );
  }
  const numbering = k.gupFlagNumbering();
  const given = FollFlags.from(a.gupFlags);
  if ((given.bits & ~definedMask(numbering)) === 0) return given;
  let out = FollFlags.EMPTY;
  for (const f of given) {
    if (numbering.values[f] === undefined)
      st.why(`${f} is not defined in the v${numbering.from}+ numbering: ignored`);
    else out = out.with(f);
  }
  return out;
}

// The flags a numbering defines, as FollFlags bits (one numbering per release, a few in all).
const definedMasks = new WeakMap<FlagNumbering, number>();

function definedMask(numbering: FlagNumbering): number {
  let mask = definedMasks.get(numbering);
  if (mask === undefined) {
    mask = FollFlags.maskOf(
      (Object.keys(numbering.values) as FollFlag[]).filter((f) => numbering.values[f] !== undefined),
    );
    definedMasks.set(numbering, mask);
  }
  return mask;
}

export function request(name: GupCallName, a: GupArgs, flags: FollFlags): GupRequest {
  return { api: name, mm: a.mm, start: a.start, nrPages: a.nrPages, flags, locked: a.locked, pages: a.pages };
}

/** WARN_ON_ONCE(...) return -EINVAL. */
export function warnInvalid(st: State, kind: string, why: string, ret = err('EINVAL')): GupResult {
  st.warn(kind);
  st.why(`${why} -> WARN, ${ret === 0 ? 'returns 0' : '-EINVAL'}`);
  return { ret, pfns: [] };
}

/** __get_user_pages_locked(): BUG_ON(*locked != 1) when a locked pointer is passed (<= v6.2). */
export function lockedMustBeOne(st: State, req: GupRequest): GupResult | null {
  if (req.locked === 0) {
    st.bug('__get_user_pages_locked *locked != 1');
    st.why('locked pointer holds 0: BUG_ON(*locked != 1)');
    return { ret: 'BUG', pfns: [] };
  }
  return null;
}

/** get_user_pages_fast() before v5.6: only FOLL_WRITE and FOLL_LONGTERM are accepted. */
const FAST_ALLOWED_V5_4: readonly FollFlag[] = ['FOLL_WRITE', 'FOLL_LONGTERM'];

export function fastFlagsOk(st: State, flags: FollFlags, allowed: readonly FollFlag[]): boolean {
  if ((flags.bits & ~FollFlags.maskOf(allowed)) === 0) return true;
  const bad = [...flags].filter((f) => !allowed.includes(f));
  st.warn('gup_fast flags');
  st.why(`GUP-fast accepts only ${allowed.join('|')}; got ${bad.join('|')} -> WARN, -EINVAL`);
  return false;
}

function gupApi(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult {
  const flags = releaseFlags(k, st, a);
  switch (name) {
    case 'get_user_pages':
      return k.gupLongtermLocked(k, st, request(name, a, withFlags(flags, 'FOLL_TOUCH')));
    case 'get_user_pages_remote': {
      if (flags.has('FOLL_LONGTERM')) {
        return warnInvalid(st, 'get_user_pages_remote FOLL_LONGTERM', 'get_user_pages_remote: FOLL_LONGTERM');
      }
      const req = request(name, a, withFlags(flags, 'FOLL_TOUCH', 'FOLL_REMOTE'));
      return lockedMustBeOne(st, req) ?? k.getUserPages(k, st, req);
    }
    case 'get_user_pages_fast': {
      if (!fastFlagsOk(st, flags, FAST_ALLOWED_V5_4)) return { ret: err('EINVAL'), pfns: [] };
      return k.gupFastFallback(k, st, request(name, a, withFlags(flags, 'FOLL_TOUCH')));
    }
    default:
      st.why(`${name}() does not exist in v5.4`);
      return { ret: 'unsupported', pfns: [] };
  }
}

export const gupArgsV5_4: FamilyVersion = {
  family: 'gup-args',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'GUP API argument rules (v5.4)',
  release: 'v5.4',
  summary: 'get_user_pages_remote() rejects FOLL_LONGTERM with a WARN and -EINVAL; no pin_user_pages*().',
  // is_valid_gup_args() arrives in v6.3 (d64e2dbc33a1): before it the slot is the registry's stub.
  ops: { gupApi },
};
