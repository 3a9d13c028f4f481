/**
 * io-uring-buffers pin-user-pages: "fs/io_uring: set FOLL_PIN via pin_user_pages()" (John
 * Hubbard), patch 16/22 of the v12 "mm/gup: track dma-pinned pages: FOLL_PIN" series merged for
 * v5.6 (same series as c4237f8b1f4f, eddb1c228f79). Mainline id UNVERIFIED, so this version
 * carries no commit. Evidence: the series on linux-mm [L]; facts/io-uring.md §1 (pin_user_pages
 * with vmas in 5.10.13).
 *
 * What changed from io-uring-buffers v5.4: the buffer pages are pinned with
 * pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) and released with unpin_user_page() (FOLL_PIN: +1 in
 * v5.6, +1024 from v5.7). Everything else as before, including the file-backed refusal that
 * does not spare shmem.
 *
 * Source read: 5.4.0 fs/io_uring.c:3452 get_user_pages(); 5.6.4 (a GitHub copy of that tarball)
 * fs/io_uring.c:io_sqe_buffer_register():6185 `pin_user_pages(ubuf, nr_pages, ...)` (:6267) and
 * unpin_user_pages() on the error path (:6291), the file-backed test unchanged (:6275); 5.12.9
 * :8253 the same call. v5.5 was not read: the first release is bracketed by 5.4.0 and 5.6.4.
 */
import type { IoUringArgs } from '../../../src/model/events.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { CallResult } from '../../../src/model/outcome.ts';
import type { RegisteredBuffer, State } from '../../../src/model/state.ts';
import { ioPinPagesWith, ioUnmapBufferWith, ioUringBuffersV5_4, ioUringRegisterWith } from './v5-4.ts';

function ioPinPages(k: Kernel, st: State, mm: number, addr: number, len: number): GupResult {
  return ioPinPagesWith(k, st, 'pin_user_pages', true, mm, addr, len, true);
}

function ioUringRegister(k: Kernel, st: State, a: IoUringArgs): CallResult {
  return ioUringRegisterWith(k, st, a, { pinned: true });
}

function ioUnmapBuffer(k: Kernel, st: State, buf: RegisteredBuffer): void {
  ioUnmapBufferWith(k, st, buf, { pinned: true });
}

export const ioUringBuffersPinUserPages: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: 'pin-user-pages',
  subject: 'fs/io_uring: set FOLL_PIN via pin_user_pages()',
  release: 'v5.6',
  summary: 'Buffers pinned with pin_user_pages(W|LT) and released with unpin_user_page().',
  ops: { ...ioUringBuffersV5_4.ops, ioPinPages, ioUringRegister, ioUnmapBuffer },
};
