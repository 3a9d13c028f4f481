/**
 * Internal function slots of the page-table side (mm-core, zeropage-insert, normal-page,
 * remap-pfn, folio-walk). Same late-binding rule as GupOps: slots call each other through `k`.
 *
 * The slots mirror mm/memory.c and mm/pagewalk.c one kernel function per slot, so a patch that
 * changes one kernel function overrides one slot. A slot whose kernel function does not exist yet
 * in a release is absent from that release's table (and a user module cannot override it there):
 * validatePageBeforeInsert, insertPageInBatchLocked, insertPageIntoPteLocked before v5.7
 * (8cd3984d81d5); vmMixedZeropageAllowed before v6.11 (fce831c92092); vmNormalPageCommon and
 * levelHasSpecial before v6.18 (af38538801c6). Only code of the versions that have them calls
 * them. Return conventions follow the kernel: `int`
 * functions return 0 or -errno; `vm_fault_t` functions return a `VmFault`; page lookups return a
 * pfn or null for NULL.
 */
import type { Level, LookupCallName } from '../events.ts';
import type { Kernel } from '../kernel.ts';
import type { CallResult } from '../outcome.ts';
import type { Entry, State, Vma } from '../state.ts';

/** What a `vm_fault_t` helper returns here (VM_FAULT_NOPAGE is success for vmf_insert_*). */
export type VmFault = 'NOPAGE' | 'SIGBUS' | 'BUG';

/** An `int` helper's result, or a BUG_ON that fired on the way. */
export type IntOrBug = number | 'BUG';

/** vm_insert_pages(): its return value and `*num` afterwards (pages left not inserted). */
export interface InsertPagesResult {
  ret: IntOrBug;
  left: number;
}

/** What folio_walk_start() found: the folio's page (pfn) and the level it was mapped at. */
export interface FolioWalk {
  pfn: number;
  level: Level;
}

export interface PteOps {
  /**
   * pte_devmap(): whether the release sees the entry's devmap bit (x86 until the pte_devmap /
   * pfn_t removal; afterwards the bit does not exist and this is false).
   */
  pteDevmap(k: Kernel, st: State, entry: Entry): boolean;
  // ---- normal-page: vm_normal_page(), vm_normal_page_pmd(), vm_normal_page_pud() -------------

  /**
   * The family `normal-page`: vm_normal_page / _pmd / _pud by `level`. Returns the pfn of the
   * "normal" page behind an entry, or null for NULL (special, pfnmap, zero...).
   */
  vmNormalPage(k: Kernel, st: State, vma: Vma, addr: number, entry: Entry, level: Level): number | null;
  /**
   * __vm_normal_page() (af38538801c6, v6.18): the helper behind all three levels; `special` is
   * what pte_special()/pmd_special()/pud_special() read. Absent from the table before v6.18.
   */
  vmNormalPageCommon(
    k: Kernel,
    st: State,
    vma: Vma,
    addr: number,
    pfn: number,
    special: boolean,
    level: Level,
  ): number | null;
  /**
   * pgtable_level_has_pxx_special() of the 2026 fix; before it (v6.18) every level asked
   * CONFIG_ARCH_HAS_PTE_SPECIAL. Only the v6.18+ common helper consults it.
   */
  levelHasSpecial(k: Kernel, st: State, level: Level): boolean;
  /** The vm_normal_page* calls of the vocabulary: find the entry and ask vmNormalPage (or 'unsupported'). */
  lookupNormalPage(
    k: Kernel,
    st: State,
    name: Exclude<LookupCallName, 'folio_walk_start'>,
    mm: number,
    addr: number,
  ): CallResult;

  // ---- zeropage-insert: vm_insert_page*(), vm_map_pages(), vmf_insert_mixed*() ---------------

  /** vm_insert_page(): one page at addr. */
  vmInsertPage(k: Kernel, st: State, mm: number, vma: Vma, addr: number, pfn: number): IntOrBug;
  /** vm_insert_pages(): stops at the first failure; `left` is `*num` afterwards ('unsupported' before v5.8). */
  vmInsertPages(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfns: number[],
  ): InsertPagesResult | 'unsupported';
  /** vm_map_pages(): the whole VMA from vm_pgoff, one vm_insert_page() per page. */
  vmMapPages(k: Kernel, st: State, mm: number, vma: Vma, pfns: number[]): IntOrBug;
  /** insert_page(): validate, then install under the PTE lock. */
  insertPageOne(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfn: number,
    mkwrite: boolean,
  ): number;
  /** insert_page_in_batch_locked(): vm_insert_pages' per-page step. */
  insertPageInBatchLocked(k: Kernel, st: State, mm: number, vma: Vma, addr: number, pfn: number): number;
  /** validate_page_before_insert(): which pages may be inserted at all. */
  validatePageBeforeInsert(k: Kernel, st: State, mm: number, vma: Vma, pfn: number): number;
  /** insert_page_into_pte_locked(): the PTE write, with or without ref/rmap/rss. */
  insertPageIntoPteLocked(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfn: number,
    mkwrite: boolean,
  ): number;
  /** vm_mixed_zeropage_allowed() (fce831c92092): may the shared zeropage be mapped here. */
  vmMixedZeropageAllowed(k: Kernel, st: State, mm: number, vma: Vma): boolean;
  /** vm_mixed_ok(): may __vm_insert_mixed() map this pfn into this VMA. */
  vmMixedOk(k: Kernel, st: State, mm: number, vma: Vma, pfn: number, mkwrite: boolean): boolean;
  /** __vm_insert_mixed(): vmf_insert_mixed() and vmf_insert_mixed_mkwrite(). */
  vmInsertMixed(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfn: number,
    mkwrite: boolean,
  ): VmFault;

  // ---- remap-pfn: remap_pfn_range(), vmf_insert_pfn*(), insert_pfn() -------------------------

  /** remap_pfn_range(): 0 or -errno; sets vm_pgoff/flags and installs special PTEs. */
  remapPfnRange(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfn: number,
    size: number,
  ): IntOrBug;
  /** vmf_insert_pfn_prot() (size PAGE), vmf_insert_pfn_pmd() / _pud() (size PMD / PUD). */
  vmfInsertPfn(k: Kernel, st: State, mm: number, vma: Vma, addr: number, pfn: number, size: number): VmFault;
  /** insert_pfn() / insert_pfn_pmd() / insert_pfn_pud(): a special entry, no ref; 0 or -errno. */
  insertPfnEntry(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma,
    addr: number,
    pfn: number,
    level: Level,
    mkwrite: boolean,
  ): number;

  // ---- folio-walk: folio_walk_start() ---------------------------------------------------------

  /** folio_walk_start(): the folio mapped at addr, null if none, or 'unsupported' before v6.12. */
  folioWalkStart(
    k: Kernel,
    st: State,
    mm: number,
    vma: Vma | undefined,
    addr: number,
    fwZeropage: boolean,
  ): FolioWalk | null | 'unsupported';

  // ---- mm-core: munmap / fork ----------------------------------------------------------------

  /** zap_pte_range() / zap_huge_pmd() / zap_huge_pud() for one entry: drop what vm_normal_page says. */
  zapEntry(k: Kernel, st: State, mm: number, vma: Vma | undefined, addr: number, entry: Entry): void;
  /** copy_present_pte() / copy_huge_pmd() / copy_huge_pud() for one entry into the child. */
  copyEntry(k: Kernel, st: State, parent: number, child: number, vma: Vma, addr: number, entry: Entry): void;
}
