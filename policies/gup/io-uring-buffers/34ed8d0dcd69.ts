/**
 * io-uring-buffers 34ed8d0dcd69: "io_uring: rsrc: delegate VMA file-backed check to GUP"
 * (Lorenzo Stoakes, patch 4/6 of "remove the vmas parameter from GUP APIs"), first release v6.5
 * [L][S:6.5; the check present in 6.4.6]. Evidence: facts/io-uring.md §1-§2, §5.
 *
 * Kernel function modelled: io_pin_pages(): pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) with no
 * vmas array and no VMA scan; got != nr -> release the pages taken, got < 0 ? got : -EFAULT.
 *
 * What changed from io-uring-buffers 3c85cc43c8e7: io_uring no longer refuses file-backed
 * memory itself. GUP does (vma-checks 8ac268436e6d, same release): a writable long-term pin of
 * a shared file mapping that needs dirty tracking (ext4, xfs, btrfs, ramfs...) -> -EFAULT before
 * any page of that VMA is touched; private file mappings register with anon COW copies.
 * Combined with an older vma-checks (alias post-34ed8d0dcd69) ext4 shared buffers would register.
 *
 * Source read: 6.4.4 io_uring/rsrc.c:1059-1063 still tests the VMAs itself; 6.5.0 (a GitHub copy
 * of the v6.5 tarball) io_uring/rsrc.c has no vm_file test at all and pins with
 * `pin_user_pages(ubuf, nr_pages, FOLL_WRITE | FOLL_LONGTERM, pages)` (:1046) without vmas, the
 * file-backed refusal coming from mm/gup.c:check_vma_flags() (vma-checks 8ac268436e6d, also new
 * in 6.5.0). First release v6.5, bracketed by 6.4.4 and 6.5.0.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { ioUringBuffers3c85cc43c8e7 } from './3c85cc43c8e7.ts';
import { ioPinPagesWith } from './v5-4.ts';

function ioPinPages(k: Kernel, st: State, mm: number, addr: number, len: number): GupResult {
  return ioPinPagesWith(k, st, 'pin_user_pages', true, mm, addr, len, false);
}

export const ioUringBuffers34ed8d0dcd69: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: '34ed8d0dcd69',
  commit: '34ed8d0dcd69',
  subject: 'io_uring: rsrc: delegate VMA file-backed check to GUP',
  release: 'v6.5',
  summary: "io_uring's own file-backed check is removed; GUP's check_vma_flags() decides (-EFAULT).",
  ops: { ...ioUringBuffers3c85cc43c8e7.ops, ioPinPages },
};
