/**
 * io-uring-buffers shmem-exempt: io_uring's VMA scan lets shmem (memfd, tmpfs, shared anon)
 * through. Commit UNVERIFIED (facts/io-uring.md: absent in 5.10.13, present in 5.14-rc5 [S]);
 * first release v5.14: Pavel Begunkov on liburing issue #358 (June 2021): "memfd/shmem is queued
 * for 5.14".
 *
 * Kernel function modelled: the scan after pin_user_pages() (slot ioCheckBufferVmas): a shmem
 * VMA -> fine; a VMA with a vm_file that is not hugetlbfs -> -EOPNOTSUPP.
 *
 * What changed from io-uring-buffers pin-user-pages: memfd/tmpfs/shared-anon buffers register.
 *
 * Source read: 5.12.9 (a GitHub copy of that tarball) fs/io_uring.c:io_sqe_buffer_register():8220
 * refuses any `vma->vm_file && !is_file_hugepages(vma->vm_file)` (:8260) with -EOPNOTSUPP;
 * 5.14-rc5 io_sqe_buffer_register():8342 first `if (vma_is_shmem(vma)) continue;` (:8388), then
 * the same test (:8390): this version. 5.19.0, 6.0-rc1 and 6.2.1 (io_uring/rsrc.c:1169) the same.
 * v5.13 was not read (no source for it was found): bracketed by 5.12.9 and 5.14-rc5, the release
 * is the liburing issue's.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { hex, vmaHasFile, vmaIsHugetlbFile, vmaIsShmem } from '../../mm-primitives.ts';
import { ioUringBuffersPinUserPages } from './pin-user-pages.ts';

/** The per-VMA verdict of the 5.14 .. 6.4 scan. */
export function fileBackedRefused(st: State, vma: Vma): number {
  if (vmaIsShmem(vma)) return 0;
  if (vmaHasFile(vma) && !vmaIsHugetlbFile(vma)) {
    st.why(
      `io_uring: file-backed VMA ${hex(vma.start)} (${vma.fs ?? vma.backing}), not shmem/hugetlb -> -EOPNOTSUPP`,
    );
    return err('EOPNOTSUPP');
  }
  return 0;
}

function ioCheckBufferVmas(_k: Kernel, st: State, vmas: readonly Vma[]): number {
  for (const vma of vmas) {
    const e = fileBackedRefused(st, vma);
    if (e) return e;
  }
  return 0;
}

export const ioUringBuffersShmemExempt: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: 'shmem-exempt',
  subject: 'io_uring: allow shmem-backed registered buffers',
  release: 'v5.14',
  summary: 'The file-backed refusal spares shmem VMAs (memfd, tmpfs, shared anon).',
  ops: { ...ioUringBuffersPinUserPages.ops, ioCheckBufferVmas },
};
