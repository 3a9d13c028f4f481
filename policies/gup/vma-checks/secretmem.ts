/**
 * vma-checks secretmem: "mm: introduce memfd_secret system call to create "secret" memory areas"
 * (Mike Rapoport), first release v5.14. Mainline id UNVERIFIED here (several linux-next ids were
 * seen; none confirmed as mainline), so this version carries no commit and derives no aliases.
 * Evidence: check_vma_flags() rejects secretmem VMAs with -EFAULT [S:6.19] facts/pinning.md §6;
 * memfd_secret() and the check arrived together (the 5.14 merge window).
 *
 * What changed from vma-checks 52650c8b466b: vma_is_secretmem() -> -EFAULT, after the fs-dax test.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlag } from '../../../src/model/flags.ts';
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

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: ReadonlySet<FollFlag>): number {
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
  subject: 'mm: introduce memfd_secret system call to create "secret" memory areas',
  release: 'v5.14',
  summary: 'check_vma_flags(): secretmem VMAs -> -EFAULT.',
  ops: { ...vmaChecks52650c8b466b.ops, checkVmaFlags },
};
