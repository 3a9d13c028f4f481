/**
 * Typed model events: the pinbench vocabulary of spec/trace-format.md. A record becomes a model
 * event when its event name is in the vocabulary and its payload has no probe prefix, or when it
 * is a `tracing_mark_write: pinbench: <event> <fields>` marker.
 */
import type { FollFlag, GupFlags, VmFlags } from './flags.ts';

export const STATE_EVENTS = [
  'pinbench_config',
  'pinbench_scenario',
  'pinbench_page',
  'pinbench_vma',
  'pinbench_pte',
  'pinbench_zone',
  'pinbench_hugetlb',
  'pinbench_expect',
] as const;
export type StateEventName = (typeof STATE_EVENTS)[number];

export const GUP_CALLS = [
  'get_user_pages',
  'get_user_pages_fast',
  'get_user_pages_remote',
  'pin_user_pages',
  'pin_user_pages_fast',
  'pin_user_pages_remote',
  'pin_user_pages_unlocked',
] as const;
export const RELEASE_CALLS = [
  'unpin_user_page',
  'unpin_user_pages',
  'unpin_user_pages_dirty_lock',
  'put_page',
] as const;
export const VFIO_CALLS = ['vfio_map_dma', 'vfio_unmap_dma'] as const;
export const IO_URING_CALLS = ['io_uring_register_buffers', 'io_uring_unregister_buffers'] as const;
export const INSERT_PAGE_CALLS = ['vm_insert_page', 'vm_insert_pages', 'vm_map_pages'] as const;
export const INSERT_PFN_CALLS = [
  'vmf_insert_mixed',
  'vmf_insert_mixed_mkwrite',
  'vmf_insert_pfn',
  'remap_pfn_range',
] as const;
export const LOOKUP_CALLS = [
  'vm_normal_page',
  'vm_normal_page_pmd',
  'vm_normal_page_pud',
  'folio_walk_start',
] as const;
export const MM_CALLS = ['munmap', 'fork'] as const;
/** madvise() advice pinbench models: the ones that run GUP (MADV_POPULATE_*, v5.14+). */
export const MADVISE_ADVICE = ['MADV_POPULATE_READ', 'MADV_POPULATE_WRITE'] as const;
export type MadviseAdvice = (typeof MADVISE_ADVICE)[number];
export const MADVISE_CALLS = ['madvise'] as const;

export const CALL_EVENTS = [
  ...GUP_CALLS,
  ...RELEASE_CALLS,
  ...VFIO_CALLS,
  ...IO_URING_CALLS,
  ...INSERT_PAGE_CALLS,
  ...INSERT_PFN_CALLS,
  ...LOOKUP_CALLS,
  ...MM_CALLS,
  ...MADVISE_CALLS,
] as const;
export type CallName = (typeof CALL_EVENTS)[number];
export type GupCallName = (typeof GUP_CALLS)[number];
export type ReleaseCallName = (typeof RELEASE_CALLS)[number];
export type InsertPageCallName = (typeof INSERT_PAGE_CALLS)[number];
export type InsertPfnCallName = (typeof INSERT_PFN_CALLS)[number];
export type LookupCallName = (typeof LOOKUP_CALLS)[number];

export const VOCABULARY: ReadonlySet<string> = new Set<string>([...STATE_EVENTS, ...CALL_EVENTS]);

/** A pfn as traces write it: a number, or the shared zero page (resolved through the config). */
export type PfnRef = number | 'zero';

export const ZONES = ['DMA', 'DMA32', 'Normal', 'Movable', 'Device'] as const;
export type Zone = (typeof ZONES)[number];
/** Zones the buddy allocator hands pages out of (ZONE_DEVICE memory is never allocated from). */
export const BUDDY_ZONES = ['DMA', 'DMA32', 'Normal', 'Movable'] as const;
export type BuddyZone = (typeof BUDDY_ZONES)[number];
/** hstate sizes of x86_64: 2 MiB (order 9) and 1 GiB (order 18, gigantic). */
export const HUGETLB_SIZES = ['2M', '1G'] as const;
export type HugetlbSize = (typeof HUGETLB_SIZES)[number];
export const MIGRATETYPES = ['Unmovable', 'Movable', 'Reclaimable', 'CMA', 'Isolate'] as const;
export type Migratetype = (typeof MIGRATETYPES)[number];
export const PAGE_KINDS = [
  'zero',
  'anon',
  'file',
  'shmem',
  'hugetlb',
  'thp',
  'driver',
  'slab',
  'typed',
  'device_coherent',
  'device_private',
  'fsdax',
  'reserved',
  'mmio',
] as const;
export type PageKind = (typeof PAGE_KINDS)[number];
export const PAGE_FLAGS = [
  'lru',
  'exclusive',
  'dirty',
  'reserved',
  'locked',
  'writeback',
  'swapbacked',
] as const;
export type PageFlag = (typeof PAGE_FLAGS)[number];
export const BACKINGS = [
  'anon',
  'file',
  'shmem',
  'hugetlb',
  'fsdax',
  'secretmem',
  'pfnmap',
  'mixedmap',
] as const;
export type Backing = (typeof BACKINGS)[number];
export const FILESYSTEMS = ['ext4', 'xfs', 'btrfs', 'tmpfs', 'hugetlbfs', 'ramfs', 'fuse'] as const;
export type Filesystem = (typeof FILESYSTEMS)[number];
export const VMA_OPS = ['pfn_mkwrite', 'page_mkwrite', 'huge_fault', 'find_normal_page'] as const;
export type VmaOp = (typeof VMA_OPS)[number];
export const LEVELS = ['pte', 'pmd', 'pud'] as const;
export type Level = (typeof LEVELS)[number];

/** The trace-wide environment (`pinbench_config`); defaults in `DEFAULT_CONFIG`. */
export interface TraceConfig {
  /** Release of the recording kernel, e.g. `6.1`; decides how raw hex gup_flags decode. */
  kernel: string | null;
  arch: string;
  pte_special: boolean;
  pmd_pfnmap: boolean;
  pud_pfnmap: boolean;
  cma: boolean;
  migration: boolean;
  forbids_zeropage: boolean;
  zero_pfn: number;
  memlock_pages: number;
  lock_cap: boolean;
  highest_memmap_pfn: number;
}

export const DEFAULT_CONFIG: Readonly<TraceConfig> = Object.freeze({
  kernel: null,
  arch: 'x86_64',
  pte_special: true,
  pmd_pfnmap: true,
  pud_pfnmap: true,
  cma: true,
  migration: true,
  forbids_zeropage: false,
  zero_pfn: 0x1000,
  memlock_pages: 2048,
  lock_cap: false,
  highest_memmap_pfn: 0x1000000,
});
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as (keyof TraceConfig)[];

interface EventBase {
  /** 1-based line of the record in its file. */
  line: number;
  /** The original line text (for reports and divergences). */
  text: string;
}

export interface ConfigEvent extends EventBase {
  type: 'config';
  config: Partial<TraceConfig>;
}
export interface ScenarioEvent extends EventBase {
  type: 'scenario';
  name: string;
  title?: string;
}
export interface PageEvent extends EventBase {
  type: 'page';
  pfn: PfnRef;
  nr: number;
  zone?: Zone;
  mt?: Migratetype;
  kind?: PageKind;
  refcount?: number;
  mapcount?: number;
  pincount?: number;
  order?: number;
  flags?: PageFlag[];
  isolatable?: boolean;
  migrate?: 'ok' | 'fail';
  /** NUMA node of the page [0]: where its migration target is looked for first. */
  node?: number;
}
/**
 * `pinbench_zone`: the free pages of one zone of one node. Once a scenario declares a zone, the
 * model's buddy allocator hands out only declared free pages (an undeclared zone has none);
 * without any, allocation always succeeds in ZONE_NORMAL as it did before zones existed.
 */
export interface ZoneEvent extends EventBase {
  type: 'zone';
  node: number;
  zone: BuddyZone;
  /** Free pages outside CMA pageblocks. */
  free: number;
  /** Free pages in MIGRATE_CMA pageblocks of this zone. */
  cma: number;
}
/**
 * `pinbench_hugetlb`: the hugetlb pool of one page size on one node. Free pool pages are split by
 * where they sit, because a long-term pin may not take one in ZONE_MOVABLE or CMA.
 */
export interface HugetlbEvent extends EventBase {
  type: 'hugetlb';
  size: HugetlbSize;
  node: number;
  /** Free huge pages in ZONE_NORMAL (long-term pinnable). */
  free: number;
  /** Free huge pages in ZONE_MOVABLE. */
  freeMovable: number;
  /** Free huge pages in CMA (hugetlb_cma). */
  freeCma: number;
  /** The hstate's surplus_huge_pages now (hstate-wide: the last line of a size sets it). */
  surplus?: number;
  /** The hstate's nr_overcommit_huge_pages (hstate-wide: the last line of a size sets it). */
  overcommit?: number;
}
export interface VmaEvent extends EventBase {
  type: 'vma';
  mm: number;
  start: number;
  end: number;
  flags: VmFlags;
  pgoff?: number;
  backing?: Backing;
  fs?: Filesystem;
  ops: VmaOp[];
  remapped: boolean;
}
export interface PteEvent extends EventBase {
  type: 'pte';
  mm: number;
  addr: number;
  pfn: PfnRef;
  level: Level;
  special: boolean;
  write: boolean;
  dirty: boolean;
  /** `devmap=1`: a pte_devmap entry (x86 fs-dax); absent: taken from the page's kind. */
  devmap?: boolean;
}

export const ASSERT_OPS = ['=', '!=', '<', '>', '<=', '>='] as const;
export type AssertOp = (typeof ASSERT_OPS)[number];
/** One `pinbench_expect` assertion, e.g. `ret!=livelock`, `refs.zero=0`, `final.leaks=0`. */
export interface Assertion {
  /** Left side as written: `ret`, `err`, `page0`, `refs.zero`, `final.leaks`... */
  subject: string;
  op: AssertOp;
  /** Right side as written (`livelock`, `0`, `+1`, `zero|new|0x1000`, `EFAULT`). */
  value: string;
  /** Applies at scenario end rather than to the nearest call before it. */
  final: boolean;
  /** The assertion text as written, for verdict output. */
  text: string;
  col: number;
}
export interface ExpectEvent extends EventBase {
  type: 'expect';
  assertions: Assertion[];
  /** Release-id glob; a user's policy is in scope where its base release is. */
  scope?: string;
}

/** What the recording kernel returned for a call, where the trace says. */
export interface Observed {
  ret: number | string;
  pages?: string[];
  /** Line of the `ret=` (the call itself, or the `<event>_ret:` record). */
  line: number;
}

export interface GupArgs {
  kind: 'gup';
  mm: number;
  start: number;
  nrPages: number;
  gupFlags: GupFlags;
  /** null: no `locked` pointer; 0/1: the value `*locked` holds. */
  locked: 0 | 1 | null;
  /** Whether a pages[] array was passed. */
  pages: boolean;
  /** The raw value when the trace gave hex, decoded with the recording kernel's numbering. */
  rawFlags?: number;
}
export interface ReleaseArgs {
  kind: 'release';
  /** The pages returned by call number `of` of this scenario. */
  of?: number;
  pfn?: PfnRef;
  makeDirty: boolean;
}
/**
 * A release as the entry point receives it: `of=` already resolved by the dispatcher (replay
 * bookkeeping, not kernel logic, so no policy can lose it by overriding the entry point).
 */
export interface ReleaseRequest extends ReleaseArgs {
  /** The pages to release: those of call `of`, or the one `pfn`. */
  pfns: readonly number[];
  /** Whether call `of` took them with FOLL_LONGTERM (undefined for a `pfn=` release). */
  longterm?: boolean;
}
export interface VfioArgs {
  kind: 'vfio';
  container: number;
  mm: number;
  iova: number;
  vaddr: number;
  size: number;
  read: boolean;
  write: boolean;
}
export interface IoUringArgs {
  kind: 'io_uring';
  mm: number;
  addr: number;
  len: number;
}
export interface InsertPageArgs {
  kind: 'insert_page';
  mm: number;
  addr: number;
  pfns: PfnRef[];
}
export interface InsertPfnArgs {
  kind: 'insert_pfn';
  mm: number;
  addr: number;
  pfn: PfnRef;
  size: number;
}
export interface LookupArgs {
  kind: 'lookup';
  mm: number;
  addr: number;
  fwZeropage: boolean;
}
export interface MunmapArgs {
  kind: 'munmap';
  mm: number;
  addr: number;
  len: number;
}
export interface ForkArgs {
  kind: 'fork';
  mm: number;
  child: number;
}
/** madvise(start, len, advice): the syscall's own return (0 or -errno) is the call's result. */
export interface MadviseArgs {
  kind: 'madvise';
  mm: number;
  start: number;
  len: number;
  advice: MadviseAdvice;
}
export type CallArgs =
  | GupArgs
  | ReleaseArgs
  | VfioArgs
  | IoUringArgs
  | InsertPageArgs
  | InsertPfnArgs
  | LookupArgs
  | MunmapArgs
  | ForkArgs
  | MadviseArgs;

export interface CallEvent extends EventBase {
  type: 'call';
  name: CallName;
  /** Numbers the call events of a scenario from 0. */
  seq: number;
  args: CallArgs;
  observed?: Observed;
  /** The CPU the record came from (integrity gaps are per CPU). */
  cpu: number;
  pid: number;
  /** The trace lines around the call (itself included), for divergence reports. */
  context?: ContextLine[];
}

export interface ContextLine {
  line: number;
  text: string;
}

export type ModelEvent =
  | ConfigEvent
  | ScenarioEvent
  | PageEvent
  | VmaEvent
  | PteEvent
  | ZoneEvent
  | HugetlbEvent
  | ExpectEvent
  | CallEvent;
export type { FollFlag };
