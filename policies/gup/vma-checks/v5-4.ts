/**
 * vma-checks v5.4: the VMA tests GUP applies, as in mm/gup.c of v5.4.
 *
 * Commit: none (baseline). First release: v5.4. Evidence: [S:5.4][S:5.6] facts/pinning.md §1.4
 * and §4 (check_dax_vmas after pinning, -EOPNOTSUPP); check_vma_flags() rejects
 * VM_IO|VM_PFNMAP with -EFAULT in every release read [S:5.19][S:6.5][S:6.19].
 *
 * Kernel functions modelled:
 * - check_vma_flags() (before the VMA's pages are touched): VM_IO|VM_PFNMAP -> -EFAULT;
 *   FOLL_ANON on a non-anonymous VMA -> -EFAULT; FOLL_WRITE without VM_WRITE -> -EFAULT unless
 *   FOLL_FORCE on a COW mapping; a read without VM_READ -> -EFAULT unless FOLL_FORCE and
 *   VM_MAYREAD. arch_vma_access_permitted() (pkeys) is always true here.
 * - check_dax_vmas() (slot checkDaxVmas): after a FOLL_LONGTERM GUP has pinned its pages,
 *   any fs-dax VMA among theirs -> -EOPNOTSUPP (the caller puts every page first).
 * - vma_needs_dirty_tracking() (mm/mmap.c, used from v6.5): defined here because it reads only
 *   the VMA; see vmaNeedsDirtyTracking below for how the model decides it.
 *
 * Source read: 5.4.0 (a GitHub copy of the v5.4 tarball, MrJu/linux-5.4 at its one import
 * commit) mm/gup.c:check_vma_flags() and check_dax_vmas():1375 (fs-dax after pinning); 5.6.4,
 * 5.7.14, 5.8.1, 5.9.1 (GitHub copies of those tarballs) and 5.10.262 mm/gup.c:check_vma_flags()
 * (VM_IO|VM_PFNMAP, FOLL_ANON, then the access tests; no fs-dax, secretmem or hugetlb test) and
 * check_dax_vmas(): unchanged v5.4 .. v5.10, so v5.5 (not read) is bracketed.
 * Later tests in check_vma_flags() are versions of their own: VM_SHADOW_STACK (vma-checks
 * shadow-stack, v6.6; this version ignores the flag, as v5.4 .. v6.5 have none) and FOLL_SPLIT_PMD
 * on hugetlb (split-pmd-hugetlb, v6.15, and the v6.12.118 variant).
 */
import { err } from '../../../src/model/errno.ts';
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupRequest } from '../../../src/model/ops/gup-ops.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import { hex, vmaHas, vmaIsAnonymous, vmaIsFsdax, vmaIsHugetlb, vmaIsShmem } from '../../mm-primitives.ts';

/**
 * The access checks every version shares (the tail of check_vma_flags()). `hugetlbForceWrite`
 * false: "hugetlb does not support FOLL_FORCE|FOLL_WRITE" -> -EFAULT (f347454d0341, v6.2-rc1 .. the
 * release before hugetlb-foll-force, v6.14). `shadowStack` true: a VM_SHADOW_STACK VMA counts as
 * not writable for a GUP write (vma-checks shadow-stack, v6.6); before it the flag is ignored.
 */
export function checkAccess(
  st: State,
  vma: Vma,
  flags: FollFlags,
  hugetlbForceWrite = true,
  shadowStack = false,
): number {
  // Only a refusal names the VMA: most calls pass and build no text.
  const at = (): string => `VMA ${hex(vma.start)}-${hex(vma.end)}`;
  if (flags.has('FOLL_WRITE')) {
    const shstk = shadowStack && vmaHas(vma, 'VM_SHADOW_STACK');
    if (!vmaHas(vma, 'VM_WRITE') || shstk) {
      if (!flags.has('FOLL_FORCE')) {
        st.why(
          shstk
            ? `check_vma_flags: FOLL_WRITE on shadow-stack ${at()} -> -EFAULT`
            : `check_vma_flags: FOLL_WRITE on read-only ${at()} -> -EFAULT`,
        );
        return err('EFAULT');
      }
      if (!hugetlbForceWrite && vmaIsHugetlb(vma)) {
        st.why(`check_vma_flags: FOLL_FORCE|FOLL_WRITE on read-only hugetlb ${at()} -> -EFAULT`);
        return err('EFAULT');
      }
      if (!isCowMappingFlags(vma.flags)) {
        st.why(`check_vma_flags: FOLL_FORCE write to a non-COW read-only ${at()} -> -EFAULT`);
        return err('EFAULT');
      }
    }
  } else if (!vmaHas(vma, 'VM_READ')) {
    if (!flags.has('FOLL_FORCE') || !vmaHas(vma, 'VM_MAYREAD')) {
      st.why(`check_vma_flags: read of unreadable ${at()} -> -EFAULT`);
      return err('EFAULT');
    }
  }
  return 0;
}

/** The head of check_vma_flags() in every version: VM_IO|VM_PFNMAP and FOLL_ANON. */
export function checkIoPfnmap(st: State, vma: Vma, flags: FollFlags): number {
  if (vmaHas(vma, 'VM_IO') || vmaHas(vma, 'VM_PFNMAP')) {
    st.why(`check_vma_flags: VM_IO|VM_PFNMAP VMA ${hex(vma.start)} -> -EFAULT`);
    return err('EFAULT');
  }
  if (flags.has('FOLL_ANON') && !vmaIsAnonymous(vma)) {
    st.why('check_vma_flags: FOLL_ANON on a non-anonymous VMA -> -EFAULT');
    return err('EFAULT');
  }
  return 0;
}

function checkVmaFlags(_k: Kernel, st: State, vma: Vma, flags: FollFlags): number {
  return checkIoPfnmap(st, vma, flags) || checkAccess(st, vma, flags);
}

/** check_dax_vmas(): FOLL_LONGTERM pins of fs-dax memory are refused after the fact. */
function checkDaxVmas(_k: Kernel, st: State, req: GupRequest, vmas: readonly Vma[]): number {
  if (!req.flags.has('FOLL_LONGTERM')) return 0;
  if (vmas.some(vmaIsFsdax)) {
    st.why('check_dax_vmas: FOLL_LONGTERM on an fs-dax VMA -> put all pages, -EOPNOTSUPP');
    return err('EOPNOTSUPP');
  }
  return 0;
}

/** Filesystems whose shared mappings have a ->page_mkwrite (or whose bdi writes back). */
const WRITEBACK_FS = new Set(['ext4', 'xfs', 'btrfs', 'fuse', 'ramfs']);

/**
 * vma_needs_dirty_tracking(): shared and writable, and either the vm_ops have page_mkwrite /
 * pfn_mkwrite or the file's backing device writes back. The model reads `ops=` when the trace
 * gives it, and otherwise decides by filesystem: ext4, xfs, btrfs, fuse have page_mkwrite;
 * ramfs maps with generic_file_vm_ops, which has filemap_page_mkwrite [S:6.18.2, io-uring.md];
 * tmpfs/shmem and hugetlbfs have neither page_mkwrite nor writeback; a file VMA with no `fs=` is
 * taken to be on a writeback filesystem.
 */
function vmaNeedsDirtyTracking(_k: Kernel, _st: State, vma: Vma): boolean {
  if (!(vmaHas(vma, 'VM_SHARED') && vmaHas(vma, 'VM_WRITE'))) return false;
  if (vma.ops.includes('page_mkwrite') || vma.ops.includes('pfn_mkwrite')) return true;
  if (vmaIsShmem(vma) || vmaIsHugetlb(vma) || vmaHas(vma, 'VM_PFNMAP')) return false;
  if (vma.fs !== undefined) return WRITEBACK_FS.has(vma.fs);
  return vma.backing === 'file' || vma.backing === 'fsdax';
}

export const vmaChecksV5_4: FamilyVersion = {
  family: 'vma-checks',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'check_vma_flags() and check_dax_vmas() (v5.4)',
  release: 'v5.4',
  summary:
    'VM_IO/VM_PFNMAP and FOLL_WRITE on a read-only VMA -> -EFAULT before pinning; fs-dax checked after a FOLL_LONGTERM pin (-EOPNOTSUPP, pages put).',
  ops: { checkVmaFlags, checkDaxVmas, vmaNeedsDirtyTracking },
};
