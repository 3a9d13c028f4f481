/**
 * io-uring-buffers 1943f96b3816: "io_uring: unify io_pin_pages()" (Jens Axboe, for-6.10), first
 * release v6.10. Evidence: the patch [L], facts/io-uring.md §1-§2.
 *
 * Kernel function modelled: io_pin_pages(): pin_user_pages_fast(FOLL_WRITE|FOLL_LONGTERM)
 * without the mmap lock; got == nr -> ok; 0 <= got < nr -> release, -EFAULT; got < 0 -> got.
 *
 * What changed from io-uring-buffers 34ed8d0dcd69: the fast API. Results are the slow path's:
 * GUP-fast pins only anon, shmem and hugetlb folios with PIN|LONGTERM|WRITE and needs a writable
 * PTE, and hands everything else (zero-page PTEs, R/O PTEs, page cache) to the slow path, whose
 * check_vma_flags() decides as in v6.5.
 *
 * Source read: 6.9.0 (a GitHub copy of that tarball) io_uring/rsrc.c:891 calls pin_user_pages()
 * itself (and io_uring/io_uring.c:2744 has its own pin_user_pages_fast()); 6.11.11 (segzix/
 * linux-6.11.11 root commit) io_uring/memmap.c:io_pin_pages():134 with `pin_user_pages_fast(uaddr,
 * nr_pages, FOLL_WRITE | FOLL_LONGTERM, ...)` (:155), used by io_sqe_buffer_register() (rsrc.c:858);
 * 6.12.118 and 7.2.13 the same function. v6.10 was not read (no source for it was found): the
 * first release is bracketed by 6.9.0 and 6.11.11 only.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { State } from '../../../src/model/state.ts';
import { ioUringBuffers34ed8d0dcd69 } from './34ed8d0dcd69.ts';
import { ioPinPagesWith } from './v5-4.ts';

function ioPinPages(k: Kernel, st: State, mm: number, addr: number, len: number): GupResult {
  return ioPinPagesWith(k, st, 'pin_user_pages_fast', true, mm, addr, len, false);
}

export const ioUringBuffers1943f96b3816: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: '1943f96b3816',
  commit: '1943f96b3816',
  subject: 'io_uring: unify io_pin_pages()',
  release: 'v6.10',
  summary: 'Buffers pinned with pin_user_pages_fast(W|LT), no mmap lock.',
  ops: { ...ioUringBuffers34ed8d0dcd69.ops, ioPinPages },
};
