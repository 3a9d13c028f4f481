/**
 * vma-checks 52650c8b466b: "mm/gup: remove the vma allocation from gup_longterm_locked()"
 * (Jason Gunthorpe), first release v5.11 (next to 57efa1fe5957 in the mm commit list; an nvidia
 * driver comment cites 52650c8b466b as the commit that ended the vmas allocation for
 * FOLL_LONGTERM). facts/pinning.md §4: "from <= 5.14-rc5 the test lives in check_vma_flags():
 * LONGTERM and vma_is_fsdax -> -EOPNOTSUPP, before any page is pinned [S:5.14-rc5 .. 6.19];
 * exact moving commit UNVERIFIED" — this is that commit.
 *
 * What changed from vma-checks v5.4: the fs-dax test moved into check_vma_flags(), before the
 * VMA's pages are touched, so nothing is pinned and put; check_dax_vmas() is gone
 * (checkDaxVmas accepts everything; the longterm-migrate versions from v5.13 no longer call it).
 *
 * First release v5.11, bracketed by sources read: 5.10.262 mm/gup.c has check_dax_vmas():1577 and
 * no fs-dax test in check_vma_flags():920; 5.11.0 (a GitHub copy of the v5.11 tarball,
 * CompressionDuck/linux-5.11 before its own mm/ edits) mm/gup.c:check_vma_flags():880 tests
 * `if ((gup_flags & FOLL_LONGTERM) && vma_is_fsdax(vma)) return -EOPNOTSUPP;` (:892) and has no
 * check_dax_vmas(). 5.12.9 (:891) and 5.14-rc5 (:992) the same.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { vmaIsFsdax } from '../../mm-primitives.ts';
import { checkAccess, checkIoPfnmap, vmaChecksV5_4 } from './v5-4.ts';

/** The fs-dax test inside check_vma_flags(). */
export function checkFsdax(st: State, vma: Vma, flags: FollFlags): number {
  if (flags.has('FOLL_LONGTERM') && vmaIsFsdax(vma)) {
    st.why('check_vma_flags: FOLL_LONGTERM on an fs-dax VMA -> -EOPNOTSUPP (nothing pinned)');
    return err('EOPNOTSUPP');
  }
  return 0;
}

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return checkIoPfnmap(st, vma, flags) || checkFsdax(st, vma, flags) || checkAccess(st, vma, flags);
}

function checkDaxVmas(): number {
  return 0;
}

export const vmaChecks52650c8b466b: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: '52650c8b466b',
  commit: '52650c8b466b',
  subject: 'mm/gup: remove the vma allocation from gup_longterm_locked()',
  release: 'v5.11',
  summary: 'The FOLL_LONGTERM fs-dax test moves into check_vma_flags(): -EOPNOTSUPP before pinning.',
  ops: { ...vmaChecksV5_4.ops, checkVmaFlags, checkDaxVmas },
};
