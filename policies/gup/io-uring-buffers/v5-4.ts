/**
 * io-uring-buffers v5.4: IORING_REGISTER_BUFFERS / IORING_UNREGISTER_BUFFERS as in fs/io_uring.c
 * of v5.4 (the file-backed refusal exists since io_uring's first release, v5.1).
 *
 * Commit: none (baseline). First release: v5.4. Evidence: facts/io-uring.md §1-§5 read from
 * 5.10.13 onwards; for v5.4 the shape is the same except the GUP call (get_user_pages(), FOLL_GET
 * references; pin_user_pages() arrives in v5.6) and Jens Axboe's statement that "the huge pages
 * being file backed check has been there since 5.1" (liburing issue #197). The v5.4 source itself
 * is now read in a 5.4.0 copy (see below): it charges before pinning.
 *
 * Kernel functions modelled (one iovec per register call):
 * - io_sqe_buffers_register(): a table already registered for this ring (one ring per mm) ->
 *   -EBUSY; io_buffer_validate(): base NULL or len 0 or len > 1 GiB -> -EFAULT.
 * - the pinning (slot ioPinPages): get_user_pages(base, nr, FOLL_WRITE|FOLL_LONGTERM, pages,
 *   vmas); got == nr -> io_uring's own scan of every page's VMA (slot ioCheckBufferVmas): a VMA
 *   with a vm_file that is not hugetlbfs -> -EOPNOTSUPP (shmem too); got != nr -> got < 0 ? got :
 *   -EFAULT; on error the pages that were taken are released again.
 * - io_buffer_account_pin() (slot ioAccountPin): small pages 1 each, a compound page once in
 *   full (512 for a 2 MiB folio) per head across the ring's buffers; over RLIMIT_MEMLOCK
 *   (unless CAP_IPC_LOCK) -> release the pages, -ENOMEM. Charged to user->locked_vm (only without
 *   CAP_IPC_LOCK: ctx->user is NULL otherwise) and to mm->pinned_vm; the limit is checked on the
 *   user's counter alone, apart from vfio's mm->locked_vm (read in 6.1.192 and 7.2.13
 *   io_uring/rsrc.c:io_account_mem(), __io_account_mem(), io_unaccount_mem(), and
 *   io_uring.c:io_uring_create() `if (!ns_capable_noaudit(&init_user_ns, CAP_IPC_LOCK)) ctx->user
 *   = get_uid(current_user());`, `ctx->mm_account = current->mm;`).
 * - one bvec per page: every page keeps its reference (no coalescing before v6.3).
 * - io_sqe_buffers_unregister(): no table -> -ENXIO; otherwise each buffer's pages are released
 *   (slot ioUnmapBuffer) and the charge is returned.
 *
 * The `pages` of a register outcome are the pages left pinned (one per bvec).
 *
 * Source read: 5.4.0 (a GitHub copy of the v5.4 tarball, MrJu/linux-5.4 at its one import
 * commit) fs/io_uring.c:io_sqe_buffer_register():3370: io_account_mem(ctx->user, nr_pages) (:3418)
 * before `get_user_pages(ubuf, nr_pages, FOLL_WRITE | FOLL_LONGTERM, pages, vmas)` (:3452), then
 * the VMA test `if (vma->vm_file && !is_file_hugepages(vma->vm_file))` -> -EOPNOTSUPP (:3460):
 * the accounting order and refusal modelled here. v5.5 was not read.
 */
import { err } from '../../../src/model/errno.ts';
import type { GupCallName, IoUringArgs } from '../../../src/model/events.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult } from '../../../src/model/ops/gup-ops.ts';
import type { CallResult } from '../../../src/model/outcome.ts';
import { PAGE_SIZE, type RegisteredBuffer, type State, type Vma } from '../../../src/model/state.ts';
import { errText, folioIsLarge, hex, vmaHasFile, vmaIsHugetlbFile } from '../../mm-primitives.ts';

/** -ENXIO (not in src/model/errno.ts). */
export const ENXIO = -6;
const GIB = 1024 * 1024 * 1024;

/** Drops one buffer page's reference (unpin_user_page(), or put_page() before v5.6). */
export function ioReleasePage(k: Kernel, st: State, pfn: number, pinned: boolean): void {
  if (pinned) k.unpinUserPage(k, st, pfn, false);
  else {
    const f = st.folioOf(pfn);
    if (f) k.putPage(k, st, f);
  }
  if (st.data.longterm.has(pfn)) st.noteLongterm(pfn, -1);
}

/** The VMAs of the pages [base, base + nr pages). */
export function bufferVmas(st: State, mm: number, base: number, nr: number): Vma[] {
  const out: Vma[] = [];
  for (let i = 0; i < nr; i++) {
    const v = st.findVma(mm, base + i * PAGE_SIZE);
    if (v) out.push(v);
  }
  return out;
}

// io_pin_pages()'s gup_flags: GupArgs.gupFlags is read-only, so one set serves every call.
const IO_PIN_FLAGS = FollFlags.of('FOLL_WRITE', 'FOLL_LONGTERM');

/** io_pin_pages(): `api` is the GUP entry used, `pinned` whether its references are pins. */
export function ioPinPagesWith(
  k: Kernel,
  st: State,
  api: GupCallName,
  pinned: boolean,
  mm: number,
  addr: number,
  len: number,
  checkVmas: boolean,
): GupResult {
  const base = addr - (addr % PAGE_SIZE);
  const nr = Math.ceil((addr + len - base) / PAGE_SIZE);
  st.why(`io_uring: ${api}(${hex(base)}, ${nr}, FOLL_WRITE|FOLL_LONGTERM)`);
  const r = k.gupApi(k, st, api, {
    kind: 'gup',
    mm,
    start: base,
    nrPages: nr,
    gupFlags: IO_PIN_FLAGS,
    locked: null,
    pages: true,
  });
  if (r.ret === nr) {
    if (!checkVmas) return { ret: 0, pfns: r.pfns };
    const e = k.ioCheckBufferVmas(k, st, bufferVmas(st, mm, base, nr));
    if (e === 0) return { ret: 0, pfns: r.pfns };
    st.why(`io_uring: VMA check ${errText(e)} after pinning -> release all ${nr} page(s)`);
    for (const pfn of r.pfns) ioReleasePage(k, st, pfn, pinned);
    return { ret: e, pfns: [] };
  }
  if (typeof r.ret !== 'number') return { ret: r.ret, pfns: [] };
  for (const pfn of r.pfns) ioReleasePage(k, st, pfn, pinned);
  const ret = r.ret < 0 ? r.ret : err('EFAULT');
  st.why(`io_uring: pinned ${Math.max(r.ret, 0)} of ${nr} -> ${errText(ret)}`);
  return { ret, pfns: [] };
}

function ioPinPages(k: Kernel, st: State, mm: number, addr: number, len: number): GupResult {
  return ioPinPagesWith(k, st, 'get_user_pages', false, mm, addr, len, true);
}

/** The io_uring VMA scan before 5.14: any file-backed VMA but hugetlbfs is refused. */
function ioCheckBufferVmas(_k: Kernel, st: State, vmas: readonly Vma[]): number {
  for (const vma of vmas) {
    if (vmaHasFile(vma) && !vmaIsHugetlbFile(vma)) {
      st.why(`io_uring: file-backed VMA ${hex(vma.start)} (${vma.fs ?? vma.backing}) -> -EOPNOTSUPP`);
      return err('EOPNOTSUPP');
    }
  }
  return 0;
}

/** Before v6.3 every page is its own bvec. */
function ioCoalesceBuffer(_k: Kernel, _st: State, pfns: number[]): number[] {
  return pfns;
}

/** io_buffer_account_pin(). */
function ioAccountPin(_k: Kernel, st: State, mm: number, pfns: readonly number[]): number {
  const seen = new Set<string>();
  for (const b of st.data.ioUring.get(mm) ?? []) {
    for (const p of b.pfns) {
      const f = st.folioOf(p);
      if (f && folioIsLarge(f)) seen.add(f.name);
    }
  }
  let n = 0;
  for (const pfn of pfns) {
    const f = st.folioOf(pfn);
    if (!f || !folioIsLarge(f)) {
      n += 1;
      continue;
    }
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    n += 2 ** f.order;
  }
  return n;
}

/** Whether this version's buffers hold pins (unpin_user_page) or references (put_page). */
export interface IoUringRules {
  pinned: boolean;
}

export function ioUnmapBufferWith(k: Kernel, st: State, buf: RegisteredBuffer, rules: IoUringRules): void {
  for (const pfn of buf.pfns) ioReleasePage(k, st, pfn, rules.pinned);
  // io_unaccount_mem(): user->locked_vm (when ctx->user is set) and mm->pinned_vm.
  if (buf.accounted > 0) {
    if (!st.config.lock_cap) st.addUserLockedVm(-buf.accounted);
    st.addPinnedVm(buf.mm, -buf.accounted);
  }
  buf.pfns = [];
  buf.accounted = 0;
}

function ioUnmapBuffer(k: Kernel, st: State, buf: RegisteredBuffer): void {
  ioUnmapBufferWith(k, st, buf, { pinned: false });
}

/** io_sqe_buffers_register() for one iovec; `pinned` says how to drop references on failure. */
export function ioUringRegisterWith(k: Kernel, st: State, a: IoUringArgs, rules: IoUringRules): CallResult {
  if ((st.data.ioUring.get(a.mm) ?? []).length > 0) {
    st.why('io_uring: buffers already registered -> -EBUSY');
    return { ret: err('EBUSY') };
  }
  if (a.addr === 0 || a.len === 0 || a.len > GIB) {
    st.why('io_uring: io_buffer_validate: NULL base, zero or > 1 GiB length -> -EFAULT');
    return { ret: err('EFAULT') };
  }
  const r = k.ioPinPages(k, st, a.mm, a.addr, a.len);
  if (r.ret !== 0) return { ret: r.ret };
  const pfns = k.ioCoalesceBuffer(k, st, r.pfns);
  const acct = k.ioAccountPin(k, st, a.mm, pfns);
  // io_account_mem(): ctx->user (no CAP_IPC_LOCK) is limited by RLIMIT_MEMLOCK on the user's own
  // locked_vm, not on any mm's; mm->pinned_vm is charged without a limit.
  const locked = st.data.userLockedVm;
  if (!st.config.lock_cap && locked + acct > st.config.memlock_pages) {
    st.why(
      `io_uring: user locked_vm ${locked} + ${acct} > RLIMIT_MEMLOCK (${st.config.memlock_pages}) -> -ENOMEM`,
    );
    for (const pfn of pfns) ioReleasePage(k, st, pfn, rules.pinned);
    return { ret: err('ENOMEM') };
  }
  if (!st.config.lock_cap) st.addUserLockedVm(acct);
  st.addPinnedVm(a.mm, acct);
  st.data.ioUring.set(a.mm, [{ mm: a.mm, addr: a.addr, len: a.len, pfns, accounted: acct }]);
  st.why(`io_uring: registered, ${pfns.length} bvec page(s) pinned, ${acct} page(s) charged`);
  return { ret: 0, pfns };
}

function ioUringRegister(k: Kernel, st: State, a: IoUringArgs): CallResult {
  return ioUringRegisterWith(k, st, a, { pinned: false });
}

/** io_sqe_buffers_unregister(). */
export function ioUringUnregister(k: Kernel, st: State, a: IoUringArgs): CallResult {
  const bufs = st.data.ioUring.get(a.mm);
  if (!bufs || bufs.length === 0) {
    st.why('io_uring: no buffers registered -> -ENXIO');
    return { ret: ENXIO };
  }
  for (const buf of bufs) k.ioUnmapBuffer(k, st, buf);
  st.data.ioUring.delete(a.mm);
  return { ret: 0 };
}

export const ioUringBuffersV5_4: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: 'v5.4',
  subject:
    'io_uring fixed buffers (v5.4): get_user_pages(FOLL_WRITE|FOLL_LONGTERM), file-backed VMAs refused',
  release: 'v5.4',
  summary:
    'get_user_pages(W|LT) then any file-backed VMA but hugetlbfs -> -EOPNOTSUPP (pages released); one reference per page.',
  ops: {
    ioUringRegister,
    ioUringUnregister,
    ioPinPages,
    ioCheckBufferVmas,
    ioCoalesceBuffer,
    ioAccountPin,
    ioUnmapBuffer,
  },
};
