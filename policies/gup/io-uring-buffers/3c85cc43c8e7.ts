/**
 * io-uring-buffers 3c85cc43c8e7: 'Revert "io_uring/rsrc: disallow multi-source reg buffers"'
 * (Jens Axboe, for-6.4/io_uring), first release v6.4. Evidence: facts/io-uring.md §1 [S:6.4.6][L].
 *
 * What changed from io-uring-buffers 57bebf807e2a: the -EINVAL for buffers spanning different
 * vm_files is gone (back to the shmem-exempt scan); single-folio coalescing stays.
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
