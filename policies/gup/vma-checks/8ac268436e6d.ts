/**
 * vma-checks 8ac268436e6d: "mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed
 * mappings" (Lorenzo Stoakes), first release v6.5, with its GUP-fast twin a6e79df92e4a and
 * "mm/mmap: separate writenotify and dirty tracking logic" (vma_needs_dirty_tracking()).
 * Evidence: [S:6.5][S:6.18.2] facts/io-uring.md §2 (check_vma_flags pseudocode and
 * vma_needs_dirty_tracking), [S:6.5][S:6.19] facts/pinning.md §6 (gup_longterm selftest:
 * R/W long-term pins of MAP_SHARED files fail with EFAULT except tmpfs/hugetlbfs).
 *
 * Source read: 6.12.118 and 7.2.13 mm/gup.c:check_vma_flags() and writable_file_mapping_allowed()
 * (refused only when `(gup_flags & (FOLL_PIN | FOLL_LONGTERM)) == (FOLL_PIN | FOLL_LONGTERM)` and
 * vma_needs_dirty_tracking()); 6.1.192 has neither.
 *
 * What changed from vma-checks f347454d0341 (which keeps the hugetlb FOLL_FORCE refusal): for FOLL_WRITE on a VMA that is not anonymous,
 * writable_file_mapping_allowed() — a FOLL_PIN|FOLL_LONGTERM pin of a mapping that needs dirty
 * tracking (k.vmaNeedsDirtyTracking: shared, writable, and page_mkwrite/pfn_mkwrite or a
 * writeback-capable filesystem) -> -EFAULT, before the VM_WRITE test. tmpfs/shmem and hugetlbfs
 * are allowed; ramfs is refused (generic_file_vm_ops has page_mkwrite); private file mappings
 * are allowed (the pins land on anon COW copies). The GUP-fast twin gives the same results
 * because GUP-fast falls back to this slow path for every refused folio.
 */
import { err } from '../../../src/model/errno.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { hex, vmaIsAnonymous } from '../../mm-primitives.ts';
import { checkFsdax } from './52650c8b466b.ts';
import { vmaChecksF347454d0341 } from './f347454d0341.ts';
import { checkSecretmem } from './secretmem.ts';
import { checkAccess, checkIoPfnmap } from './v5-4.ts';

/** writable_file_mapping_allowed(): refused only for FOLL_PIN|FOLL_LONGTERM needing dirty tracking. */
export function checkWritableFileMapping(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  if (!flags.has('FOLL_WRITE') || vmaIsAnonymous(vma)) return 0;
  if (!(flags.has('FOLL_PIN') && flags.has('FOLL_LONGTERM'))) return 0;
  if (!k.vmaNeedsDirtyTracking(k, st, vma)) return 0;
  st.why(
    `check_vma_flags: writable long-term pin of shared file mapping ${hex(vma.start)} (${vma.fs ?? vma.backing}) needs dirty tracking -> -EFAULT (8ac268436e6d)`,
  );
  return err('EFAULT');
}

function checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return (
    checkIoPfnmap(st, vma, flags) ||
    checkFsdax(st, vma, flags) ||
    checkSecretmem(st, vma) ||
    checkWritableFileMapping(k, st, vma, flags) ||
    checkAccess(st, vma, flags, false)
  );
}

export const vmaChecks8ac268436e6d: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: '8ac268436e6d',
  commit: '8ac268436e6d',
  subject: 'mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings',
  release: 'v6.5',
  summary:
    'Writable FOLL_PIN|FOLL_LONGTERM pins of shared file mappings that need dirty tracking -> -EFAULT (tmpfs, hugetlbfs allowed).',
  ops: { ...vmaChecksF347454d0341.ops, checkVmaFlags },
};
