/**
 * vfio-type1 v5.4: VFIO_IOMMU_MAP_DMA / UNMAP_DMA of drivers/vfio/vfio_iommu_type1.c in v5.4.
 *
 * Commit: none (baseline). First release: v5.4. Evidence: [S:5.4] facts/pinning.md §2.1, §2.2
 * and §4 (vfio before 3567813eae5e).
 *
 * Kernel functions modelled:
 * - vfio_dma_do_map(): prot from READ/WRITE (none -> -EINVAL), size/iova/vaddr page aligned
 *   (-EINVAL), an overlapping mapping in the container -> -EEXIST; then vfio_pin_map_dma(); a
 *   failure unwinds everything this map pinned and charged.
 * - vfio_pin_pages_remote() (slot vfioPinPagesRemote), one page at a time: vaddr_get_pfn();
 *   is_invalid_reserved_pfn() decides `rsvd`; a page that is not reserved is charged to the
 *   mm's locked_vm unless CAP_IPC_LOCK (`lock_cap`); going over RLIMIT_MEMLOCK
 *   (`memlock_pages`) -> pr_warn, put_pfn() of that page, -ENOMEM. Reserved pages (the zero
 *   page: kpageflags show `zero_page|reserved`) are mapped but never charged.
 * - vaddr_get_pfn() (slot vfioVaddrGetPfn): the DMA map is "local" when its mm is 1 (the
 *   caller's own): get_user_pages(vaddr, 1, [FOLL_WRITE]|FOLL_LONGTERM); otherwise "remote":
 *   get_user_pages_remote(..., [FOLL_WRITE], locked=NULL) without FOLL_LONGTERM (so a CMA page
 *   stays pinned in CMA; the model still counts the pin as long-term for the final check, since
 *   vfio holds it for the life of the mapping), followed by vfio's own fs-dax test (-EOPNOTSUPP,
 *   put_page). If GUP
 *   fails and the VMA is VM_PFNMAP, follow_pfn(): an invalid/reserved pfn is used unpinned.
 * - put_pfn() (slot vfioPutPfn): not invalid/reserved -> SetPageDirty if WRITE, put_page(), 1;
 *   reserved -> 0, nothing released.
 * - vfio_dma_do_unmap() -> vfio_unmap_unpin(): put_pfn() per page; locked_vm -= pages released.
 *
 * Consequence (the zero-page leak): a R/O map of a zero-page PTE takes a reference on the zero
 * page (+1 here: FOLL_GET) that unmap never drops, and charges nothing.
 *
 * Simplification: one page per vaddr_get_pfn() call (later kernels batch, same outcome); the
 * container's IOMMU is not modelled.
 *
 * Source read: 5.4.0 (a GitHub copy of the v5.4 tarball, MrJu/linux-5.4 at its one import
 * commit) drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfn():338-375: `if (mm == current->mm)
 * get_user_pages(vaddr, 1, flags | FOLL_LONGTERM, ...)` (:352), else
 * `get_user_pages_remote(NULL, mm, vaddr, 1, flags, ...)` (:355, no FOLL_LONGTERM), then
 * `if (ret > 0 && vma_is_fsdax(vmas[0]))` -> put_page(), -EOPNOTSUPP (:364-366), and put_pfn()
 * :326 with put_page(): as modelled. v5.5 was not read (no source for it was found); 5.6.4 has
 * 3567813eae5e and 19fed0dae94d.
 */
import { err } from '../../../src/model/errno.ts';
import type { GupCallName, VfioArgs } from '../../../src/model/events.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { GupResult, VfioPfnResult } from '../../../src/model/ops/gup-ops.ts';
import type { CallResult, RetValue } from '../../../src/model/outcome.ts';
import { type DmaMapping, PAGE_SIZE, type State } from '../../../src/model/state.ts';
import { addFlag, errText, hex, vmaHas, vmaIsFsdax } from '../../mm-primitives.ts';

/** One page through an exported GUP function, the way vfio calls it. */
export function gupOnePage(
  k: Kernel,
  st: State,
  api: GupCallName,
  mm: number,
  vaddr: number,
  flags: FollFlags,
): GupResult {
  st.why(`vfio: ${api}(${hex(vaddr)}, 1, ${flags.listText()})`);
  return k.gupApi(k, st, api, {
    kind: 'gup',
    mm,
    start: vaddr,
    nrPages: 1,
    gupFlags: flags,
    locked: null,
    pages: true,
  });
}

/** The VM_PFNMAP fallback of vaddr_get_pfn(): follow_pfn() and use an invalid/reserved pfn. */
export function pfnmapFallback(
  k: Kernel,
  st: State,
  mm: number,
  vaddr: number,
  write: boolean,
  ret: RetValue,
): VfioPfnResult {
  const vma = st.findVma(mm, vaddr);
  if (vma && vmaHas(vma, 'VM_PFNMAP')) {
    const pfn = k.vfioFollowPfn(k, st, mm, vaddr, write);
    if (pfn >= 0 && k.vfioIsInvalidReservedPfn(k, st, pfn)) {
      st.why(`vfio: VM_PFNMAP, follow_pfn -> ${hex(pfn)} (invalid/reserved, not pinned)`);
      return { ret: 0, pfn, pinned: false };
    }
    // No usable pfn: GUP's error stands (from v5.8 the kernel returns follow_fault_pfn()'s
    // instead, -EFAULT for every entry modelled, as GUP's is on a VM_PFNMAP VMA).
    if (pfn < 0) st.why(`vfio: VM_PFNMAP, follow_pfn -> ${errText(pfn)}`);
  }
  return { ret: ret === 0 ? err('EFAULT') : ret };
}

/**
 * follow_pfn() of v5.4: the pfn of the present entry at `vaddr`, whatever its protection (-EFAULT
 * when none: the fault-in of follow_fault_pfn(), v5.8, is not modelled: declared entries are present).
 */
function vfioFollowPfn(_k: Kernel, st: State, mm: number, vaddr: number, _write: boolean): number {
  return st.pfnAt(mm, vaddr) ?? err('EFAULT');
}

const FOLL_WRITE_ONLY = FollFlags.of('FOLL_WRITE');

function vfioVaddrGetPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): VfioPfnResult {
  const base = write ? FOLL_WRITE_ONLY : FollFlags.EMPTY;
  let r: GupResult;
  if (mm === 1) {
    r = gupOnePage(k, st, 'get_user_pages', mm, vaddr, base.with('FOLL_LONGTERM'));
  } else {
    r = gupOnePage(k, st, 'get_user_pages_remote', mm, vaddr, base);
    const vma = st.findVma(mm, vaddr);
    if (r.ret === 1 && vma && vmaIsFsdax(vma)) {
      st.why('vfio: remote pin of an fs-dax VMA -> put_page, -EOPNOTSUPP');
      const f = st.folioOf(r.pfns[0]!);
      if (f) k.putPage(k, st, f);
      return { ret: err('EOPNOTSUPP') };
    }
  }
  if (r.ret === 1) {
    const pfn = r.pfns[0]!;
    // vfio holds DMA pins for the life of the mapping: long-term in all but name.
    if (mm !== 1) st.noteLongterm(pfn, 1);
    return { ret: 0, pfn, pinned: true };
  }
  if (r.ret === 'livelock' || r.ret === 'BUG') return { ret: r.ret };
  return pfnmapFallback(k, st, mm, vaddr, write, r.ret);
}

function vfioIsInvalidReservedPfn(_k: Kernel, st: State, pfn: number): boolean {
  if (!st.pfnValid(pfn)) return true;
  const f = st.folioOf(pfn);
  return f !== undefined && (f.flags.includes('reserved') || f.kind === 'reserved');
}

/** put_pfn() of v5.4: SetPageDirty + put_page. */
function vfioPutPfn(k: Kernel, st: State, pfn: number, write: boolean): 0 | 1 {
  if (k.vfioIsInvalidReservedPfn(k, st, pfn)) return 0;
  const f = st.folioOf(pfn);
  if (!f) return 0;
  if (write) addFlag(f, 'dirty');
  k.putPage(k, st, f);
  if (st.data.longterm.has(pfn)) st.noteLongterm(pfn, -1);
  return 1;
}

/** Releases what a DmaMapping holds: put_pfn() per page, locked_vm -= released pages. */
export function unpinDma(k: Kernel, st: State, dma: DmaMapping): number {
  let unlocked = 0;
  for (const pfn of dma.pfns) unlocked += k.vfioPutPfn(k, st, pfn, dma.write);
  if (dma.accounted > 0) st.addLockedVm(dma.mm, -dma.accounted);
  dma.accounted = 0;
  dma.pfns = [];
  return unlocked;
}

function vfioPinPagesRemote(
  k: Kernel,
  st: State,
  dma: DmaMapping,
  vaddr: number,
  npage: number,
): { ret: RetValue; pfns: number[]; pinned: number[] } {
  const pinned: number[] = [];
  for (let i = 0; i < npage; i++) {
    const va = vaddr + i * PAGE_SIZE;
    const r = k.vfioVaddrGetPfn(k, st, dma.mm, va, dma.write);
    if (r.ret !== 0 || r.pfn === undefined) {
      if (typeof r.ret === 'number') st.why(`vfio: vaddr_get_pfn(${hex(va)}) -> ${errText(r.ret)}`);
      return { ret: r.ret === 0 ? err('EFAULT') : r.ret, pfns: dma.pfns, pinned };
    }
    const pfn = r.pfn;
    if (k.vfioIsInvalidReservedPfn(k, st, pfn)) {
      st.why(`vfio: ${st.pageName(pfn)} is invalid/reserved -> not accounted`);
    } else {
      const locked = st.mm(dma.mm).lockedVm;
      if (!st.config.lock_cap && locked + 1 > st.config.memlock_pages) {
        st.why(`vfio: locked_vm ${locked} + 1 > RLIMIT_MEMLOCK (${st.config.memlock_pages}) -> -ENOMEM`);
        k.vfioPutPfn(k, st, pfn, dma.write);
        return { ret: err('ENOMEM'), pfns: dma.pfns, pinned };
      }
      st.addLockedVm(dma.mm, 1);
      dma.accounted++;
    }
    dma.pfns.push(pfn);
    if (r.pinned) pinned.push(pfn);
  }
  return { ret: 0, pfns: dma.pfns, pinned };
}

/** vfio_dma_do_map(). */
export function vfioMapDma(k: Kernel, st: State, a: VfioArgs): CallResult {
  if (!a.read && !a.write) {
    st.why('vfio: no READ/WRITE prot -> -EINVAL');
    return { ret: err('EINVAL') };
  }
  if (a.size === 0 || (a.size | a.iova | a.vaddr) % PAGE_SIZE !== 0) {
    st.why('vfio: size/iova/vaddr not page aligned -> -EINVAL');
    return { ret: err('EINVAL') };
  }
  let maps = st.data.containers.get(a.container);
  if (!maps) {
    maps = [];
    st.data.containers.set(a.container, maps);
  }
  if (maps.some((m) => a.iova < m.iova + m.size && m.iova < a.iova + a.size)) {
    st.why('vfio: iova range overlaps an existing mapping -> -EEXIST');
    return { ret: err('EEXIST') };
  }
  const dma: DmaMapping = {
    iova: a.iova,
    size: a.size,
    vaddr: a.vaddr,
    mm: a.mm,
    write: a.write,
    pfns: [],
    accounted: 0,
  };
  const r = k.vfioPinPagesRemote(k, st, dma, a.vaddr, a.size / PAGE_SIZE);
  if (r.ret !== 0) {
    if (dma.pfns.length > 0) st.why(`vfio: map failed -> unwind ${dma.pfns.length} page(s)`);
    unpinDma(k, st, dma);
    return { ret: r.ret };
  }
  maps.push(dma);
  return { ret: 0, pfns: r.pinned };
}

/** vfio_dma_do_unmap(): whole mappings inside [iova, iova + size). */
export function vfioUnmapDma(k: Kernel, st: State, a: VfioArgs): CallResult {
  const maps = st.data.containers.get(a.container) ?? [];
  const hit = maps.filter((m) => m.iova >= a.iova && m.iova + m.size <= a.iova + a.size);
  if (hit.length === 0) st.why('vfio: no mapping in that range: nothing unmapped');
  for (const dma of hit) {
    const held = dma.pfns.length;
    const released = unpinDma(k, st, dma);
    st.why(`vfio: unmap ${hex(dma.iova)}: put_pfn released ${released} of ${held} page(s)`);
  }
  st.data.containers.set(
    a.container,
    maps.filter((m) => !hit.includes(m)),
  );
  return { ret: 0 };
}

export const vfioType1V5_4: FamilyVersion = {
  family: 'vfio-type1',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'vfio type1 DMA map/unmap (v5.4): local get_user_pages vs remote get_user_pages_remote',
  release: 'v5.4',
  summary:
    'Local maps pin with FOLL_LONGTERM, remote ones without (plus vfio fs-dax check); reserved pages (the zero page) are neither accounted nor released (+1 leak per map).',
  ops: {
    vfioMapDma,
    vfioUnmapDma,
    vfioPinPagesRemote,
    vfioVaddrGetPfn,
    vfioPutPfn,
    vfioFollowPfn,
    vfioIsInvalidReservedPfn,
  },
};
