/**
 * Random scenarios in the pinbench vocabulary (spec/trace-format.md), drawn from every family:
 * page kinds, zones and migratetypes (CMA and Isolate included), VMA kinds (private/shared,
 * read-only/writable, VM_IO/VM_PFNMAP/VM_MIXEDMAP, fs-dax, files on ext4/xfs/btrfs/fuse/tmpfs/
 * ramfs, hugetlb, THP, secretmem), GUP flag combinations through every GUP API (remote ones with
 * locked=null/0/1, raw hex flags under a `kernel=` config), vfio map/unmap cycles, io_uring
 * register/unregister, the page-table inserts, vm_normal_page(_pmd/_pud) and folio_walk_start lookups, munmap
 * and fork.
 *
 * Every scenario is well-formed for the parser: pages, VMAs and entries are declared before the
 * calls that use them, `of=<seq>` names an earlier GUP call of the same scenario, and only known
 * keys and values are written. Nothing requires a particular outcome: expectations are written
 * now and then (`ret!=livelock`, `final.bugs=0`) and may fail on any release.
 */
import type { Backing, Filesystem, GupCallName, Level, PageKind, VmaOp, Zone } from '../model/events.ts';
import { encodeGupFlags, type FollFlag, VM_FLAG_BITS, type VmFlag } from '../model/flags.ts';
import { parseKernelVersion } from '../model/kernel-version.ts';
import type { Prng } from './prng.ts';

/** One line of a scenario before it is given a task, CPU and time. */
export interface ScriptLine {
  event: string;
  payload: string;
  /** A call event of the vocabulary (what call-heavy traces are heavy in). */
  call: boolean;
  /** Written as `tracing_mark_write: pinbench: <event> <payload>` instead of an event line. */
  marker: boolean;
}

export interface ScenarioScript {
  name: string;
  lines: ScriptLine[];
}

/** What carries over from one scenario to the next (the config does, per the spec). */
export interface TraceContext {
  /** `kernel=` of the config in force (raw hex gup_flags need it). */
  kernel: string | null;
  zeroPfn: number;
  /** Scenarios generated so far. */
  index: number;
}

export interface ScenarioOptions {
  /** Many calls per declaration (for replay benchmarks): calls are most of the lines. */
  callHeavy: boolean;
  /** Scenario names are `<prefix>-<index>`. */
  prefix: string;
}

const PAGE = 0x1000;
const PMD = 0x200000;
const PUD = 0x40000000;
const INT32_MAX = 2 ** 31 - 1;

const hx = (n: number): string => `0x${n.toString(16)}`;

const KERNELS = [
  '5.4',
  '5.6',
  '5.13',
  '5.19',
  '6.1',
  'v6.2',
  '6.3',
  '6.5',
  '6.1.0-56-amd64',
  'v6.12',
  '6.18',
  '6.19',
];
const ZERO_PFNS = [0x1000, 0x3310, 0x3b34, 0x9e00];

/** FOLL_* flags and how often a GUP call passes each (the public ones often, internal ones rarely). */
const FOLL_WEIGHTS: readonly [FollFlag, number][] = [
  ['FOLL_WRITE', 0.5],
  ['FOLL_LONGTERM', 0.45],
  ['FOLL_FORCE', 0.08],
  ['FOLL_TOUCH', 0.05],
  ['FOLL_NOWAIT', 0.03],
  ['FOLL_NOFAULT', 0.03],
  ['FOLL_PCI_P2PDMA', 0.03],
  ['FOLL_INTERRUPTIBLE', 0.02],
  ['FOLL_ANON', 0.02],
  ['FOLL_SPLIT_PMD', 0.02],
  ['FOLL_HWPOISON', 0.02],
  ['FOLL_DUMP', 0.01],
  ['FOLL_GET', 0.02],
  ['FOLL_PIN', 0.02],
  ['FOLL_FAST_ONLY', 0.01],
  ['FOLL_REMOTE', 0.01],
  ['FOLL_UNLOCKABLE', 0.01],
  ['FOLL_MADV_POPULATE', 0.01],
  ['FOLL_HONOR_NUMA_FAULT', 0.01],
  ['FOLL_TRIED', 0.005],
  ['FOLL_COW', 0.005],
  ['FOLL_MLOCK', 0.005],
  ['FOLL_POPULATE', 0.005],
  ['FOLL_SPLIT', 0.005],
  ['FOLL_NUMA', 0.005],
  ['FOLL_MIGRATION', 0.005],
];
const FOLL_ORDER = FOLL_WEIGHTS.map(([f]) => f);

type PteStyle = 'zero' | 'page' | 'mixed' | 'none';

interface VmaKind {
  name: string;
  weight: number;
  flags: string[];
  backing?: Backing;
  fs?: Filesystem[];
  ops?: VmaOp[];
  /** Entry level and what the entries map. */
  level: Level;
  pte: PteStyle;
  /** Page kind for `page` entries. */
  kind: PageKind;
  /** Entries are writable (written memory). */
  write: boolean;
  /** pfnmap details. */
  pgoff?: 'zero' | 'bar' | 'pfn';
  remapped?: boolean;
}

const RW_PRIVATE = ['VM_READ', 'VM_WRITE', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_MAYEXEC'];
const RO_PRIVATE = ['VM_READ', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_MAYEXEC'];
const RW_SHARED = ['VM_READ', 'VM_WRITE', 'VM_SHARED', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_MAYSHARE'];
const RO_SHARED = ['VM_READ', 'VM_MAYREAD', 'VM_MAYSHARE'];

const VMA_KINDS: readonly VmaKind[] = [
  {
    name: 'anon-zero',
    weight: 10,
    flags: RW_PRIVATE,
    backing: 'anon',
    level: 'pte',
    pte: 'zero',
    kind: 'anon',
    write: false,
  },
  {
    name: 'anon-written',
    weight: 10,
    flags: RW_PRIVATE,
    backing: 'anon',
    level: 'pte',
    pte: 'page',
    kind: 'anon',
    write: true,
  },
  {
    name: 'anon-ro',
    weight: 6,
    flags: RO_PRIVATE,
    backing: 'anon',
    level: 'pte',
    pte: 'zero',
    kind: 'anon',
    write: false,
  },
  {
    name: 'anon-mixed',
    weight: 6,
    flags: RW_PRIVATE,
    backing: 'anon',
    level: 'pte',
    pte: 'mixed',
    kind: 'anon',
    write: true,
  },
  {
    name: 'anon-empty',
    weight: 3,
    flags: RW_PRIVATE,
    backing: 'anon',
    level: 'pte',
    pte: 'none',
    kind: 'anon',
    write: false,
  },
  {
    name: 'thp',
    weight: 4,
    flags: [...RW_PRIVATE, 'VM_HUGEPAGE'],
    backing: 'anon',
    level: 'pmd',
    pte: 'page',
    kind: 'thp',
    write: true,
  },
  {
    name: 'hugetlb-shared',
    weight: 3,
    flags: [...RW_SHARED, 'VM_HUGETLB', 'VM_DONTEXPAND'],
    backing: 'hugetlb',
    fs: ['hugetlbfs'],
    level: 'pmd',
    pte: 'page',
    kind: 'hugetlb',
    write: true,
  },
  {
    name: 'hugetlb-private',
    weight: 2,
    flags: [...RW_PRIVATE, 'VM_HUGETLB', 'VM_DONTEXPAND'],
    backing: 'hugetlb',
    fs: ['hugetlbfs'],
    level: 'pmd',
    pte: 'page',
    kind: 'hugetlb',
    write: false,
  },
  {
    name: 'shmem-shared',
    weight: 5,
    flags: RW_SHARED,
    backing: 'shmem',
    fs: ['tmpfs'],
    level: 'pte',
    pte: 'page',
    kind: 'shmem',
    write: true,
  },
  {
    name: 'file-shared',
    weight: 6,
    flags: RW_SHARED,
    backing: 'file',
    fs: ['ext4', 'xfs', 'btrfs', 'fuse', 'ramfs'],
    ops: ['page_mkwrite'],
    level: 'pte',
    pte: 'page',
    kind: 'file',
    write: true,
  },
  {
    name: 'file-private',
    weight: 5,
    flags: RW_PRIVATE,
    backing: 'file',
    fs: ['ext4', 'xfs', 'ramfs'],
    ops: ['page_mkwrite'],
    level: 'pte',
    pte: 'page',
    kind: 'file',
    write: false,
  },
  {
    name: 'file-ro-shared',
    weight: 3,
    flags: RO_SHARED,
    backing: 'file',
    fs: ['ext4', 'btrfs', 'ramfs'],
    level: 'pte',
    pte: 'page',
    kind: 'file',
    write: false,
  },
  {
    name: 'tmpfs-private',
    weight: 2,
    flags: RW_PRIVATE,
    backing: 'shmem',
    fs: ['tmpfs'],
    level: 'pte',
    pte: 'page',
    kind: 'shmem',
    write: false,
  },
  {
    name: 'fsdax',
    weight: 4,
    flags: [...RW_SHARED, 'VM_HUGEPAGE'],
    backing: 'fsdax',
    fs: ['ext4', 'xfs'],
    ops: ['page_mkwrite', 'pfn_mkwrite', 'huge_fault'],
    level: 'pte',
    pte: 'mixed',
    kind: 'fsdax',
    write: true,
  },
  {
    name: 'fsdax-mixedmap',
    weight: 2,
    flags: [...RW_SHARED, 'VM_HUGEPAGE', 'VM_MIXEDMAP'],
    backing: 'fsdax',
    fs: ['fuse'],
    ops: ['page_mkwrite', 'pfn_mkwrite', 'huge_fault'],
    level: 'pte',
    pte: 'mixed',
    kind: 'fsdax',
    write: true,
  },
  {
    name: 'pfnmap-bar',
    weight: 4,
    flags: [...RW_SHARED, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'],
    backing: 'pfnmap',
    ops: ['huge_fault'],
    level: 'pte',
    pte: 'page',
    kind: 'mmio',
    write: true,
    pgoff: 'bar',
    remapped: false,
  },
  {
    name: 'pfnmap-bar-pmd',
    weight: 2,
    flags: [...RW_SHARED, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'],
    backing: 'pfnmap',
    ops: ['huge_fault'],
    level: 'pmd',
    pte: 'page',
    kind: 'mmio',
    write: true,
    pgoff: 'bar',
    remapped: false,
  },
  {
    name: 'pfnmap-bar-pud',
    weight: 2,
    flags: [...RW_SHARED, 'VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'],
    backing: 'pfnmap',
    ops: ['huge_fault'],
    level: 'pud',
    pte: 'page',
    kind: 'mmio',
    write: true,
    pgoff: 'bar',
    remapped: false,
  },
  {
    name: 'pfnmap-cow',
    weight: 3,
    flags: [
      ...RW_PRIVATE.filter((f) => f !== 'VM_MAYEXEC'),
      'VM_IO',
      'VM_PFNMAP',
      'VM_DONTEXPAND',
      'VM_DONTDUMP',
    ],
    backing: 'pfnmap',
    level: 'pte',
    pte: 'mixed',
    kind: 'driver',
    write: false,
    pgoff: 'zero',
    remapped: false,
  },
  {
    name: 'pfnmap-remapped',
    weight: 2,
    flags: [
      ...RW_PRIVATE.filter((f) => f !== 'VM_MAYEXEC'),
      'VM_IO',
      'VM_PFNMAP',
      'VM_DONTEXPAND',
      'VM_DONTDUMP',
    ],
    backing: 'pfnmap',
    level: 'pte',
    pte: 'page',
    kind: 'driver',
    write: false,
    pgoff: 'pfn',
    remapped: true,
  },
  {
    name: 'pfnmap-empty',
    weight: 3,
    flags: RW_PRIVATE.filter((f) => f !== 'VM_MAYEXEC'),
    backing: 'pfnmap',
    level: 'pte',
    pte: 'none',
    kind: 'driver',
    write: false,
  },
  {
    name: 'mixedmap-ro',
    weight: 4,
    flags: [
      'VM_READ',
      'VM_MAYREAD',
      'VM_MAYEXEC',
      'VM_MAYSHARE',
      'VM_DONTCOPY',
      'VM_DONTEXPAND',
      'VM_DONTDUMP',
      'VM_MIXEDMAP',
    ],
    backing: 'mixedmap',
    level: 'pte',
    pte: 'none',
    kind: 'driver',
    write: false,
  },
  {
    name: 'mixedmap-rw',
    weight: 3,
    flags: [...RW_SHARED, 'VM_DONTEXPAND', 'VM_MIXEDMAP'],
    backing: 'mixedmap',
    level: 'pte',
    pte: 'none',
    kind: 'driver',
    write: true,
  },
  {
    name: 'mixedmap-io',
    weight: 2,
    flags: [...RW_SHARED, 'VM_IO', 'VM_DONTEXPAND', 'VM_DONTDUMP', 'VM_MIXEDMAP'],
    backing: 'mixedmap',
    ops: ['pfn_mkwrite'],
    level: 'pte',
    pte: 'none',
    kind: 'driver',
    write: true,
  },
  {
    name: 'secretmem',
    weight: 1,
    flags: [...RW_SHARED, 'VM_LOCKED', 'VM_DONTDUMP'],
    backing: 'secretmem',
    level: 'pte',
    pte: 'page',
    kind: 'anon',
    write: true,
  },
];

interface PlacedVma {
  mm: number;
  start: number;
  end: number;
  kind: VmaKind;
  /** Entries declared in it: address -> level. */
  entries: { addr: number; level: Level }[];
  unmapped: boolean;
}

interface DeclaredPage {
  pfn: number;
  nr: number;
  kind: PageKind;
}

interface GupRecord {
  seq: number;
  pin: boolean;
  released: boolean;
  name: GupCallName;
}

interface DmaMap {
  container: number;
  mm: number;
  iova: number;
  size: number;
}

const GUP_APIS: readonly [number, GupCallName][] = [
  [4, 'pin_user_pages'],
  [5, 'pin_user_pages_fast'],
  [2, 'pin_user_pages_remote'],
  [2, 'pin_user_pages_unlocked'],
  [3, 'get_user_pages'],
  [3, 'get_user_pages_fast'],
  [2, 'get_user_pages_remote'],
];

class ScenarioBuilder {
  readonly lines: ScriptLine[] = [];
  private readonly rng: Prng;
  private readonly ctx: TraceContext;
  private readonly heavy: boolean;
  /** 0: event lines, 1: all markers, 2: mixed. */
  private readonly markers: number;
  private seq = 0;
  private pfnCursor: number;
  private readonly mmCursor = new Map<number, number>();
  readonly vmas: PlacedVma[] = [];
  readonly pages: DeclaredPage[] = [];
  private readonly gups: GupRecord[] = [];
  private readonly dma: DmaMap[] = [];
  private nextIova: number;
  private readonly registered = new Set<number>();
  private readonly mms: number[] = [1];

  constructor(rng: Prng, ctx: TraceContext, heavy: boolean) {
    this.rng = rng;
    this.ctx = ctx;
    this.heavy = heavy;
    this.markers = rng.weighted([
      [6, 0],
      [2, 1],
      [1, 2],
    ]);
    this.pfnCursor = 0x100000 + rng.int(0x300) * 0x1000;
    this.nextIova = 0x10000000 + rng.int(0x100) * 0x100000;
  }

  emit(event: string, payload: string, call = false): void {
    const marker = this.markers === 1 || (this.markers === 2 && this.rng.chance(0.5));
    this.lines.push({ event, payload, call, marker });
    if (call) this.seq++;
  }

  // ---- environment -----------------------------------------------------------------------

  config(first: boolean): void {
    const r = this.rng;
    if (!first && !r.chance(0.3)) return;
    const f: string[] = [];
    const arch = r.weighted([
      [8, 'x86_64'],
      [1, 'arm64'],
      [1, 's390x'],
    ]);
    f.push(`arch=${arch}`);
    if (r.chance(0.7)) f.push(`pte_special=${r.chance(0.8) ? 1 : 0}`);
    if (r.chance(0.5)) f.push(`pmd_pfnmap=${r.chance(0.7) ? 1 : 0}`);
    if (r.chance(0.5)) f.push(`pud_pfnmap=${r.chance(0.7) ? 1 : 0}`);
    if (r.chance(0.5)) f.push(`cma=${r.chance(0.8) ? 1 : 0}`);
    if (r.chance(0.5)) f.push(`migration=${r.chance(0.8) ? 1 : 0}`);
    if (r.chance(0.3)) f.push(`forbids_zeropage=${arch === 's390x' && r.chance(0.6) ? 1 : 0}`);
    if (r.chance(0.7)) {
      this.ctx.zeroPfn = r.pick(ZERO_PFNS);
      f.push(`zero_pfn=${hx(this.ctx.zeroPfn)}`);
    }
    if (r.chance(0.5)) f.push(`memlock_pages=${r.pick([4, 16, 64, 2048, 65536])}`);
    if (r.chance(0.3)) f.push(`lock_cap=${r.chance(0.3) ? 1 : 0}`);
    if (r.chance(0.1)) f.push(`highest_memmap_pfn=${hx(r.pick([0x1000000, 0x17fffff, 0x2ffffff]))}`);
    if (r.chance(0.25)) {
      this.ctx.kernel = r.pick(KERNELS);
      f.push(`kernel=${this.ctx.kernel}`);
    }
    this.emit('pinbench_config', f.join(' '));
  }

  scenario(name: string): void {
    const title = this.rng.pick([
      'synthetic: pins over mixed mappings',
      'synthetic: VFIO and io_uring over guest memory',
      'synthetic: page-table inserts and lookups',
      'synthetic: remote long-term pins',
      'synthetic: R/O pins of never-written memory',
    ]);
    this.emit('pinbench_scenario', `name=${name} title="${title} (${name})"`);
  }

  zeroPage(): void {
    const r = this.rng;
    if (!r.chance(0.8)) return;
    const zone = r.weighted([
      [6, 'DMA32'],
      [2, 'Normal'],
      [2, 'Movable'],
    ] as const);
    const mt = zone === 'Movable' ? 'Movable' : 'Unmovable';
    const ref = r.chance(0.05) ? INT32_MAX - r.int(4096) : 1;
    this.emit(
      'pinbench_page',
      `pfn=zero zone=${zone} mt=${mt} kind=zero refcount=${ref} flags=reserved isolatable=0 migrate=fail`,
    );
  }

  /** Declares `nr` pages of `kind` (one folio of order 9 for thp/hugetlb) and returns the head pfn. */
  page(kind: PageKind, nr: number, mapped: boolean, align = 1): number {
    const r = this.rng;
    const order = kind === 'thp' || kind === 'hugetlb' ? 9 : r.chance(0.05) ? 2 : 0;
    const per = 2 ** order;
    const count = order === 0 ? nr : Math.max(1, Math.ceil(nr / per)) * per;
    const step = Math.max(per, align);
    this.pfnCursor = Math.ceil(this.pfnCursor / step) * step;
    // MMIO (a BAR) sits above the last pfn with a struct page.
    const pfn = kind === 'mmio' ? 0x3800000 + this.pfnCursor : this.pfnCursor;
    this.pfnCursor += count + r.int(8);
    const f: string[] = [`pfn=${hx(pfn)}`];
    if (count !== 1) f.push(`nr=${count}`);
    const zone: Zone = r.weighted<Zone>([
      [kind === 'device_coherent' || kind === 'device_private' || kind === 'fsdax' ? 40 : 0, 'Device'],
      [10, 'Normal'],
      [3, 'Movable'],
      [2, 'DMA32'],
      [1, 'DMA'],
    ]);
    f.push(`zone=${zone}`);
    const movable = kind === 'anon' || kind === 'thp' || kind === 'file' || kind === 'shmem';
    const mt = r.weighted([
      [movable ? 10 : 1, 'Movable'],
      [movable ? 1 : 10, 'Unmovable'],
      [1, 'Reclaimable'],
      [movable ? 3 : 1, 'CMA'],
      [1, 'Isolate'],
    ] as const);
    if (r.chance(0.9)) f.push(`mt=${mt}`);
    f.push(`kind=${kind}`);
    const mapcount = mapped ? 1 : 0;
    let refcount = mapped ? 1 + r.int(2) : r.int(3);
    if (r.chance(0.02)) refcount = INT32_MAX - r.int(5000);
    if (r.chance(0.9)) f.push(`refcount=${refcount}`);
    if (r.chance(0.7)) f.push(`mapcount=${mapcount}`);
    if (order > 0) {
      if (r.chance(0.8)) f.push(`order=${order}`);
      if (r.chance(0.2)) f.push(`pincount=${r.int(3)}`);
    }
    const flags: string[] = [];
    if (movable || kind === 'hugetlb') {
      if (r.chance(0.8)) flags.push('lru');
      if ((kind === 'anon' || kind === 'thp') && r.chance(0.6)) flags.push('exclusive');
      if (r.chance(0.3)) flags.push('dirty');
      if ((kind === 'anon' || kind === 'shmem') && r.chance(0.3)) flags.push('swapbacked');
    } else if (kind === 'reserved' || kind === 'driver') {
      if (r.chance(0.5)) flags.push('reserved');
    }
    if (r.chance(0.05)) flags.push(r.pick(['locked', 'writeback']));
    if (flags.length > 0 && r.chance(0.9)) f.push(`flags=${flags.join(',')}`);
    if (r.chance(0.2)) f.push(`isolatable=${r.chance(0.5) ? 1 : 0}`);
    if (r.chance(0.2)) f.push(`migrate=${r.chance(0.5) ? 'ok' : 'fail'}`);
    this.emit('pinbench_page', f.join(' '));
    this.pages.push({ pfn, nr: count, kind });
    return pfn;
  }

  /** Some pages nothing maps at first: inserts and put_page pfn= use them. */
  loosePages(): void {
    const n = this.rng.int(3);
    for (let i = 0; i < n; i++) {
      const kind = this.rng.pick<PageKind>([
        'driver',
        'driver',
        'anon',
        'slab',
        'typed',
        'reserved',
        'device_coherent',
        'device_private',
        'file',
        'mmio',
      ]);
      this.page(kind, 1 + this.rng.int(4), false);
    }
  }

  vma(mm: number): PlacedVma {
    const r = this.rng;
    const kind = r.weighted(VMA_KINDS.map((k) => [k.weight, k] as const));
    const align = kind.level === 'pud' ? PUD : kind.level === 'pmd' ? PMD : PAGE;
    const pagesIn = kind.level === 'pte' ? 1 + r.int(this.heavy ? 16 : 8) : 1;
    const size = kind.level === 'pte' ? pagesIn * PAGE : align * (1 + (kind.level === 'pmd' ? r.int(2) : 0));
    let cursor = this.mmCursor.get(mm);
    if (cursor === undefined) {
      cursor = 0x7f0000000000 + r.int(0x3f) * PUD + (mm - 1) * 0x10000000000;
      if (!this.mms.includes(mm)) this.mms.push(mm);
    }
    const start = Math.ceil(cursor / align) * align;
    const end = start + size;
    this.mmCursor.set(mm, end + (1 + r.int(16)) * PAGE);
    const flags = [...kind.flags];
    if (kind.backing === 'anon' && r.chance(0.3))
      flags.push(r.pick(['VM_NORESERVE', 'VM_DONTDUMP', 'VM_ACCOUNT']));
    const useHex = r.chance(0.1);
    const f: string[] = [`mm=${mm}`, `start=${hx(start)}`, `end=${hx(end)}`];
    f.push(`flags=${useHex ? vmFlagsHex(flags) : flags.join('|')}`);
    let basePfn: number | undefined;
    if (kind.pgoff === 'bar') f.push(`pgoff=${hx(0x20000000 + r.int(4) * 0x1000)}`);
    else if (kind.pgoff === 'zero') f.push('pgoff=0x0');
    else if (kind.pgoff === 'pfn') {
      basePfn = this.page(kind.kind, size / PAGE, true);
      f.push(`pgoff=${hx(basePfn)}`);
    } else if (r.chance(0.1)) f.push(`pgoff=${hx(r.int(0x100))}`);
    if (kind.backing && r.chance(0.95)) f.push(`backing=${kind.backing}`);
    if (kind.fs) f.push(`fs=${r.pick(kind.fs)}`);
    if (kind.ops) f.push(`ops=${kind.ops.join(',')}`);
    if (kind.remapped !== undefined) f.push(`remapped=${kind.remapped ? 1 : 0}`);
    const placed: PlacedVma = { mm, start, end, kind, entries: [], unmapped: false };
    this.vmas.push(placed);
    // Declare the pages it maps before the VMA line is emitted? Order does not matter to the
    // parser, only that both precede the entries; pages first reads like a real dump.
    const entryPfns = this.entryPages(placed, basePfn);
    this.emit('pinbench_vma', f.join(' '));
    for (const e of entryPfns) this.pte(placed, e.addr, e.pfn, e.level, e.special, e.write);
    return placed;
  }

  /** Pages for a VMA's entries (declared now), and the entries to write after the VMA line. */
  private entryPages(
    v: PlacedVma,
    basePfn: number | undefined,
  ): { addr: number; pfn: number | 'zero'; level: Level; special: boolean; write: boolean }[] {
    const r = this.rng;
    const k = v.kind;
    const out: { addr: number; pfn: number | 'zero'; level: Level; special: boolean; write: boolean }[] = [];
    if (k.pte === 'none') return out;
    const step = k.level === 'pud' ? PUD : k.level === 'pmd' ? PMD : PAGE;
    const slots = Math.round((v.end - v.start) / step);
    const special = k.backing === 'pfnmap' ? r.chance(0.7) : false;
    let pfn = basePfn;
    // One page run for PTE-level entries; one folio (or one aligned BAR pfn) per huge entry.
    if (k.pte !== 'zero' && pfn === undefined && k.level === 'pte')
      pfn = this.page(k.kind, slots, k.kind !== 'mmio');
    for (let i = 0; i < slots; i++) {
      const addr = v.start + i * step;
      if (!r.chance(k.pte === 'mixed' ? 0.7 : 0.9)) continue;
      const zero = k.pte === 'zero' || (k.pte === 'mixed' && r.chance(0.5));
      if (zero) out.push({ addr, pfn: 'zero', level: k.level, special: r.chance(0.85), write: false });
      else {
        const p =
          k.level === 'pte'
            ? pfn! + i
            : this.page(k.kind, k.kind === 'mmio' ? 1 : step / PAGE, k.kind !== 'mmio', step / PAGE);
        out.push({ addr, pfn: p, level: k.level, special, write: k.write && r.chance(0.9) });
      }
    }
    return out;
  }

  pte(
    v: PlacedVma,
    addr: number,
    pfn: number | 'zero',
    level: Level,
    special: boolean,
    write: boolean,
  ): void {
    const f = [`mm=${v.mm}`, `addr=${hx(addr)}`, `pfn=${pfn === 'zero' ? 'zero' : hx(pfn)}`];
    if (level !== 'pte' || this.rng.chance(0.8)) f.push(`level=${level}`);
    f.push(`special=${special ? 1 : 0}`, `write=${write ? 1 : 0}`);
    if (write && this.rng.chance(0.7)) f.push('dirty=1');
    this.emit('pinbench_pte', f.join(' '));
    v.entries.push({ addr, level });
  }

  // ---- calls -----------------------------------------------------------------------------

  private liveVma(pred?: (v: PlacedVma) => boolean): PlacedVma | undefined {
    const live = this.vmas.filter((v) => !v.unmapped && (pred ? pred(v) : true));
    return live.length ? this.rng.pick(live) : undefined;
  }

  /** An address range of `pages` pages in `v` (clipped to it), sometimes off the end. */
  private range(v: PlacedVma, maxPages: number): { start: number; pages: number } {
    const r = this.rng;
    const total = Math.max(1, Math.round((v.end - v.start) / PAGE));
    const first = r.int(total);
    let pages = 1 + r.int(Math.min(maxPages, total - first));
    if (r.chance(0.03)) pages += 1 + r.int(4); // runs past the VMA
    return { start: v.start + first * PAGE, pages };
  }

  private observed(name: string, pages: number): string {
    const r = this.rng;
    // What the recording kernel returned, now and then: on the line, or as a `<call>_ret:` record.
    const roll = r.int(100);
    if (roll < 4) return ` ret=${r.pick([pages, 0, -14, -12, -22, -95])}`;
    if (roll < 7) this.pendingRet = { event: `${name}_ret`, payload: `ret=${r.pick([pages, -14, -11])}` };
    return '';
  }

  private pendingRet: { event: string; payload: string } | undefined;

  private flushRet(): void {
    if (!this.pendingRet) return;
    this.lines.push({ ...this.pendingRet, call: false, marker: false });
    this.pendingRet = undefined;
  }

  gup(): boolean {
    const r = this.rng;
    const v = this.liveVma();
    let name = r.weighted(GUP_APIS);
    const remote = name.endsWith('_remote');
    let mm = 1;
    if (v && v.mm !== 1) name = r.chance(0.5) ? 'pin_user_pages_remote' : 'get_user_pages_remote';
    if (v && (v.mm !== 1 || remote)) mm = v.mm;
    const isRemote = name.endsWith('_remote');
    const { start, pages } = v ? this.range(v, this.heavy ? 8 : 6) : { start: 0x7e0000000000, pages: 1 };
    const flags = new Set<FollFlag>();
    for (const [flag, p] of FOLL_WEIGHTS) if (r.chance(p)) flags.add(flag);
    let flagText = flags.size === 0 ? '0' : FOLL_ORDER.filter((f) => flags.has(f)).join('|');
    if (this.ctx.kernel && r.chance(0.3)) {
      flagText = hx(encodeGupFlags(flags, parseKernelVersion(this.ctx.kernel)));
    }
    const f: string[] = [];
    if (isRemote || r.chance(0.5)) f.push(`mm=${mm}`);
    f.push(`start=${hx(r.chance(0.02) ? start + 0x10 : start)}`);
    f.push(`nr_pages=${r.chance(0.01) ? 0 : pages}`);
    f.push(`gup_flags=${flagText}`);
    if (isRemote)
      f.push(
        `locked=${r.weighted([
          [4, 'null'],
          [1, '0'],
          [3, '1'],
        ] as const)}`,
      );
    const withPages = !r.chance(0.05);
    if (!withPages || r.chance(0.2)) f.push(`pages=${withPages ? 1 : 0}`);
    const seq = this.seq;
    this.emit(name, f.join(' ') + this.observed(name, pages), true);
    this.flushRet();
    this.gups.push({ seq, pin: name.startsWith('pin_'), released: false, name });
    return true;
  }

  release(): boolean {
    const r = this.rng;
    const open = this.gups.filter((g) => !g.released);
    if (r.chance(0.04) && this.pages.length > 0) {
      const p = r.pick(this.pages);
      this.emit('put_page', `pfn=${hx(p.pfn + r.int(p.nr))}`, true);
      return true;
    }
    // Now and then the same call twice (a double unpin is a real bug class).
    const g = open.length ? r.pick(open) : this.gups.length && r.chance(0.1) ? r.pick(this.gups) : undefined;
    if (!g) return false;
    g.released = true;
    if (!g.pin) {
      this.emit('put_page', `of=${g.seq}`, true);
      return true;
    }
    const name = r.weighted([
      [5, 'unpin_user_pages'],
      [3, 'unpin_user_pages_dirty_lock'],
      [2, 'unpin_user_page'],
    ] as const);
    const dirty =
      name === 'unpin_user_pages_dirty_lock' || r.chance(0.1) ? ` make_dirty=${r.chance(0.5) ? 1 : 0}` : '';
    this.emit(name, `of=${g.seq}${dirty}`, true);
    return true;
  }

  vfioMap(): boolean {
    const r = this.rng;
    const v = this.liveVma();
    if (!v) return false;
    const { start, pages } = this.range(v, 8);
    const container = r.chance(0.85) ? 1 : 2;
    const iova = this.nextIova;
    this.nextIova += 0x100000;
    const flags = r.weighted([
      [5, 'READ'],
      [5, 'READ|WRITE'],
      [1, 'WRITE'],
    ] as const);
    this.emit(
      'vfio_map_dma',
      `container=${container} mm=${v.mm} iova=${hx(iova)} vaddr=${hx(start)} size=${hx(pages * PAGE)} flags=${flags}`,
      true,
    );
    this.dma.push({ container, mm: v.mm, iova, size: pages * PAGE });
    // The zero-page leak of "vfio/type1: Unpin zero pages" shows over repeated cycles.
    if (r.chance(0.3)) {
      const cycles = 1 + r.int(this.heavy ? 6 : 3);
      for (let i = 0; i < cycles; i++) {
        this.vfioUnmap(this.dma.length - 1);
        this.emit(
          'vfio_map_dma',
          `container=${container} mm=${v.mm} iova=${hx(iova)} vaddr=${hx(start)} size=${hx(pages * PAGE)} flags=${flags}`,
          true,
        );
        this.dma.push({ container, mm: v.mm, iova, size: pages * PAGE });
      }
    }
    return true;
  }

  vfioUnmap(index?: number): boolean {
    if (this.dma.length === 0) return false;
    const i = index ?? this.rng.int(this.dma.length);
    const m = this.dma[i]!;
    this.dma.splice(i, 1);
    this.emit(
      'vfio_unmap_dma',
      `container=${m.container} mm=${m.mm} iova=${hx(m.iova)} size=${hx(m.size)}`,
      true,
    );
    return true;
  }

  ioUring(): boolean {
    const r = this.rng;
    const mm = 1;
    if (this.registered.has(mm) && !r.chance(0.1)) {
      this.registered.delete(mm);
      this.emit('io_uring_unregister_buffers', `mm=${mm}`, true);
      return true;
    }
    const v = this.liveVma((x) => x.mm === mm);
    if (!v) return false;
    const huge = v.kind.level !== 'pte';
    const { start, pages } = huge ? { start: v.start, pages: (v.end - v.start) / PAGE } : this.range(v, 8);
    this.emit('io_uring_register_buffers', `mm=${mm} addr=${hx(start)} len=${hx(pages * PAGE)}`, true);
    this.registered.add(mm);
    return true;
  }

  private insertablePfn(): string {
    const r = this.rng;
    if (r.chance(0.3) || this.pages.length === 0) return 'zero';
    const p = r.pick(this.pages);
    return hx(p.pfn + r.int(p.nr));
  }

  insertPage(): boolean {
    const r = this.rng;
    const v =
      this.liveVma((x) => x.kind.backing === 'mixedmap') ?? (r.chance(0.5) ? this.liveVma() : undefined);
    if (!v) return false;
    const name = r.weighted([
      [4, 'vm_insert_page'],
      [4, 'vm_insert_pages'],
      [1, 'vm_map_pages'],
    ] as const);
    const { start, pages } = this.range(v, 8);
    if (name === 'vm_insert_page') {
      this.emit(name, `mm=${v.mm} addr=${hx(start)} pfn=${this.insertablePfn()}`, true);
    } else {
      const pfns = Array.from({ length: pages }, () => this.insertablePfn());
      this.emit(name, `mm=${v.mm} addr=${hx(start)} pfns=${pfns.join(',')}`, true);
    }
    return true;
  }

  insertPfn(): boolean {
    const r = this.rng;
    const v =
      this.liveVma(
        (x) => x.kind.backing === 'pfnmap' || x.kind.backing === 'mixedmap' || x.kind.backing === 'fsdax',
      ) ?? (r.chance(0.3) ? this.liveVma() : undefined);
    if (!v) return false;
    const name = r.weighted([
      [4, 'vmf_insert_mixed'],
      [2, 'vmf_insert_mixed_mkwrite'],
      [3, 'vmf_insert_pfn'],
      [3, 'remap_pfn_range'],
    ] as const);
    const { start, pages } = this.range(v, 8);
    const huge = r.chance(0.1) && v.end - v.start >= PMD;
    const addr = huge ? v.start : start;
    const size = name === 'remap_pfn_range' ? pages * PAGE : huge ? PMD : PAGE;
    const f = [`mm=${v.mm}`, `addr=${hx(addr)}`, `pfn=${this.insertablePfn()}`];
    if (size !== PAGE || r.chance(0.5)) f.push(`size=${hx(size)}`);
    this.emit(name, f.join(' '), true);
    return true;
  }

  lookup(): boolean {
    const r = this.rng;
    const v = this.liveVma();
    if (!v) return false;
    const e = v.entries.length && r.chance(0.8) ? r.pick(v.entries) : undefined;
    const addr = e ? e.addr + (e.level === 'pte' ? 0 : r.int(16) * PAGE) : this.range(v, 1).start;
    const name = r.weighted([
      [e?.level === 'pte' || !e ? 5 : 1, 'vm_normal_page'],
      [e?.level === 'pmd' ? 5 : 1, 'vm_normal_page_pmd'],
      [e?.level === 'pud' ? 5 : 1, 'vm_normal_page_pud'],
      [4, 'folio_walk_start'],
    ] as const);
    const flags = name === 'folio_walk_start' && r.chance(0.5) ? ' flags=FW_ZEROPAGE' : '';
    this.emit(name, `mm=${v.mm} addr=${hx(addr)}${flags}`, true);
    return true;
  }

  munmap(partial: boolean): boolean {
    const v = this.liveVma();
    if (!v) return false;
    const pages = Math.round((v.end - v.start) / PAGE);
    let start = v.start;
    let len = v.end - v.start;
    if (partial && pages > 1 && v.kind.level === 'pte') {
      const first = this.rng.int(pages - 1);
      start = v.start + first * PAGE;
      len = (1 + this.rng.int(pages - first - 1)) * PAGE;
    } else v.unmapped = true;
    this.emit('munmap', `mm=${v.mm} addr=${hx(start)} len=${hx(len)}`, true);
    return true;
  }

  fork(): boolean {
    const child = Math.max(...this.mms) + 1;
    this.mms.push(child);
    this.emit('fork', `mm=1 child=${child}`, true);
    return true;
  }

  /** One random call (retries a few families when one has nothing to act on). */
  call(): void {
    const r = this.rng;
    for (let attempt = 0; attempt < 6; attempt++) {
      const op = r.weighted([
        [30, 'gup'],
        [18, 'release'],
        [9, 'vfio'],
        [4, 'vfio-unmap'],
        [5, 'io_uring'],
        [7, 'insert-page'],
        [6, 'insert-pfn'],
        [12, 'lookup'],
        [2, 'munmap'],
        [1, 'fork'],
      ] as const);
      const done =
        op === 'gup'
          ? this.gup()
          : op === 'release'
            ? this.release()
            : op === 'vfio'
              ? this.vfioMap()
              : op === 'vfio-unmap'
                ? this.vfioUnmap()
                : op === 'io_uring'
                  ? this.ioUring()
                  : op === 'insert-page'
                    ? this.insertPage()
                    : op === 'insert-pfn'
                      ? this.insertPfn()
                      : op === 'lookup'
                        ? this.lookup()
                        : op === 'munmap'
                          ? this.munmap(r.chance(0.6))
                          : this.fork();
      if (done) return;
    }
    this.gup();
  }

  expectAfterCall(): void {
    const r = this.rng;
    if (!r.chance(this.heavy ? 0.03 : 0.2)) return;
    const a = r.pick([
      'ret!=livelock',
      'ret>=0',
      'ret!=BUG',
      'warns=0',
      'bugs=0',
      'ret<0',
      'refs.zero=0',
      'locked_vm=0',
      'err=EFAULT',
      'page0=zero|new',
    ]);
    const b = r.chance(0.3)
      ? ` ${r.pick(['ret!=livelock', 'special=0', 'pages>=0'].filter((x) => x !== a))}`
      : '';
    const scope = r.chance(0.1) ? ` scope=${r.pick(['v6.*', 'v5.*', 'v6.1', 'v6.1?'])}` : '';
    this.emit('pinbench_expect', `${a}${b}${scope}`);
  }

  expectFinal(): void {
    const r = this.rng;
    if (!r.chance(0.35)) return;
    const all = [
      'final.bugs=0',
      'final.leaks=0',
      'final.pins_balanced=1',
      'final.warnings=0',
      'final.locked_vm=0',
      'final.longterm_unpinnable=0',
    ];
    const chosen = r.subset(all, 0.4);
    this.emit('pinbench_expect', (chosen.length ? chosen : ['final.bugs=0']).join(' '));
  }

  /** Releases what is still held, as a well-behaved program does before exiting (mostly). */
  teardown(): void {
    const r = this.rng;
    for (const g of this.gups) {
      if (g.released || !r.chance(0.8)) continue;
      g.released = true;
      this.emit(g.pin ? 'unpin_user_pages' : 'put_page', `of=${g.seq}`, true);
    }
    while (this.dma.length > 0 && r.chance(0.85)) this.vfioUnmap(0);
    if (this.registered.size > 0 && r.chance(0.85)) {
      this.registered.clear();
      this.emit('io_uring_unregister_buffers', 'mm=1', true);
    }
    if (r.chance(0.5))
      for (let i = 0; i < this.vmas.length; i++) if (!this.vmas[i]!.unmapped) this.munmap(false);
  }
}

/** VM_* symbols to the raw hex a kernel dump would show (the bits are the same in every release). */
function vmFlagsHex(flags: readonly string[]): string {
  let v = 0;
  for (const f of flags) v += 2 ** VM_FLAG_BITS[f as VmFlag];
  return hx(v);
}

/** One scenario: environment, declarations, calls with expectations, teardown. */
export function generateScenario(rng: Prng, ctx: TraceContext, opts: ScenarioOptions): ScenarioScript {
  const b = new ScenarioBuilder(rng, ctx, opts.callHeavy);
  const name = `${opts.prefix}-${ctx.index}`;
  b.config(ctx.index === 0);
  b.scenario(name);
  b.zeroPage();
  const vmas = opts.callHeavy ? 2 + rng.int(3) : 1 + rng.int(3);
  for (let i = 0; i < vmas; i++) b.vma(1);
  if (rng.chance(0.25)) b.vma(2);
  b.loosePages();
  const calls = opts.callHeavy ? 60 + rng.int(120) : 2 + rng.int(9);
  for (let i = 0; i < calls; i++) {
    b.call();
    b.expectAfterCall();
  }
  b.teardown();
  b.expectFinal();
  ctx.index++;
  return { name, lines: b.lines };
}
