/**
 * gup-core v5.4: the machinery every GUP path runs through, as in mm/gup.c and mm/memory.c of
 * v5.4 (5.4.214 read for the facts).
 *
 * Commit: none (baseline). First release: v5.4.
 *
 * Kernel functions modelled:
 * - the `gup` and `release` entry points: the exported API (through k.gupApi, family gup-args) and
 *   unpin_user_page(s)/unpin_user_pages_dirty_lock/put_page on the pages an earlier call returned;
 * - __get_user_pages(): per page, find_extend_vma() + check_vma_flags() when the VMA changes,
 *   follow_page_mask(), faultin_page() on NULL/-EMLINK, and the "i ? i : ret" partial return;
 * - should_force_cow_break() as the constant false (slot shouldForceCowBreak: only v5.8 has it,
 *   family unshare 17839856fd58), asked per page before following and by GUP-fast for R/O
 *   entries;
 * - follow_page_pte(): can_follow_write_pte(), vm_normal_page() (k.vmNormalPage, the pte side),
 *   the zero-pfn special case (`if (is_zero_pfn(pte_pfn(pte))) page = pte_page(pte)`),
 *   follow_pfn_pte()'s -EFAULT, gup_must_unshare() (k.gupMustUnshare, family unshare) on R/O
 *   entries, try_grab_page() (k.tryGrabPage, family pin-accounting, told the grab path:
 *   `hugetlb-walk` on a hugetlb VMA, whose grab until v6.5 is follow_hugetlb_page()'s, else
 *   `follow-page`), FOLL_TOUCH dirtying;
 *   follow_trans_huge_pmd() / follow_huge_pmd() / follow_huge_pud() for huge entries;
 * - handle_mm_fault(): do_anonymous_page() (read fault maps the shared zero page special, unless
 *   mm_forbids_zeropage; otherwise a new exclusive anon page), do_read_fault()/do_shared_fault()
 *   (a page-cache page), do_cow_fault() (an anon copy), hugetlb_fault() (a PMD-sized hugetlb
 *   page), do_wp_page() (reuse of an exclusive anon page, wp_page_copy() for the zero page, shared
 *   or page-cache pages, wp_page_shared() for shared mappings) and FAULT_FLAG_UNSHARE.
 *
 * What changes in later kernels but is folded here (no observable difference for pinbench):
 * can_follow_write_pte() is modelled with the v6.0 rule (FOLL_FORCE may write through a R/O PTE
 * of an exclusive anon page in a private mapping) rather than v5.4's FOLL_COW + pte_dirty; both
 * let a FOLL_FORCE write proceed after the COW fault, which is all the model needs.
 *
 * Simplifications:
 * - GUP-fast (gupFastFallback, for get_user_pages_fast()/pin_user_pages_fast()):
 *   internal_get_user_pages_fast() pins what lockless_pages_from_mm() could, then calls
 *   __gup_longterm_unlocked() (k.gupLongtermLocked) for the rest and, if that fails, returns the
 *   pages GUP-fast pinned (5.10.262 mm/gup.c:2759-2777, 6.1.192 :3065-3083). The lockless walk
 *   stops at special PTEs (the zero page), devmap PTEs (5.10.262 :2186 bails under
 *   FOLL_LONGTERM; the model always leaves them to the slow path), R/O PTEs under FOLL_WRITE or
 *   that must be unshared (6.12.118 :2993), writable long-term pins of file-backed pages
 *   (gup_fast_folio_allowed(), 6.12.118 :2833, 7.2.13 :2744; the model stops there in every
 *   release, the slow path answering the same) and grabs the release refuses there (slot
 *   tryGrabFolioFast, family pin-accounting). Simplifications: the model's lockless walk also
 *   leaves hugetlb, pfnmap/mixedmap/fs-dax/secretmem VMAs to the slow path; the mm's
 *   write_protect_seq recheck and the fast path's own WARN_ON_ONCE on a bad refcount are not
 *   modelled;
 * - the grab is told its path (GrabPath): `hugetlb-walk`, `follow-pmd` (PMD/PUD entries:
 *   try_grab_page() in 5.10.262 mm/huge_memory.c:1007,1175,1364 and 6.1.192 :1088,1248,1481;
 *   try_grab_folio() in 6.12.118 mm/gup.c:748 and mm/huge_memory.c:1611, 7.2.13 mm/gup.c:731;
 *   none of them tests FOLL_LONGTERM) and `follow-page` (PTEs: 5.10.262 mm/gup.c:492, 6.1.192
 *   :644, 6.12.118 :913, 7.2.13 :858);
 * - the mmap lock, VM_FAULT_RETRY and fatal signals are not modelled (no -EINTR);
 * - faults allocate order-0 pages at PTE level, except hugetlb VMAs (one PMD-sized hugetlb
 *   folio); no THP is allocated on fault and a COW of a PMD-mapped THP is not modelled (-EFAULT
 *   with a why step saying so);
 * - a page-cache page allocated by a fault holds the page cache's reference as its baseline; a
 *   COW of a private file mapping allocates only the anon copy (the page-cache page it was
 *   copied from is not modelled);
 * - an anon page whose PTE is R/O is reused by a write/unshare fault when it is marked
 *   `exclusive` or mapped at most once (the kernel's reuse test differs per release);
 * - a huge zero folio (a PMD entry of the zero pfn) is followed as the zero page itself;
 * - pages=0 calls grab nothing (the kernel VM_BUG_ONs a FOLL_PIN without pages).
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { MadviseArgs } from '../../../src/model/events.ts';
import type { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type {
  FaultRequest,
  FollowResult,
  GrabPath,
  GupRequest,
  GupResult,
} from '../../../src/model/ops/gup-ops.ts';
import { type CallResult, UNSUPPORTED } from '../../../src/model/outcome.ts';
import {
  allocPages,
  allocSurplusHugetlb,
  dequeueHugetlb,
  hugetlbSizeOf,
  movableRequest,
  placementMt,
} from '../../../src/model/page-alloc.ts';
import {
  type Entry,
  type Folio,
  PAGE_SIZE,
  PMD_SIZE,
  type State,
  type Vma,
} from '../../../src/model/state.ts';
import {
  addFlag,
  ensureFolio,
  errText,
  folioIsAnon,
  hex,
  mapFolio,
  vmaHas,
  vmaIsAnonymous,
  vmaIsHugetlb,
  vmaIsShmem,
  withFlags,
} from '../../mm-primitives.ts';

/** Follow/fault rounds for one page before the model gives up (the kernel loops until it sticks). */
export const FOLLOW_ROUNDS = 4;

// ---- entry points ---------------------------------------------------------------------------------

function gup(k: Kernel, st: State, name: Parameters<Kernel['gup']>[2], a: Parameters<Kernel['gup']>[3]) {
  if (!k.apiSupported(k, st, name)) {
    st.why(`${name}() does not exist in this release`);
    return UNSUPPORTED;
  }
  const res = k.gupApi(k, st, name, a);
  return res.pfns.length > 0 ? { ret: res.ret, pfns: res.pfns } : { ret: res.ret };
}

function release(
  k: Kernel,
  st: State,
  name: Parameters<Kernel['release']>[2],
  a: Parameters<Kernel['release']>[3],
): CallResult {
  if (!k.apiSupported(k, st, name)) {
    st.why(`${name}() does not exist in this release`);
    return UNSUPPORTED;
  }
  // `of=` was resolved by the dispatcher (replay bookkeeping, src/model/dispatch.ts).
  const { pfns, longterm } = a;
  for (const pfn of pfns) {
    if (name === 'put_page') {
      const folio = st.folioOf(pfn);
      if (folio) k.putPage(k, st, folio);
    } else {
      k.unpinUserPage(k, st, pfn, name === 'unpin_user_pages_dirty_lock' && a.makeDirty);
    }
    if (longterm ?? st.data.longterm.has(pfn)) st.noteLongterm(pfn, -1);
  }
  return { ret: 0 };
}

// ---- __get_user_pages ------------------------------------------------------------------------------

function getUserPages(k: Kernel, st: State, req: GupRequest): GupResult {
  // __get_user_pages_locked(): a pages[] array means the caller gets references.
  let flags: FollFlags = req.flags;
  if (req.pages && !flags.has('FOLL_PIN')) flags = flags.with('FOLL_GET');
  if (!req.pages) flags = flags.without('FOLL_GET').without('FOLL_PIN');
  const pfns: number[] = [];
  let done = 0;
  let ret = 0;
  let vma: Vma | undefined;
  for (let i = 0; i < req.nrPages; i++) {
    const addr = req.start + i * PAGE_SIZE;
    if (!vma || addr < vma.start || addr >= vma.end) {
      vma = st.findVma(req.mm, addr);
      if (!vma) {
        st.why(`no VMA at ${hex(addr)} -> -EFAULT`);
        ret = err('EFAULT');
        break;
      }
      const e = k.checkVmaFlags(k, st, vma, flags);
      if (e < 0) {
        ret = e;
        break;
      }
    }
    // should_force_cow_break() (v5.8): `foll_flags |= FOLL_WRITE` per page, after
    // check_vma_flags() looked at the caller's gup_flags.
    const foll = k.shouldForceCowBreak(k, st, vma, flags) ? withFlags(flags, 'FOLL_WRITE') : flags;
    const r = followOrFault(k, st, req.mm, vma, addr, foll);
    if (r < 0) {
      ret = r;
      break;
    }
    if (req.pages && (flags.has('FOLL_GET') || flags.has('FOLL_PIN'))) pfns.push(r);
    done++;
  }
  if (done > 0) {
    if (ret < 0) st.why(`stopped after ${done} page(s) by ${errText(ret)}: returns ${done}`);
    return { ret: done, pfns };
  }
  return { ret: req.nrPages <= 0 ? 0 : ret, pfns };
}

// ---- GUP-fast ----------------------------------------------------------------------------------------

/**
 * VMAs the model's GUP-fast leaves to the slow path. GUP-fast never looks at a VMA; these are
 * mapped by entries it refuses (special or devmap entries: pfnmap, mixedmap, fs-dax), pages it
 * refuses (secretmem, 6.12.118 mm/gup.c:gup_fast_folio_allowed()), or walks the model does not
 * do locklessly (hugetlb: the slow path's hugetlb walk decides; VM_IO).
 */
function fastWalkable(vma: Vma): boolean {
  if (vmaHas(vma, 'VM_IO') || vmaHas(vma, 'VM_PFNMAP') || vmaHas(vma, 'VM_MIXEDMAP')) return false;
  if (vmaIsHugetlb(vma)) return false;
  return vma.backing === 'anon' || vma.backing === 'file' || vma.backing === 'shmem';
}

/**
 * lockless_pages_from_mm(): the pages GUP-fast grabs from `req.start` on, stopping at the first
 * it may not take (then the slow path takes over from there): no entry, a special or devmap
 * entry, the zero page, a R/O entry under FOLL_WRITE or one that must be unshared
 * (gup_must_unshare(NULL, ...), 6.12.118 mm/gup.c:2993), a writable long-term pin of a
 * file-backed page (gup_fast_folio_allowed() from v6.5; the model stops there in every release,
 * where the slow path gives the same answer), or a grab tryGrabFolioFast refuses. Without
 * CONFIG_ARCH_HAS_PTE_SPECIAL (`pte_special=0`) the PTE walk is a stub and nothing is grabbed.
 */
function locklessPages(k: Kernel, st: State, req: GupRequest): number[] {
  const out: number[] = [];
  if (!req.pages || !st.config.pte_special) return out;
  const flags = req.flags.has('FOLL_PIN') ? req.flags : withFlags(req.flags, 'FOLL_GET');
  for (let i = 0; i < req.nrPages; i++) {
    const addr = req.start + i * PAGE_SIZE;
    const vma = st.findVma(req.mm, addr);
    const entry = st.entryAt(req.mm, addr);
    if (!vma || !fastWalkable(vma) || !entry) break;
    if (entry.special || entry.devmap || st.isZeroPfn(entry.pfn)) break;
    if (flags.has('FOLL_WRITE') && !entry.write) break;
    // v5.8 walks with `gup_flags | FOLL_WRITE` (internal_get_user_pages_fast()): R/O entries go
    // to the slow path. The model asks the slow path's predicate for this VMA; where it says no
    // (not a COW mapping) the slow path takes the same R/O page.
    if (!entry.write && k.shouldForceCowBreak(k, st, vma, flags)) break;
    // A shadow-stack PTE (Write=0, Dirty=1) is pte_write() but fails x86's
    // __pte_access_permitted() for a write (6.12.118 arch/x86/include/asm/pgtable.h:1697-1702).
    if (flags.has('FOLL_WRITE') && vmaHas(vma, 'VM_SHADOW_STACK')) break;
    const pfn = st.pfnAt(req.mm, addr)!;
    const folio = st.folioOf(pfn);
    if (!folio?.valid || st.isZeroPfn(folio.pfn)) break;
    if (!entry.write && k.gupMustUnshare(k, st, vma, flags, folio)) break;
    if (
      flags.has('FOLL_LONGTERM') &&
      flags.has('FOLL_WRITE') &&
      !folioIsAnon(folio) &&
      folio.kind !== 'shmem'
    )
      break;
    if (!k.tryGrabFolioFast(k, st, folio, flags)) break;
    out.push(pfn);
  }
  return out;
}

/** internal_get_user_pages_fast() (5.10.262 mm/gup.c:2759-2777, 6.1.192 :3065-3083). */
function gupFastFallback(k: Kernel, st: State, req: GupRequest): GupResult {
  const fast = locklessPages(k, st, req);
  if (fast.length > 0) {
    st.why(`GUP-fast grabbed ${fast.length} of ${req.nrPages} page(s)`);
    if (req.flags.has('FOLL_LONGTERM')) for (const pfn of fast) st.noteLongterm(pfn, 1);
  }
  if (fast.length === req.nrPages) return { ret: fast.length, pfns: fast };
  const rest = k.gupLongtermLocked(k, st, {
    ...req,
    start: req.start + fast.length * PAGE_SIZE,
    nrPages: req.nrPages - fast.length,
  });
  if (typeof rest.ret !== 'number') return rest;
  if (rest.ret < 0) {
    if (fast.length === 0) return rest;
    st.why(`slow path ${errText(rest.ret)}: returns the ${fast.length} page(s) GUP-fast pinned`);
    return { ret: fast.length, pfns: fast };
  }
  return { ret: fast.length + rest.ret, pfns: [...fast, ...rest.pfns] };
}

/** One page of __get_user_pages(): follow, fault on NULL/-EMLINK, follow again. Pfn or -errno. */
function followOrFault(k: Kernel, st: State, mm: number, vma: Vma, addr: number, flags: FollFlags): number {
  let foll = flags;
  for (let round = 0; round < FOLLOW_ROUNDS; round++) {
    const r: FollowResult = k.followPageMask(k, st, mm, vma, addr, foll);
    if (r.kind === 'page') return r.pfn;
    if (r.kind === 'error') return r.ret;
    if (foll.has('FOLL_NOFAULT')) {
      st.why('FOLL_NOFAULT: would fault -> -EFAULT');
      return err('EFAULT');
    }
    const fault: FaultRequest = {
      write: foll.has('FOLL_WRITE') && !r.unshare,
      unshare: r.unshare,
      force: foll.has('FOLL_FORCE'),
    };
    const fr = k.handleMmFault(k, st, mm, vma, addr, fault);
    if (fr < 0) return fr;
    foll = withFlags(foll, 'FOLL_TRIED');
  }
  st.why(`${hex(addr)}: still no page after ${FOLLOW_ROUNDS} faults -> -EFAULT (model bound)`);
  return err('EFAULT');
}

// ---- follow_page_mask / follow_page_pte ----------------------------------------------------------

function canFollowWritePte(
  _k: Kernel,
  _st: State,
  vma: Vma,
  entry: Entry,
  folio: Folio | undefined,
  flags: FollFlags,
): boolean {
  if (entry.write) return true;
  // FOLL_FORCE may write through a R/O entry once COW gave this mapping its own anon page.
  return (
    flags.has('FOLL_FORCE') &&
    !vmaHas(vma, 'VM_SHARED') &&
    folio !== undefined &&
    folioIsAnon(folio) &&
    folio.flags.includes('exclusive')
  );
}

function followPageMask(
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma,
  addr: number,
  flags: FollFlags,
): FollowResult {
  const entry = st.entryAt(mm, addr);
  if (!entry) {
    // no_page_table(): FOLL_DUMP skips holes that would read as zeroes.
    if (flags.has('FOLL_DUMP') && vmaIsAnonymous(vma)) return { kind: 'error', ret: err('EFAULT') };
    st.why(`${hex(addr)}: no entry -> fault in`);
    return { kind: 'fault', unshare: false };
  }
  const write = flags.has('FOLL_WRITE');
  let pfn: number | null;
  if (entry.level === 'pte') {
    if (write && !k.canFollowWritePte(k, st, vma, entry, st.folioOf(entry.pfn), flags)) {
      st.why(`${hex(addr)}: R/O PTE and FOLL_WRITE -> write fault`);
      return { kind: 'fault', unshare: false };
    }
    pfn = k.vmNormalPage(k, st, vma, addr, entry, 'pte');
    if (pfn === null) {
      if (flags.has('FOLL_DUMP')) return { kind: 'error', ret: err('EFAULT') };
      if (st.isZeroPfn(entry.pfn)) {
        pfn = entry.pfn;
        st.why('vm_normal_page() NULL, zero pfn -> the zero page');
      } else if (
        (flags.has('FOLL_GET') || flags.has('FOLL_PIN')) &&
        k.pteDevmap(k, st, entry) &&
        st.folioOf(entry.pfn)
      ) {
        // 5.10.262 .. 6.12.118 follow_page_pte(): `if (!page && pte_devmap(pte) && (flags &
        // (FOLL_GET | FOLL_PIN)))` -> get_dev_pagemap(), page = pte_page(pte). (The pgmap
        // lookup is taken to succeed for a declared page.)
        pfn = entry.pfn;
        st.why('vm_normal_page() NULL, pte_devmap with FOLL_GET|FOLL_PIN -> get_dev_pagemap: the page');
      } else {
        st.why(`vm_normal_page() NULL for pfn ${hex(entry.pfn)} -> follow_pfn_pte: -EFAULT`);
        return { kind: 'error', ret: err('EFAULT') };
      }
    }
  } else {
    const folio0 = st.folioOf(entry.pfn);
    if (write && !k.canFollowWritePte(k, st, vma, entry, folio0, flags)) {
      st.why(`${hex(addr)}: R/O ${entry.level.toUpperCase()} and FOLL_WRITE -> write fault`);
      return { kind: 'fault', unshare: false };
    }
    if (st.isZeroPfn(entry.pfn)) {
      st.why('huge zero folio: followed as the zero page');
      pfn = entry.pfn;
    } else if (entry.special) {
      st.why(`special ${entry.level.toUpperCase()} entry: no struct page -> -EFAULT`);
      return { kind: 'error', ret: err('EFAULT') };
    } else {
      pfn = st.pfnAt(mm, addr)!;
    }
  }
  const folio = ensureFolio(st, pfn);
  if (!entry.write && k.gupMustUnshare(k, st, vma, flags, folio)) {
    st.why(`${st.pageName(pfn)}: must unshare -> -EMLINK, unshare fault`);
    return { kind: 'fault', unshare: true };
  }
  if (flags.has('FOLL_GET') || flags.has('FOLL_PIN')) {
    const g = k.tryGrabPage(k, st, folio, flags, grabPath(vma, entry));
    if (g < 0) return { kind: 'error', ret: g };
  }
  if (flags.has('FOLL_TOUCH') && write && !entry.dirty) addFlag(folio, 'dirty');
  return { kind: 'page', pfn };
}

/**
 * The path a grab happens on: the hugetlb walk for a hugetlb VMA (follow_hugetlb_page() until
 * v6.4), follow_trans_huge_pmd()/follow_devmap_pmd()/follow_huge_pud() (6.12: follow_huge_pmd(),
 * follow_huge_pud()) for a PMD or PUD entry of any other VMA, follow_page_pte() for a PTE.
 */
function grabPath(vma: Vma, entry: Entry): GrabPath {
  if (vmaIsHugetlb(vma)) return 'hugetlb-walk';
  return entry.level === 'pte' ? 'follow-page' : 'follow-pmd';
}

// ---- handle_mm_fault -------------------------------------------------------------------------------

/**
 * A page for a fault: GFP_HIGHUSER_MOVABLE under the task's allocation scope (inside
 * __gup_longterm_locked() PF_MEMALLOC_NOCMA keeps it out of CMA, PF_MEMALLOC_PIN out of
 * ZONE_MOVABLE and CMA). Null: the zones the trace declared have no such page (VM_FAULT_OOM).
 */
function faultPage(st: State, kind: 'anon' | 'thp' | 'shmem' | 'file', order = 0): Folio | null {
  const at = allocPages(st, movableRequest(st, order));
  if (!at) return null;
  return st.allocPage({ kind, order, zone: at.zone, mt: placementMt(at, true), node: at.node });
}

function newAnonPage(st: State, order = 0): Folio | null {
  const f = faultPage(st, order > 0 ? 'thp' : 'anon', order);
  if (!f) return null;
  addFlag(f, 'exclusive');
  addFlag(f, 'swapbacked');
  return f;
}

/**
 * alloc_hugetlb_folio() for a fault: a free pool page (the scope decides which are allowed),
 * else a surplus page while surplus_huge_pages < nr_overcommit_huge_pages. Reservations are not
 * modelled (resv_huge_pages is 0).
 */
function newHugetlbPage(st: State, order: number): Folio | null {
  const size = hugetlbSizeOf(order);
  const at = dequeueHugetlb(st, size, 0) ?? allocSurplusHugetlb(st, size, 0);
  if (!at) return null;
  return st.allocPage({ kind: 'hugetlb', order, zone: at.zone, mt: placementMt(at, true), node: at.node });
}

/** VM_FAULT_OOM from a fault that found no page: -ENOMEM from __get_user_pages(). */
function faultOom(st: State, what: string): number {
  st.why(`${what}: no free page the allocation may take -> VM_FAULT_OOM, -ENOMEM`);
  return err('ENOMEM');
}

function handleMmFault(
  k: Kernel,
  st: State,
  mm: number,
  vma: Vma,
  addr: number,
  fault: FaultRequest,
): number {
  const entry = st.entryAt(mm, addr);
  if (!entry) return faultMissing(st, mm, vma, addr, fault);
  if (fault.unshare) return faultUnshare(k, st, mm, vma, addr, entry);
  if (fault.write) return faultWrite(k, st, mm, vma, addr, entry);
  return 0;
}

/** do_anonymous_page() / do_fault() / hugetlb_no_page(): nothing mapped yet. */
function faultMissing(st: State, mm: number, vma: Vma, addr: number, fault: FaultRequest): number {
  const writable = vmaHas(vma, 'VM_WRITE');
  if (vmaIsHugetlb(vma)) {
    const f = newHugetlbPage(st, 9);
    if (!f) return faultOom(st, 'hugetlb fault');
    f.flags = [];
    if (!vmaHas(vma, 'VM_SHARED')) addFlag(f, 'exclusive');
    mapFolio(st, mm, addr - (addr % PMD_SIZE), f, 'pmd', { write: fault.write && writable });
    st.why(`hugetlb fault: new huge page ${f.name} mapped`);
    return 0;
  }
  if (vmaIsAnonymous(vma)) {
    if (!fault.write && !st.config.forbids_zeropage) {
      mapFolio(st, mm, addr, st.folio('zero')!, 'pte', { write: false, special: true });
      st.why('read fault on anon memory: shared zero page mapped (special, no reference)');
      return 0;
    }
    const f = newAnonPage(st);
    if (!f) return faultOom(st, 'do_anonymous_page');
    mapFolio(st, mm, addr, f, 'pte', { write: writable });
    st.why(
      fault.write
        ? `write fault on anon memory: new anon page ${f.name}`
        : `read fault, mm_forbids_zeropage: new anon page ${f.name}`,
    );
    return 0;
  }
  if (vma.backing === 'pfnmap' || vma.backing === 'mixedmap' || vma.backing === 'fsdax') {
    st.why(`fault in a ${vma.backing} VMA is not modelled -> VM_FAULT_SIGBUS, -EFAULT`);
    return err('EFAULT');
  }
  if (fault.write && !vmaHas(vma, 'VM_SHARED')) {
    const f = newAnonPage(st);
    if (!f) return faultOom(st, 'do_cow_fault');
    mapFolio(st, mm, addr, f, 'pte', { write: writable });
    st.why(`do_cow_fault: private file mapping -> anon copy ${f.name}`);
    return 0;
  }
  const f = faultPage(st, vmaIsShmem(vma) ? 'shmem' : 'file');
  if (!f) return faultOom(st, 'page-cache fault');
  // The page cache holds one reference: that is the page's baseline, not a leak.
  f.refcount = 1;
  f.baseRefcount = 1;
  if (vmaIsShmem(vma)) addFlag(f, 'swapbacked');
  const write = fault.write && writable;
  mapFolio(st, mm, addr, f, 'pte', { write, dirty: write });
  if (write) addFlag(f, 'dirty');
  st.why(`${write ? 'do_shared_fault' : 'do_read_fault'}: page-cache page ${f.name} mapped`);
  return 0;
}

/** wp_page_copy(): a new exclusive anon page replaces whatever was mapped. */
function copyPage(st: State, mm: number, vma: Vma, addr: number, entry: Entry, write: boolean): Folio | null {
  const old = st.folioOf(entry.pfn);
  const huge = entry.level !== 'pte' && old?.kind === 'hugetlb';
  const f = huge ? newHugetlbPage(st, old.order) : newAnonPage(st);
  if (!f) return null;
  if (huge) f.flags = ['exclusive'];
  const level = huge ? entry.level : 'pte';
  const base = huge ? addr - (addr % PMD_SIZE) : addr;
  mapFolio(st, mm, base, f, level, { write: write && vmaHas(vma, 'VM_WRITE'), dirty: write });
  return f;
}

function describe(st: State, folio: Folio | undefined): string {
  if (!folio) return 'unknown page';
  if (st.isZeroPfn(folio.pfn)) return 'zero page';
  if (folioIsAnon(folio)) return `anon page ${folio.name}`;
  return `${folio.kind} page ${folio.name}`;
}

/** Anon page that may be reused in place (PageAnonExclusive, or the only mapping of it). */
function reusable(st: State, folio: Folio): boolean {
  if (st.isZeroPfn(folio.pfn)) return false;
  if (!folioIsAnon(folio) && folio.kind !== 'hugetlb') return false;
  return folio.flags.includes('exclusive') || folio.mapcount <= 1;
}

/** do_wp_page() with FAULT_FLAG_UNSHARE. */
function faultUnshare(_k: Kernel, st: State, mm: number, vma: Vma, addr: number, entry: Entry): number {
  const folio = st.folioOf(entry.pfn);
  if (folio && reusable(st, folio)) {
    addFlag(folio, 'exclusive');
    st.why(`unshare fault: ${describe(st, folio)} mapped only here -> reused, marked exclusive`);
    return 0;
  }
  if (entry.level !== 'pte' && folio?.kind !== 'hugetlb') {
    st.why('unshare fault on a PMD-mapped THP is not modelled -> -EFAULT');
    return err('EFAULT');
  }
  const f = copyPage(st, mm, vma, addr, entry, false);
  if (!f) return faultOom(st, 'unshare fault');
  st.why(`unshare fault: ${describe(st, folio)} replaced by new anon page ${f.name} (R/O)`);
  return 0;
}

/** do_wp_page(): write fault on a present, read-only entry. */
function faultWrite(_k: Kernel, st: State, mm: number, vma: Vma, addr: number, entry: Entry): number {
  const folio = st.folioOf(entry.pfn);
  if (vmaHas(vma, 'VM_SHARED')) {
    entry.write = vmaHas(vma, 'VM_WRITE');
    entry.dirty = true;
    if (folio) addFlag(folio, 'dirty');
    st.why(`write fault on a shared mapping: page_mkwrite, ${describe(st, folio)} made writable`);
    return 0;
  }
  if (folio && reusable(st, folio)) {
    entry.write = vmaHas(vma, 'VM_WRITE');
    entry.dirty = true;
    addFlag(folio, 'exclusive');
    st.why(`write fault: ${describe(st, folio)} is exclusive -> reused`);
    return 0;
  }
  if (entry.level !== 'pte' && folio?.kind !== 'hugetlb') {
    st.why('COW of a PMD-mapped THP is not modelled -> -EFAULT');
    return err('EFAULT');
  }
  const f = copyPage(st, mm, vma, addr, entry, true);
  if (!f) return faultOom(st, 'wp_page_copy');
  st.why(`write fault: COW of the ${describe(st, folio)} -> new anon page ${f.name}`);
  return 0;
}

/** madvise(): before v5.14 no advice runs GUP; MADV_POPULATE_* is unknown advice (-EINVAL). */
function madvise(_k: Kernel, st: State, a: MadviseArgs): CallResult {
  st.why(`${a.advice} is unknown advice before v5.14 (madvise_behavior_valid) -> -EINVAL`);
  return { ret: err('EINVAL') };
}

function putPage(_k: Kernel, st: State, folio: Folio): void {
  st.addRef(folio, -1);
}

export const gupCoreV5_4: FamilyVersion = {
  family: 'gup-core',
  module: import.meta.url,
  id: 'v5.4',
  subject: 'get_user_pages() core: page walk, faults, entry points (v5.4)',
  release: 'v5.4',
  summary:
    'Per-page loop of __get_user_pages(): check_vma_flags, follow_page_pte (zero pfn special case), faults (zero page on read, COW/unshare to new anon pages), grab.',
  ops: {
    gup,
    release,
    getUserPages,
    gupFastFallback,
    followPageMask,
    canFollowWritePte,
    shouldForceCowBreak: () => false,
    handleMmFault,
    putPage,
    madvise,
  },
};
