/**
 * io-uring-buffers 3c85cc43c8e7: 'Revert "io_uring/rsrc: disallow multi-source reg buffers"'
 * (Jens Axboe, for-6.4/io_uring), first release v6.4. Evidence: facts/io-uring.md §1 [S:6.4.6][L].
 *
 * What changed from io-uring-buffers 57bebf807e2a: the -EINVAL for buffers spanning different
 * vm_files is gone (back to the shmem-exempt scan); single-folio coalescing stays.
 *
 * Source read: 6.3.8 io_uring/rsrc.c:1166-1176 (the vm_file equality test of edd478269640);
 * 6.4.4 (a GitHub copy of that tarball, lewisevans2007/linux-6.4 at its import commit, whose later
 * commit touches only slab) io_sqe_buffer_register():1091 is back to `if (vma_is_shmem(vma))
 * continue; if (vma->vm_file && !is_file_hugepages(vma->vm_file)) { ret = -EOPNOTSUPP; ...`
 * (:1059-1063): the revert, first release v6.4 bracketed by 6.3.8 and 6.4.4.
 */
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { ioUringBuffers57bebf807e2a } from './57bebf807e2a.ts';
import { ioUringBuffersShmemExempt } from './shmem-exempt.ts';

export const ioUringBuffers3c85cc43c8e7: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: '3c85cc43c8e7',
  commit: '3c85cc43c8e7',
  subject: 'Revert "io_uring/rsrc: disallow multi-source reg buffers"',
  release: 'v6.4',
  summary: 'Multi-source buffers are accepted again.',
  ops: {
    ...ioUringBuffers57bebf807e2a.ops,
    ioCheckBufferVmas: ioUringBuffersShmemExempt.ops.ioCheckBufferVmas!,
  },
};
