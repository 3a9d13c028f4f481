/**
 * vma-checks secretmem: "mm: introduce memfd_secret system call to create "secret" memory areas"
 * (Mike Rapoport), mainline 1507f51255c9 (the id a later fix's `Fixes: 1507f51255c9 ("mm:
 * introduce memfd_secret system call to create "secret" memory areas")` names, read in the code
 * corpus; the other ids seen are linux-next/mm rebases), first release v5.14.
 * Evidence: check_vma_flags() rejects secretmem VMAs with -EFAULT [S:6.19] facts/pinning.md §6;
 * memfd_secret() and the check arrived together: v18 of the series was still under review on
 * 2021-05-06 (three days before v5.13-rc1), so not in v5.13.
 *
 * What changed from vma-checks 52650c8b466b: vma_is_secretmem() -> -EFAULT, after the fs-dax test.
 *
 * Source read: 5.12.9 (a GitHub copy of that tarball) has no mm/secretmem.c and no secretmem test
 * in mm/gup.c:check_vma_flags():879; 5.14-rc5 (lsk-legends/linux-5.14 at its import commit)
 * check_vma_flags():980 tests `if (vma_is_secretmem(vma)) return -EFAULT;` right after the
 * fs-dax test, as modelled. v5.13 was not read (no source for it was found): bracketed by 5.12.9
 * and 5.14-rc5 only, the release taken from the review dates above.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { vmaIsSecretmem } from '../../mm-primitives.ts';
import { checkFsdax, vmaChecks52650c8b466b } from './52650c8b466b.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

export function checkSecretmem(st: State, vma: Vma): number {
  if (vmaIsSecretmem(vma)) {
    st.why('check_vma_flags: secretmem VMA -> -EFAULT');
    return err('EFAULT');
  }
  return 0;
}

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkAccess(st, vma, flags)
  );
}

export const vmaChecksSecretmem: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'secretmem',
  commit: '1507f51255c9',
  subject: 'mm: introduce memfd_secret system call to create "secret" memory areas',
  release: 'v5.14',
  summary: 'check_vma_flags(): secretmem VMAs -> -EFAULT.',
  ops: { ...vmaChecks52650c8b466b.ops, checkVmaFlags },
};
