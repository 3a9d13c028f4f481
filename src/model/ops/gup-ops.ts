/**
 * Internal function slots of the GUP side (gup-core, gup-args, vma-checks, unshare,
 * pin-accounting, pinnable, longterm-migrate, vfio-type1, io-uring-buffers). Every slot takes the
 * kernel table `k` first and reaches other slots only through it, so a policy that overrides one
 * slot changes every path that uses it.
 *
 * The slots mirror the kernel's own split of the work, so that a patch replaces one function:
 *
 *   pin_user_pages*()            gupApi            (gup-args: per-API rules, flags added, routing)
 *     is_valid_gup_args()        isValidGupArgs    (gup-args, v6.3+)
 *     __gup_longterm_locked()    gupLongtermLocked (longterm-migrate: the retry loop)
 *       __get_user_pages()       getUserPages      (gup-core: the per-page loop)
 *         check_vma_flags()      checkVmaFlags     (vma-checks)
 *         follow_page_mask()     followPageMask        (gup-core; calls k.vmNormalPage for PTEs)
 *           gup_must_unshare()   gupMustUnshare    (unshare)
 *           try_grab_page()      tryGrabPage       (pin-accounting; path: follow-page)
 *         follow_hugetlb_page()'s grab   tryGrabPage (path: hugetlb-walk, v5.12 .. v6.5 refuses)
 *         faultin_page()         handleMmFault     (gup-core: zero page, COW, unshare faults)
 *       check_and_migrate_*()    checkAndMigrateMovablePages (longterm-migrate)
 *         *_is_longterm_pinnable folioIsLongtermPinnable (pinnable)
 *         migrate_pages()        migratePages -> allocMigrationTarget (longterm-migrate)
 *   unpin_user_page*()           unpinUserPage -> gupPutFolio (pin-accounting)
 *   vfio type1                   vfioPinPagesRemote, vfioVaddrGetPfn, vfioPutPfn, ...
 *   io_uring                     ioPinPages, ioCheckBufferVmas, ioCoalesceBuffer, ioAccountPin
 */
import type { CallName, GupArgs, GupCallName } from '../events.ts';
import type { FlagNumbering, FollFlag } from '../flags.ts';
import type { FollFlags } from '../foll-flags.ts';
import type { Kernel } from '../kernel.ts';
import type { RetValue } from '../outcome.ts';
import type { DmaMapping, Entry, Folio, RegisteredBuffer, State, Vma } from '../state.ts';

/**
 * Where a grab happens: `hugetlb-walk` when __get_user_pages() reached a hugetlb VMA (the walk
 * follow_hugetlb_page() did until v6.5, whose grab is not try_grab_page() in every release),
 * `follow-pmd` for a PMD or PUD entry of any other VMA (follow_trans_huge_pmd(),
 * follow_devmap_pmd(), follow_huge_pud(); 6.12: follow_huge_pmd()), `follow-page` for
 * follow_page_pte(), `gup-fast` for a grab GUP-fast makes (once tryGrabFolioFast let it).
 */
export const GRAB_PATHS = ['hugetlb-walk', 'follow-pmd', 'follow-page', 'gup-fast'] as const;
export type GrabPath = (typeof GRAB_PATHS)[number];

/** One GUP request as it travels inside the kernel: the flags are the effective internal ones. */
export interface GupRequest {
  /** The exported API the request entered through. */
  api: GupCallName;
  mm: number;
  start: number;
  nrPages: number;
  /**
   * Effective gup_flags (the API's additions included: FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE...);
   * an interned value, so adding a flag (is_valid_gup_args()) assigns a new one.
   */
  flags: FollFlags;
  /** null: no `locked` pointer; 0/1: the value `*locked` holds. */
  locked: 0 | 1 | null;
  /** Whether a pages[] array was passed. */
  pages: boolean;
}

/** What a GUP path returns: a count or -errno (or livelock), and the pfns it grabbed, in order. */
export interface GupResult {
  ret: RetValue;
  pfns: number[];
}

/** follow_page_mask(): a page, "no page: fault it in" (NULL), -EMLINK (unshare) or an error. */
export type FollowResult =
  | { kind: 'page'; pfn: number }
  | { kind: 'fault'; unshare: boolean }
  | { kind: 'error'; ret: number };

export interface FaultRequest {
  /** FAULT_FLAG_WRITE. */
  write: boolean;
  /** FAULT_FLAG_UNSHARE (R/O pins that must not pin a possibly shared page). */
  unshare: boolean;
  /** FOLL_FORCE: a write fault on a VMA without VM_WRITE (COW only). */
  force: boolean;
}

/** What vaddr_get_pfn() hands back to vfio: 0 with a pfn, or -errno. */
export interface VfioPfnResult {
  ret: RetValue;
  pfn?: number;
  /** The page holds a GUP reference vfio must drop (false: PFNMAP fallback, or already unpinned). */
  pinned?: boolean;
}

export interface GupOps {
  // ---- gup-core ---------------------------------------------------------------------------------
  /** __get_user_pages(): per page, check the VMA, follow the entry, fault, grab. */
  getUserPages(k: Kernel, st: State, req: GupRequest): GupResult;
  /** follow_page_mask() / follow_page_pte(): the page behind `addr`, or why not. */
  followPageMask(k: Kernel, st: State, mm: number, vma: Vma, addr: number, flags: FollFlags): FollowResult;
  /** can_follow_write_pte(): may a FOLL_WRITE lookup use this read-only entry. */
  canFollowWritePte(
    k: Kernel,
    st: State,
    vma: Vma,
    entry: Entry,
    folio: Folio | undefined,
    flags: FollFlags,
  ): boolean;
  /** faultin_page() -> handle_mm_fault(): 0, or -errno for VM_FAULT_ERROR. */
  handleMmFault(k: Kernel, st: State, mm: number, vma: Vma, addr: number, fault: FaultRequest): number;
  /** put_page(): drop one reference. */
  putPage(k: Kernel, st: State, folio: Folio): void;

  // ---- gup-args ---------------------------------------------------------------------------------
  /**
   * The FOLL_* numbering and internal flags of the release being replayed (mm_types.h and
   * mm/internal.h). Bound by the registry per release, not by a family version: a version reused
   * by later releases decodes flags the way each of those releases does.
   */
  gupFlagNumbering(): FlagNumbering;
  /** The exported GUP functions: per-API checks, internal flags added, routing to the core. */
  gupApi(k: Kernel, st: State, name: GupCallName, a: GupArgs): GupResult;
  /** is_valid_gup_args() (v6.3+): false means the API fails (-EINVAL or 0, per API). */
  isValidGupArgs(k: Kernel, st: State, req: GupRequest, toSet: readonly FollFlag[]): boolean;

  // ---- vma-checks -------------------------------------------------------------------------------
  /** check_vma_flags(): 0 or -errno, before any page of the VMA is touched. */
  checkVmaFlags(k: Kernel, st: State, vma: Vma, flags: FollFlags): number;
  /** Checks run on the VMAs of pinned pages after pinning (check_dax_vmas, <= v5.10): 0 or -errno. */
  checkDaxVmas(k: Kernel, st: State, req: GupRequest, pfnVmas: readonly Vma[]): number;
  /** vma_needs_dirty_tracking(): a shared writable file mapping whose pages must be written back. */
  vmaNeedsDirtyTracking(k: Kernel, st: State, vma: Vma): boolean;

  // ---- unshare ----------------------------------------------------------------------------------
  /** gup_must_unshare(): must this R/O pin fault with FAULT_FLAG_UNSHARE first. */
  gupMustUnshare(k: Kernel, st: State, vma: Vma, flags: FollFlags, folio: Folio): boolean;
  /**
   * should_force_cow_break() (v5.8 only, 17839856fd58 .. a308c71bf1e6): must __get_user_pages()
   * add FOLL_WRITE for this VMA (and GUP-fast take only writable entries), so that a read
   * reference breaks COW first. gup-core provides the constant false every other release has.
   */
  shouldForceCowBreak(k: Kernel, st: State, vma: Vma, flags: FollFlags): boolean;

  // ---- pin-accounting ---------------------------------------------------------------------------
  /** Whether this release exports the API at all (pin_user_pages*, unpin_user_page* from v5.6). */
  apiSupported(k: Kernel, st: State, name: CallName): boolean;
  /**
   * try_grab_page() (try_get_page() before FOLL_PIN), or the grab the release uses on `path`
   * (v5.12 .. v6.5 follow_hugetlb_page(): try_grab_compound_head()/try_grab_folio(), which refuse
   * FOLL_LONGTERM|FOLL_PIN on a page that is not long-term pinnable): 0, or -errno after a WARN.
   */
  tryGrabPage(k: Kernel, st: State, folio: Folio, flags: FollFlags, path: GrabPath): number;
  /**
   * The GUP-fast grab (try_grab_compound_head() / try_grab_folio() / try_grab_folio_fast()):
   * true when the page was grabbed, false when GUP-fast must stop and leave the rest of the
   * range to the slow path (a FOLL_LONGTERM pin of a page the release will not pin there).
   */
  tryGrabFolioFast(k: Kernel, st: State, folio: Folio, flags: FollFlags): boolean;
  /** gup_put_folio(): drop `refs` references taken with these flags (FOLL_PIN or FOLL_GET). */
  gupPutFolio(k: Kernel, st: State, folio: Folio, refs: number, flags: FollFlags): void;
  /** unpin_user_page() / unpin_user_pages_dirty_lock() on one page. */
  unpinUserPage(k: Kernel, st: State, pfn: number, makeDirty: boolean): void;

  // ---- pinnable ---------------------------------------------------------------------------------
  /** The family `pinnable`: is this folio long-term pinnable (is_pinnable_page & successors). */
  folioIsLongtermPinnable(k: Kernel, st: State, folio: Folio): boolean;

  // ---- longterm-migrate -------------------------------------------------------------------------
  /**
   * internal_get_user_pages_fast() / gup_fast_fallback(): GUP-fast over the range as far as it
   * goes, then __gup_longterm_unlocked() (k.gupLongtermLocked) for the rest; an error there
   * returns the pages GUP-fast pinned, if any.
   */
  gupFastFallback(k: Kernel, st: State, req: GupRequest): GupResult;
  /** __gup_longterm_locked(): plain GUP, or GUP plus the FOLL_LONGTERM migrate-and-retry loop. */
  gupLongtermLocked(k: Kernel, st: State, req: GupRequest): GupResult;
  /**
   * check_and_migrate_cma_pages() / check_and_migrate_movable_pages() on the pages GUP returned.
   * The meaning of the number is the version's own (see each version's header): a count, the
   * "retry" value of the era (0 or -EAGAIN), or -errno.
   */
  checkAndMigrateMovablePages(k: Kernel, st: State, req: GupRequest, res: GupResult): GupResult;
  /** isolate_lru_page() / isolate_hugetlb(): can the folio be taken off its list for migration. */
  isolateFolio(k: Kernel, st: State, folio: Folio): boolean;
  /** migrate_pages(): move each folio to a new page outside ZONE_MOVABLE/CMA; count of failures. */
  migratePages(k: Kernel, st: State, folios: readonly Folio[]): number;
  /**
   * The migration target callback: new_non_cma_page() (v5.4) / alloc_migration_target() (v5.9+)
   * under the allocation scope in force. A new folio, or null when nothing can be allocated
   * (migrate_pages() then counts the folio as failed).
   */
  allocMigrationTarget(k: Kernel, st: State, src: Folio): Folio | null;

  // ---- vfio-type1 -------------------------------------------------------------------------------
  /** vfio_pin_pages_remote(): pin `npage` pages from `vaddr`, with RLIMIT_MEMLOCK accounting. */
  vfioPinPagesRemote(
    k: Kernel,
    st: State,
    dma: DmaMapping,
    vaddr: number,
    npage: number,
  ): { ret: RetValue; pfns: number[]; pinned: number[] };
  /** vaddr_get_pfn(s)(): one page of the DMA range, through GUP or the PFNMAP fallback. */
  vfioVaddrGetPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): VfioPfnResult;
  /** put_pfn(): 1 when the page was released, 0 for invalid/reserved pfns (never released). */
  vfioPutPfn(k: Kernel, st: State, pfn: number, write: boolean): 0 | 1;
  /** is_invalid_reserved_pfn(). */
  vfioIsInvalidReservedPfn(k: Kernel, st: State, pfn: number): boolean;
  /**
   * The VM_PFNMAP fallback's lookup of the pfn at `vaddr` (follow_pfn(), later follow_fault_pfn()):
   * the pfn, or -errno when there is none or (from 07956b6269d3) a write finds the entry read-only.
   */
  vfioFollowPfn(k: Kernel, st: State, mm: number, vaddr: number, write: boolean): number;

  // ---- io-uring-buffers -------------------------------------------------------------------------
  /** io_pin_pages() (io_sqe_buffer_register's pinning before it): pin a buffer's pages. */
  ioPinPages(k: Kernel, st: State, mm: number, addr: number, len: number): GupResult;
  /** io_uring's own VMA scan after pinning (removed by 34ed8d0dcd69): 0 or -errno. */
  ioCheckBufferVmas(k: Kernel, st: State, vmas: readonly Vma[]): number;
  /** Buffer coalescing (v6.3+): the pfns left pinned (one per bvec); drops the other pins. */
  ioCoalesceBuffer(k: Kernel, st: State, pfns: number[]): number[];
  /** io_buffer_account_pin(): pages to charge for a buffer (huge folios once, in full). */
  ioAccountPin(k: Kernel, st: State, mm: number, pfns: readonly number[]): number;
  /** Releases one registered buffer: unpin per bvec, uncharge. */
  ioUnmapBuffer(k: Kernel, st: State, buf: RegisteredBuffer): void;
}
