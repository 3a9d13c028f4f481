/**
 * io-uring-buffers edd478269640: "io_uring/rsrc: disallow multi-source reg buffers" (Pavel
 * Begunkov), first release v6.3 (6.3-rc1; also taken into 6.1.y and 6.2.y stable, which pinbench's
 * mainline v6.1/v6.2 do not model). Evidence: facts/io-uring.md §1-§2 [S:6.3.8][S:6.1.158], the
 * stable diff seen on the list [L].
 *
 * Kernel function modelled: the VMA scan after pinning: a page whose VMA has a different vm_file
 * from the first page's -> -EINVAL; otherwise as before (shmem fine, other files but hugetlbfs
 * -EOPNOTSUPP).
 *
 * What changed from io-uring-buffers shmem-exempt: a buffer spanning VMAs of different sources
 * (anon + hugetlb, two files) is refused with -EINVAL. Reverted by 3c85cc43c8e7 (v6.4).
 *
 * Simplification: vm_file identity is approximated: private anon has none; file VMAs compare by
 * backing, filesystem and start address (two VMAs of one file compare as different).
 *
 * Source read: 6.1.192 io_uring/rsrc.c:io_sqe_buffer_register() has the check (`if
 * (vmas[i]->vm_file != file) { ret = -EINVAL; break; }`), backported to 6.1.y: the stable id
 * v6.1.192. First release v6.3, bracketed by sources read: 6.2.1 (a GitHub copy of that tarball)
 * io_uring/rsrc.c:io_sqe_buffer_register():1201 has only the per-VMA file test (:1169-1175);
 * 6.3.8 (SToPire/linux-6.3.8 root commit) io_sqe_buffer_register():1205 takes
 * `struct file *file = vmas[0]->vm_file;` (:1166) and refuses `vmas[i]->vm_file != file` with
 * -EINVAL (:1170-1171) before the shmem/hugetlbfs test (:1176).
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { vmaHasFile } from '../../mm-primitives.ts';
import { fileBackedRefused, ioUringBuffersShmemExempt } from './shmem-exempt.ts';

function vmFile(vma: Vma): string | null {
  return vmaHasFile(vma) ? `${vma.backing}/${vma.fs ?? ''}/${vma.start}` : null;
}

function ioCheckBufferVmas(_k: Kernel, st: State, vmas: readonly Vma[]): number {
  const first = vmas[0] ? vmFile(vmas[0]) : null;
  for (const vma of vmas) {
    if (vmFile(vma) !== first) {
      st.why('io_uring: buffer spans different vm_files -> -EINVAL (edd478269640)');
      return err('EINVAL');
    }
    const e = fileBackedRefused(st, vma);
    if (e) return e;
  }
  return 0;
}

export const ioUringBuffersEdd478269640: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: 'edd478269640',
  commit: 'edd478269640',
  subject: 'io_uring/rsrc: disallow multi-source reg buffers',
  release: 'v6.3',
  summary: 'A buffer whose pages come from different vm_files -> -EINVAL.',
  ops: { ...ioUringBuffersShmemExempt.ops, ioCheckBufferVmas },
};
