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
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
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
