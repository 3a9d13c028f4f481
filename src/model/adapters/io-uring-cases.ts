/**
 * Adapter for the real io_uring recordings (traces/real/, copied from spec/real-traces/): a static
 * test program registers one buffer per mapping kind with IORING_REGISTER_BUFFERS and describes
 * every step through `trace_marker` in its own ad-hoc layout:
 *
 *   pinbench: zero_page probe addr=... present=1 pfn=0x3b34 kpageflags=0x101000000(zero_page|reserved)
 *   pinbench: case=zero_ro begin mapping="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, ..." addr=0x.. len=16384 zero_pfn=0x3b34
 *   pinbench: case=zero_ro step=before_register page=0 addr=0x.. present=1 pfn=0x3b34(=zero_pfn) kpagecount=0 kpageflags=0x...
 *   pinbench: case=zero_ro step=register_call op=IORING_REGISTER_BUFFERS(0) addr=0x.. len=16384
 *   io_uring_register: ring ..., opcode 0, nr_user_files 0, nr_user_bufs 0, ret -14      (the kernel's tracepoint)
 *   pinbench: case=zero_ro step=register_return ret=-1 errno=14(EFAULT)
 *   io_uring_register: ring ..., opcode 1, ..., ret 0                                      (IORING_UNREGISTER_BUFFERS)
 *   pinbench: case=zero_ro step=unregister ret=0 errno=0
 *   pinbench: case=zero_ro end
 *
 * in every layout ingest reads (tracefs with or without the flags column, `<...>` task names,
 * trace-cmd's `print: tracing_mark_write:`). This adapter turns them into typed model events
 * (named here as the vocabulary line each stands for; the event stream checks each as strictly as
 * it parses such a line, see check-event.ts):
 * - `pinbench_config` once before the first scenario (again if a later run's zero pfn differs):
 *   `kernel=` the recording kernel when known (from the caller: src/replay/adapters.ts), and
 *   `zero_pfn=` from the `zero_page probe` marker (or the `zero_pfn=` of the begin marker);
 * - one `pinbench_scenario` per `case=<name> begin` .. `end` block, titled with the mapping text;
 *   a name seen before in the trace (the 6.1 recording runs file_shared/file_private twice, on
 *   ext4 and on ramfs) gets the filesystem appended (`file_shared.ramfs`), else `.<n>`;
 * - the buffer's VMA from the mapping text (see `mappingVma`);
 * - `pinbench_page` + `pinbench_pte` from every `step=before_register` marker (see `pageFromMarker`);
 * - the model call `io_uring_register_buffers mm=1 addr= len=` at `step=register_call`. The model
 *   call is the outermost API call, the registration; the GUP calls nested inside it (kprobes in
 *   the 6.1 recording) are evidence, never calls;
 * - its observed return: the kernel's own `io_uring_register` tracepoint (`opcode 0 ... ret N`),
 *   emitted as an `observed` event of the record's pid (what an `io_uring_register_buffers_ret:
 *   ret=N` record says; the event stream pairs it with the latest call of that pid). When the recording has no tracepoint
 *   (f_trace_marker_only.trace holds markers only), the program's own `step=register_return
 *   ret=-1 errno=14(EFAULT)` gives it: ret < 0 means the syscall failed and errno holds the code,
 *   so the kernel returned -errno (-14). That is what io_uring_register(2) returned to user space,
 *   the same value the tracepoint prints;
 * - `io_uring_unregister_buffers mm=1 ret=N` at the `opcode 1` tracepoint, or at the
 *   `step=unregister ret= errno=` marker when there is no tracepoint.
 * Every other record passes through unchanged (null), markers the adapter does not translate
 * included (they stay generic context). Every event sits at the line it was read from, with that
 * line's text, so a divergence points at the real line; an error in one names the column of the
 * marker field it was read from (`pfn=` for a page, `addr=` for the VMA, PTE and call).
 *
 * Kprobe trail (the 6.1 recording, see default.probes.txt): entries and kretprobes of
 * pin_user_pages, __gup_longterm_locked, __get_user_pages, check_vma_flags, try_grab_page/folio,
 * wp_page_copy, unpin_user_page(s), io_pin_pages are paired per task (calls nest; a return pairs
 * with the latest open entry of the function it names, `[unknown/kretprobe'd]` callers included)
 * and kept per case as evidence (`cases()`): the GUP calls with their raw gup_flags decoded in the
 * *recording* kernel's numbering (0x50001 = FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN on 6.1), their
 * returns, the pages the kernel grabbed (struct page pointer -> pfn = (ptr - vmemmap_base) / 64,
 * vmemmap_base from the io_pin_pages probe) with the refcount it read, COW copies and unpins. They
 * confirm the declared pfns and the refcount rule below (io-uring-cases.test.ts checks both).
 *
 * Assumptions (x86_64, 4 KiB pages, the layouts of these recordings):
 * - zones follow the x86_64 layout by pfn: DMA below 16 MiB, DMA32 below 4 GiB, Normal above;
 *   ZONE_MOVABLE only exists with kernelcore=/movablecore= (the 6.1 guest shows it empty);
 * - the shared zero page is mapped by a special PTE (pte_special on x86_64: vm_normal_page()
 *   returns NULL for it, as the 6.1 probes show). It is declared `pinbench_page pfn=zero` with only
 *   what the trace shows (its zone, reserved) plus never isolatable; its refcount is the model's
 *   default 1 (kpagecount says nothing about it: special mappings are not counted);
 * - THP and hugetlb folios are PMD-sized (order 9, 2 MiB; a `1GiB` hugetlb mapping gets order 18
 *   and a PUD entry) and mapped by one PMD; tail pages described by the program are covered by it.
 */
import { parseFields } from '../../ingest/fields.ts';
import { markerText, parseProbePayload } from '../../ingest/probe-payload.ts';
import type { EventRecord } from '../../ingest/trace-record.ts';
import type { AdaptedEvent, RecordAdapter } from '../event-stream.ts';
import type {
  Backing,
  Filesystem,
  PageEvent,
  PageFlag,
  PageKind,
  TraceConfig,
  VmaEvent,
  VmaOp,
  Zone,
} from '../events.ts';
import { decodeGupFlags, formatGupFlags, type VmFlag } from '../flags.ts';
import { type KernelVersion, parseKernelVersion } from '../kernel-version.ts';

/** One line of a mount table (`/proc/mounts` as the guest-info sidecar lists it). */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  options: string[];
}

export interface IoUringCasesOptions {
  /** Release of the kernel that recorded the trace (`6.1`), or null when unknown. */
  recordingKernel: string | null;
  /** The recording machine's mounts, where known: decides the filesystem of file cases. */
  mounts?: readonly MountEntry[];
}

/** A GUP function the kprobe trail shows inside a registration, paired with its return. */
export interface GupProbeCall {
  fn: string;
  line: number;
  nrPages: number | null;
  rawFlags: number | null;
  /** rawFlags decoded with the recording kernel's numbering (null when the kernel is unknown). */
  flags: string | null;
  ret: number | null;
  retLine: number | null;
}

/** A page the kernel grabbed (try_grab_page / try_grab_folio entry). */
export interface GrabProbe {
  fn: string;
  line: number;
  pfn: number | null;
  /** `refs` of try_grab_folio; 1 for try_grab_page. */
  refs: number;
  /** `_refcount` the probe read before the grab. */
  refcount: number | null;
}

export interface CaseEvidence {
  vmemmapBase: bigint | null;
  gup: GupProbeCall[];
  checkVmaFlags: number[];
  grabs: GrabProbe[];
  /** wp_page_copy() entries: COW copies made by write faults during the registration. */
  cowCopies: number;
  /** Pfns passed to unpin_user_page(), and page0 of unpin_user_pages() (with npages). */
  unpins: { pfn: number | null; npages: number; line: number }[];
}

export interface ObservedReturn {
  ret: number;
  source: 'tracepoint' | 'marker';
  line: number;
}

/** What the adapter made of one `case=<name> begin .. end` block. */
export interface IoUringCase {
  name: string;
  scenario: string;
  title: string;
  line: number;
  pid: number;
  addr: number;
  len: number;
  vma: VmaShape;
  /** The pages declared for the scenario (head pfn -> declaration). */
  pages: { pfn: number | 'zero'; kind: PageKind; order: number; refcount?: number; mapcount: number }[];
  register: ObservedReturn | null;
  /** True once the register call was emitted (a case may end before it, e.g. a skipped case). */
  called: boolean;
  unregister: ObservedReturn | null;
  evidence: CaseEvidence;
}

export interface IoUringCasesAdapter extends RecordAdapter {
  /** Every case seen so far, with the probe evidence collected for it. */
  cases(): readonly IoUringCase[];
}

// ---- kpageflags (include/uapi/linux/kernel-page-flags.h bit numbers, an ABI; 32+ are the
// kernel-internal ones /proc/kpageflags also exports) ----------------------------------------------
const KPF = {
  LOCKED: 0,
  DIRTY: 4,
  LRU: 5,
  WRITEBACK: 8,
  MMAP: 11,
  ANON: 12,
  SWAPBACKED: 14,
  COMPOUND_HEAD: 15,
  COMPOUND_TAIL: 16,
  HUGE: 17,
  THP: 22,
  ZERO_PAGE: 24,
  RESERVED: 32,
  /** PG_mappedtodisk; on an anon page the same bit is PG_anon_exclusive. */
  MAPPEDTODISK: 34,
  /** PG_private: fs-private data (ext4 buffer heads) holding a page reference. */
  PRIVATE: 35,
} as const;

function kpf(bits: bigint, bit: number): boolean {
  return ((bits >> BigInt(bit)) & 1n) === 1n;
}

// ---- numbers --------------------------------------------------------------------------------------

/** The leading number of a marker value: `0x3b34(=zero_pfn)` -> 0x3b34, `14(EFAULT)` -> 14. */
function leadingInt(v: string | undefined): number | null {
  if (v === undefined) return null;
  const m = /^(-?)(0x[0-9a-fA-F]+|\d+)/.exec(v);
  if (!m) return null;
  const n = m[2]!.startsWith('0x') ? Number.parseInt(m[2]!.slice(2), 16) : Number(m[2]);
  return m[1] === '-' ? -n : n;
}

function leadingBig(v: string | undefined): bigint | null {
  if (v === undefined) return null;
  const m = /^(0x[0-9a-fA-F]+|\d+)/.exec(v);
  return m ? BigInt(m[1]!) : null;
}

const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;
/** sizeof(struct page) on x86_64. */
const STRUCT_PAGE_SIZE = 64n;

/** x86_64 zones by pfn: ZONE_DMA below 16 MiB, ZONE_DMA32 below 4 GiB, ZONE_NORMAL above. */
export function x86Zone(pfn: number): Zone {
  if (pfn < 0x1000) return 'DMA';
  if (pfn < 0x100000) return 'DMA32';
  return 'Normal';
}

// ---- the mapping text -----------------------------------------------------------------------------

export interface VmaShape {
  flags: VmFlag[];
  backing: Backing;
  fs?: Filesystem;
  ops: VmaOp[];
  /** Folio order of THP/hugetlb cases (0 for small pages). */
  hugeOrder: number;
  written: boolean;
  protWrite: boolean;
  /** The file's path, for file cases. */
  path?: string;
}

/** A mount type as a vocabulary filesystem; undefined when the vocabulary has no name for it. */
function fsOfMount(m: MountEntry): Filesystem | undefined {
  switch (m.fsType) {
    case 'ext4':
    case 'xfs':
    case 'btrfs':
    case 'tmpfs':
    case 'ramfs':
    case 'hugetlbfs':
      return m.fsType;
    case 'rootfs':
      // The initramfs root is "a special instance of ramfs (or tmpfs, if that's enabled)"
      // (Documentation/filesystems/ramfs-rootfs-initramfs.rst); size=/nr_inodes=/inode64 are
      // tmpfs mount options, so a rootfs showing them is tmpfs (the 6.1 guest's is).
      return m.options.some((o) => /^(size|nr_inodes|inode64|huge)\b/.test(o)) ? 'tmpfs' : 'ramfs';
    default:
      return m.fsType === 'fuse' || m.fsType.startsWith('fuse.') ? 'fuse' : undefined;
  }
}

/** The mount a path lives on: the longest mount point that prefixes it. */
function mountOf(path: string, mounts: readonly MountEntry[]): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`;
    if (m.mountPoint === '/' || path.startsWith(mp) || path === m.mountPoint) {
      if (!best || m.mountPoint.length > best.mountPoint.length) best = m;
    }
  }
  return best;
}

/** Filesystems whose vm_ops have ->page_mkwrite (ramfs: generic_file_vm_ops' filemap_page_mkwrite). */
const PAGE_MKWRITE_FS: ReadonlySet<Filesystem> = new Set(['ext4', 'xfs', 'btrfs', 'ramfs', 'fuse']);

/**
 * The VMA a case's mapping text describes. VM_* as mmap(2) sets them (do_mmap):
 * - PROT_READ/PROT_WRITE -> VM_READ/VM_WRITE; when the text names no PROT_ (the THP case) a
 *   mapping that was "written" is PROT_READ|PROT_WRITE, otherwise PROT_READ;
 * - VM_MAYREAD|VM_MAYWRITE always (MAP_SHARED files: the program opens them O_RDWR, which its
 *   PROT_WRITE mappings prove), VM_MAYEXEC unless the file's known mount is noexec;
 * - MAP_SHARED -> VM_SHARED|VM_MAYSHARE; a private writable mapping is charged: VM_ACCOUNT
 *   (not for hugetlb, which has its own reservation);
 * - MAP_HUGETLB -> VM_HUGETLB|VM_DONTEXPAND (hugetlbfs mmap), MADV_HUGEPAGE -> VM_HUGEPAGE.
 * Backing and filesystem: MAP_HUGETLB -> hugetlb on hugetlbfs; memfd -> shmem (its inode lives on
 * the kernel's internal tmpfs mount); MAP_SHARED|MAP_ANONYMOUS -> shmem; `file <path>` -> the
 * filesystem of the mount holding the path when the mounts are known, `/dev/shm/...` (POSIX shm,
 * tmpfs) or a case named shm_* -> tmpfs, else unknown (backing=file with no fs=: the model takes
 * an unknown file system as a disk one). tmpfs files are backing=shmem. ext4, xfs, btrfs, ramfs
 * and fuse mappings get ops=page_mkwrite.
 */
export function mappingVma(caseName: string, text: string, mounts: readonly MountEntry[] = []): VmaShape {
  const prot = /PROT_[A-Z_|]+/.exec(text)?.[0];
  const written = /\bwritten\b/.test(text) && !/read-faulted/.test(text);
  const protRead = prot ? prot.includes('PROT_READ') : true;
  const protWrite = prot ? prot.includes('PROT_WRITE') : written;
  const shared = /MAP_SHARED/.test(text);
  const hugetlb = /MAP_HUGETLB/.test(text) || caseName === 'hugetlb';
  const thp = /MADV_HUGEPAGE/.test(text);
  const memfd = /\bmemfd/.test(text);
  const path = /\bfile (\/\S*)/.exec(text)?.[1];
  const anon = /MAP_ANONYMOUS/.test(text) && !memfd && path === undefined;

  let backing: Backing;
  let fs: Filesystem | undefined;
  let mount: MountEntry | undefined;
  if (hugetlb) {
    backing = 'hugetlb';
    fs = 'hugetlbfs';
  } else if (memfd) {
    backing = 'shmem';
    fs = 'tmpfs';
  } else if (path !== undefined) {
    mount = mounts.length > 0 ? mountOf(path, mounts) : undefined;
    fs = mount
      ? fsOfMount(mount)
      : path.startsWith('/dev/shm/') || caseName.startsWith('shm')
        ? 'tmpfs'
        : undefined;
    backing = fs === 'tmpfs' ? 'shmem' : fs === 'hugetlbfs' ? 'hugetlb' : 'file';
  } else if (anon && shared) {
    backing = 'shmem';
  } else {
    backing = 'anon';
  }

  const flags: VmFlag[] = [];
  if (protRead) flags.push('VM_READ');
  if (protWrite) flags.push('VM_WRITE');
  if (shared) flags.push('VM_SHARED');
  flags.push('VM_MAYREAD', 'VM_MAYWRITE');
  if (!mount?.options.includes('noexec')) flags.push('VM_MAYEXEC');
  if (shared) flags.push('VM_MAYSHARE');
  if (!shared && protWrite && !hugetlb) flags.push('VM_ACCOUNT');
  if (hugetlb) flags.push('VM_DONTEXPAND', 'VM_HUGETLB');
  if (thp) flags.push('VM_HUGEPAGE');

  const ops: VmaOp[] =
    fs !== undefined && backing === 'file' && PAGE_MKWRITE_FS.has(fs) ? ['page_mkwrite'] : [];
  const hugeOrder = hugetlb || thp ? (/\b1\s?GiB\b/.test(text) ? 18 : 9) : 0;
  const out: VmaShape = { flags, backing, ops, hugeOrder, written, protWrite };
  if (fs !== undefined) out.fs = fs;
  if (path !== undefined) out.path = path;
  return out;
}

// ---- one described page ---------------------------------------------------------------------------

export interface PageShape {
  /** Head pfn of the folio, or `zero`. */
  pfn: number | 'zero';
  kind: PageKind;
  order: number;
  zone: Zone;
  flags: PageFlag[];
  mapcount: number;
  refcount: number;
  /** The PTE/PMD mapping the described address. */
  entry: { addr: number; level: 'pte' | 'pmd' | 'pud'; special: boolean; write: boolean };
  /** A tail page of a large folio: the folio and its entry come from the head. */
  tail: boolean;
}

/**
 * A `step=before_register` marker as a page and the entry mapping it. Fields: `addr=`,
 * `present=`, `pfn=` (from /proc/self/pagemap), `kpagecount=` (/proc/kpagecount), `kpageflags=`
 * (/proc/kpageflags, hex with names).
 *
 * kind from kpageflags: ZERO_PAGE -> zero; HUGE -> hugetlb; THP -> thp; ANON -> anon; SWAPBACKED
 * without ANON -> shmem (tmpfs/memfd page cache); otherwise a page-cache page -> file.
 *
 * /proc/kpagecount is NOT the refcount: it is the page's mapcount (how many page tables map it;
 * 0 for the zero page, whose special PTEs are not counted). The refcount is not exported, so it is
 * derived from what holds references on a mapped user page:
 *   refcount = mapcount                      one per mapping
 *            + 1  for a page-cache page      (file and shmem pages: the cache's own reference)
 *            + 1  with PG_private            (fs-private data, e.g. ext4 buffer heads)
 *            + 1  for an order-0 page that is not on an LRU yet: it sits in a per-CPU LRU-add
 *                 batch, which holds a reference until it is drained (hugetlb pages never go
 *                 to an LRU and get none).
 * The 6.1 kprobe trail confirms it for every kind it grabs: anon written 2 (1 + batch), ext4
 * shared 4 (1 + cache + private + batch), tmpfs 3, ramfs 3, PMD-mapped THP 1, hugetlb 1.
 * mapcount = kpagecount. Flags: lru, dirty, locked, writeback, swapbacked, reserved; `exclusive`
 * from PG_anon_exclusive (the mappedtodisk bit of an anon page). Every user page is declared
 * isolatable: one sitting in an LRU batch reaches the LRU when migration drains the batches
 * (lru_add_drain_all()) before isolating.
 *
 * The entry: the zero page through a special read-only PTE; a THP/hugetlb head through a PMD (PUD
 * for 1 GiB); other pages through a PTE, writable (and dirty) when the mapping is PROT_WRITE and
 * was written, and for anon pages also exclusive (a written private anon page is).
 */
export function pageFromMarker(
  f: Readonly<Record<string, string>>,
  vma: VmaShape,
  zeroPfn: number | null,
): PageShape | null {
  if (f.present !== '1') return null;
  const addr = leadingInt(f.addr);
  const pfn = leadingInt(f.pfn);
  if (addr === null || pfn === null) return null;
  const bits = leadingBig(f.kpageflags) ?? 0n;
  const mapcount = leadingInt(f.kpagecount) ?? 0;
  const isZero =
    kpf(bits, KPF.ZERO_PAGE) || (f.pfn ?? '').includes('=zero_pfn') || (zeroPfn !== null && pfn === zeroPfn);
  if (isZero) {
    return {
      pfn: 'zero',
      kind: 'zero',
      order: 0,
      zone: x86Zone(pfn),
      flags: ['reserved'],
      mapcount: 0,
      refcount: 1,
      entry: { addr, level: 'pte', special: true, write: false },
      tail: false,
    };
  }
  const anon = kpf(bits, KPF.ANON);
  const kind: PageKind = kpf(bits, KPF.HUGE)
    ? 'hugetlb'
    : kpf(bits, KPF.THP)
      ? 'thp'
      : anon
        ? 'anon'
        : kpf(bits, KPF.SWAPBACKED)
          ? 'shmem'
          : 'file';
  const large = kind === 'hugetlb' || kind === 'thp';
  const order = large ? vma.hugeOrder || 9 : 0;
  const tail = large && kpf(bits, KPF.COMPOUND_TAIL);
  const head = large ? pfn - (pfn % 2 ** order) : pfn;

  const flags: PageFlag[] = [];
  if (kpf(bits, KPF.LRU)) flags.push('lru');
  if ((anon || large) && kpf(bits, KPF.MAPPEDTODISK)) flags.push('exclusive');
  if (kpf(bits, KPF.DIRTY)) flags.push('dirty');
  if (kpf(bits, KPF.LOCKED)) flags.push('locked');
  if (kpf(bits, KPF.WRITEBACK)) flags.push('writeback');
  if (kpf(bits, KPF.SWAPBACKED)) flags.push('swapbacked');
  if (kpf(bits, KPF.RESERVED)) flags.push('reserved');

  const pageCache = kind === 'file' || kind === 'shmem';
  const refcount =
    mapcount +
    (pageCache ? 1 : 0) +
    (pageCache && kpf(bits, KPF.PRIVATE) ? 1 : 0) +
    (!large && !kpf(bits, KPF.LRU) ? 1 : 0);

  const level = order >= 18 ? 'pud' : order > 0 ? 'pmd' : 'pte';
  const span = PAGE_SIZE * 2 ** order;
  const write = vma.protWrite && vma.written && (!(anon || large) || flags.includes('exclusive'));
  return {
    pfn: head,
    kind,
    order,
    zone: x86Zone(head),
    flags,
    mapcount,
    refcount,
    entry: { addr: addr - (addr % span), level, special: false, write },
    tail,
  };
}

// ---- typed events ---------------------------------------------------------------------------------

/**
 * The column of `key=` in a marker's body (`pinbench: ` already cut off), or of the body itself:
 * where an error in an event read from that field points. The marker ends the record's payload
 * in every layout, so its column follows from its length.
 */
function markerCol(rec: EventRecord, body: string, key?: string): number {
  const at = rec.payloadCol + rec.payload.length - body.length;
  if (key === undefined) return at;
  const m = new RegExp(`(^|\\s)${key}=`).exec(body);
  return m ? at + m.index + m[1]!.length : at;
}

/** Return value of a syscall marker: `ret=-1 errno=14(EFAULT)` -> -14, `ret=0` -> 0. */
function syscallReturn(f: Readonly<Record<string, string>>): number | null {
  const ret = leadingInt(f.ret);
  if (ret === null) return null;
  if (ret >= 0) return ret;
  const errno = leadingInt(f.errno);
  return errno !== null && errno > 0 ? -errno : ret;
}

// ---- probes ---------------------------------------------------------------------------------------

const GUP_FNS = new Set([
  'pin_user_pages',
  'pin_user_pages_fast',
  'pin_user_pages_remote',
  'pin_user_pages_unlocked',
  'get_user_pages',
  'get_user_pages_fast',
  'get_user_pages_remote',
  '__gup_longterm_locked',
  '__get_user_pages',
]);

interface OpenCall {
  fn: string;
  gup?: GupProbeCall;
  checkVma?: boolean;
}

const MAX_STACK = 64;

// ---- the adapter ----------------------------------------------------------------------------------

interface CaseState extends IoUringCase {
  declared: Set<string>;
  /** The register call was emitted and waits for its observed return. */
  pendingRegister: boolean;
  pagePtrs: { grab: GrabProbe; ptr: bigint }[];
  unpinPtrs: { unpin: { pfn: number | null; npages: number; line: number }; ptr: bigint }[];
}

export function createIoUringCasesAdapter(opts: IoUringCasesOptions): IoUringCasesAdapter {
  let kernel: KernelVersion | null = null;
  if (opts.recordingKernel) {
    try {
      kernel = parseKernelVersion(opts.recordingKernel);
    } catch {
      kernel = null;
    }
  }
  const mounts = opts.mounts ?? [];
  const all: CaseState[] = [];
  const names = new Map<string, number>();
  let current: CaseState | null = null;
  let zeroPfn: number | null = null;
  /** zero_pfn of the config emitted last (undefined: none emitted yet). */
  let configZero: number | null | undefined;
  /** Open probe entries per pid (calls nest). */
  const stacks = new Map<number, OpenCall[]>();

  const pfnOf = (c: CaseState, ptr: bigint): number | null =>
    c.evidence.vmemmapBase === null || ptr < c.evidence.vmemmapBase
      ? null
      : Number((ptr - c.evidence.vmemmapBase) / STRUCT_PAGE_SIZE);

  function scenarioName(name: string, vma: VmaShape): string {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    if (n === 1) return name;
    const tag = vma.fs ?? vma.backing;
    const tagged = `${name}.${tag}`;
    if (!all.some((c) => c.scenario === tagged)) return tagged;
    return `${name}.${n}`;
  }

  function begin(
    rec: EventRecord,
    body: string,
    name: string,
    f: Readonly<Record<string, string>>,
  ): AdaptedEvent[] {
    const out: AdaptedEvent[] = [];
    const beginZero = leadingInt(f.zero_pfn);
    if (zeroPfn === null && beginZero !== null) zeroPfn = beginZero;
    if (configZero === undefined || (zeroPfn !== null && configZero !== zeroPfn)) {
      const config: Partial<TraceConfig> = {};
      if (kernel && opts.recordingKernel) config.kernel = opts.recordingKernel;
      if (zeroPfn !== null) config.zero_pfn = zeroPfn;
      out.push({ type: 'config', config, col: markerCol(rec, body) });
      configZero = zeroPfn;
    }
    const mapping = f.mapping ?? '';
    const vma = mappingVma(name, mapping, mounts);
    const addr = leadingInt(f.addr) ?? 0;
    const len = leadingInt(f.len) ?? 0;
    const c: CaseState = {
      name,
      scenario: scenarioName(name, vma),
      title: mapping,
      line: rec.line,
      pid: rec.pid,
      addr,
      len,
      vma,
      pages: [],
      register: null,
      called: false,
      unregister: null,
      evidence: { vmemmapBase: null, gup: [], checkVmaFlags: [], grabs: [], cowCopies: 0, unpins: [] },
      declared: new Set(),
      pendingRegister: false,
      pagePtrs: [],
      unpinPtrs: [],
    };
    all.push(c);
    current = c;
    stacks.delete(rec.pid);
    out.push({ type: 'scenario', name: c.scenario, title: mapping, col: markerCol(rec, body) });
    if (len > 0) {
      const span = PAGE_SIZE * 2 ** vma.hugeOrder;
      const start = addr - (addr % span);
      const end = Math.ceil((addr + len) / span) * span;
      const ev: Omit<VmaEvent, 'line' | 'text'> = {
        type: 'vma',
        mm: 1,
        start,
        end,
        flags: new Set(vma.flags),
        ops: [...vma.ops],
        remapped: false,
        backing: vma.backing,
      };
      if (vma.fs) ev.fs = vma.fs;
      out.push({ ...ev, col: markerCol(rec, body, 'addr') });
    }
    return out;
  }

  function beforeRegister(
    rec: EventRecord,
    body: string,
    c: CaseState,
    f: Readonly<Record<string, string>>,
  ): AdaptedEvent[] | null {
    const p = pageFromMarker(f, c.vma, zeroPfn);
    if (!p) return null;
    const out: AdaptedEvent[] = [];
    const col = markerCol(rec, body, 'pfn');
    const key = String(p.pfn);
    if (!c.declared.has(key)) {
      c.declared.add(key);
      const decl: IoUringCase['pages'][number] = {
        pfn: p.pfn,
        kind: p.kind,
        order: p.order,
        mapcount: p.mapcount,
      };
      if (p.pfn === 'zero') {
        // The model's zero page (refcount 1, reserved, never isolatable) stands for it; only its
        // zone comes from the trace.
        out.push({
          type: 'page',
          pfn: 'zero',
          nr: 1,
          zone: p.zone,
          kind: 'zero',
          flags: ['reserved'],
          isolatable: false,
          migrate: 'fail',
          col,
        });
      } else {
        decl.refcount = p.refcount;
        const page: Omit<PageEvent, 'line' | 'text'> = {
          type: 'page',
          pfn: p.pfn,
          nr: 2 ** p.order,
          zone: p.zone,
          kind: p.kind,
          refcount: p.refcount,
          mapcount: p.mapcount,
          flags: [...p.flags],
          isolatable: true,
        };
        if (p.order > 0) page.order = p.order;
        out.push({ ...page, col });
      }
      c.pages.push(decl);
    }
    // A tail page is mapped by its head's PMD/PUD entry: declare that once.
    const entryKey = `entry:${p.entry.level}:${p.entry.addr}`;
    if (!c.declared.has(entryKey)) {
      c.declared.add(entryKey);
      const e = p.entry;
      out.push({
        type: 'pte',
        mm: 1,
        addr: e.addr,
        pfn: p.pfn,
        level: e.level,
        special: e.special,
        write: e.write,
        dirty: e.write,
        col: markerCol(rec, body, 'addr'),
      });
    }
    return out.length > 0 ? out : null;
  }

  function registerCall(
    rec: EventRecord,
    body: string,
    c: CaseState,
    f: Readonly<Record<string, string>>,
  ): AdaptedEvent[] {
    const addr = leadingInt(f.addr) ?? c.addr;
    const len = leadingInt(f.len) ?? c.len;
    c.called = true;
    c.pendingRegister = true;
    return [
      {
        type: 'call',
        name: 'io_uring_register_buffers',
        args: { kind: 'io_uring', mm: 1, addr, len },
        col: markerCol(rec, body, 'addr'),
      },
    ];
  }

  function observeRegister(
    rec: EventRecord,
    c: CaseState,
    ret: number,
    source: ObservedReturn['source'],
  ): AdaptedEvent[] {
    c.pendingRegister = false;
    c.register = { ret, source, line: rec.line };
    return [{ type: 'observed', call: 'io_uring_register_buffers', ret }];
  }

  function unregister(
    rec: EventRecord,
    c: CaseState,
    ret: number,
    source: ObservedReturn['source'],
  ): AdaptedEvent[] {
    c.unregister = { ret, source, line: rec.line };
    return [
      {
        type: 'call',
        name: 'io_uring_unregister_buffers',
        args: { kind: 'io_uring', mm: 1, addr: 0, len: 0 },
        observed: { ret },
      },
    ];
  }

  function onMarker(rec: EventRecord, body: string): AdaptedEvent[] | null {
    if (body.startsWith('zero_page probe ')) {
      const pfn = leadingInt(parseFields(body).pfn);
      if (pfn !== null) zeroPfn = pfn;
      return null;
    }
    if (body.startsWith('start ')) {
      current = null;
      return null;
    }
    const m = /^case=(\S+) (begin|end)\b/.exec(body);
    if (m) {
      if (m[2] === 'begin') return begin(rec, body, m[1]!, parseFields(body));
      if (current && current.name === m[1]) current = null;
      return null;
    }
    const c = current;
    if (!c || rec.pid !== c.pid || !body.startsWith(`case=${c.name} step=`)) return null;
    const f = parseFields(body);
    switch (f.step) {
      case 'before_register':
        return beforeRegister(rec, body, c, f);
      case 'register_call':
        return c.called ? null : registerCall(rec, body, c, f);
      case 'register_return': {
        // Only when the kernel's tracepoint did not already give the return.
        const ret = syscallReturn(f);
        return c.pendingRegister && ret !== null ? observeRegister(rec, c, ret, 'marker') : null;
      }
      case 'unregister': {
        const ret = syscallReturn(f);
        return c.register?.ret === 0 && !c.unregister && ret !== null
          ? unregister(rec, c, ret, 'marker')
          : null;
      }
      default:
        return null;
    }
  }

  /** `io_uring_register: ring ..., opcode N, nr_user_files N, nr_user_bufs N, ret N`. */
  function onRegisterTracepoint(rec: EventRecord): AdaptedEvent[] | null {
    const c = current;
    if (!c || rec.pid !== c.pid) return null;
    const m = /\bopcode (\d+),.*\bret (-?\d+)/.exec(rec.payload);
    if (!m) return null;
    const opcode = Number(m[1]);
    const ret = Number(m[2]);
    if (opcode === 0 && c.pendingRegister) return observeRegister(rec, c, ret, 'tracepoint');
    if (opcode === 1 && c.register !== null && !c.unregister) return unregister(rec, c, ret, 'tracepoint');
    return null;
  }

  function onProbe(rec: EventRecord, c: CaseState): void {
    const p = parseProbePayload(rec.payload);
    if (!p) return;
    let stack = stacks.get(rec.pid);
    if (!stack) {
      stack = [];
      stacks.set(rec.pid, stack);
    }
    const ev = c.evidence;
    if (p.probe === 'return') {
      // Pair with the latest open entry of the probed function; entries above it had no return
      // probe (do_wp_page, unpin_user_page) and are closed with it.
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.fn !== p.sym) i--;
      if (i < 0) return;
      const open = stack[i]!;
      stack.length = i;
      const first = Object.values(p.fields)[0];
      const ret = leadingInt(p.fields.ret ?? first);
      if (open.gup) {
        open.gup.ret = ret;
        open.gup.retLine = rec.line;
      }
      if (open.checkVma && ret !== null) ev.checkVmaFlags.push(ret);
      return;
    }
    const open: OpenCall = { fn: p.sym };
    const a = p.fields;
    if (p.sym === 'io_pin_pages') {
      const base = leadingBig(a.vmemmap_base);
      if (base !== null) ev.vmemmapBase = base;
    } else if (GUP_FNS.has(p.sym)) {
      const raw = leadingInt(a.gup_flags);
      open.gup = {
        fn: p.sym,
        line: rec.line,
        nrPages: leadingInt(a.nr_pages),
        rawFlags: raw,
        flags: raw !== null && kernel ? formatGupFlags(decodeGupFlags(raw, kernel).flags) : null,
        ret: null,
        retLine: null,
      };
      ev.gup.push(open.gup);
    } else if (p.sym === 'check_vma_flags') {
      open.checkVma = true;
    } else if (p.sym === 'try_grab_page' || p.sym === 'try_grab_folio') {
      const ptr = leadingBig(a.page);
      const grab: GrabProbe = {
        fn: p.sym,
        line: rec.line,
        pfn: null,
        refs: leadingInt(a.refs) ?? 1,
        refcount: leadingInt(a.refcount),
      };
      ev.grabs.push(grab);
      if (ptr !== null) c.pagePtrs.push({ grab, ptr });
    } else if (p.sym === 'wp_page_copy') {
      ev.cowCopies++;
    } else if (p.sym === 'unpin_user_page' || p.sym === 'unpin_user_pages') {
      const ptr = leadingBig(p.sym === 'unpin_user_page' ? a.page : a.page0);
      const unpin = { pfn: null, npages: leadingInt(a.npages) ?? 1, line: rec.line };
      ev.unpins.push(unpin);
      if (ptr !== null) c.unpinPtrs.push({ unpin, ptr });
    }
    stack.push(open);
    if (stack.length > MAX_STACK) stack.splice(0, stack.length - MAX_STACK);
  }

  return {
    name: 'io-uring-cases',
    push(rec: EventRecord): AdaptedEvent[] | null {
      const text = markerText(rec);
      if (text !== undefined) return text.startsWith('pinbench: ') ? onMarker(rec, text.slice(10)) : null;
      if (rec.event === 'io_uring_register') return onRegisterTracepoint(rec);
      const c = current;
      if (c && rec.pid === c.pid && rec.payload.charCodeAt(0) === 40) onProbe(rec, c);
      return null;
    },
    end() {
      return [];
    },
    cases(): readonly IoUringCase[] {
      for (const c of all) {
        for (const { grab, ptr } of c.pagePtrs) grab.pfn = pfnOf(c, ptr);
        for (const { unpin, ptr } of c.unpinPtrs) unpin.pfn = pfnOf(c, ptr);
      }
      return all.map(
        ({ declared: _d, pendingRegister: _p, pagePtrs: _g, unpinPtrs: _u, ...rest }): IoUringCase => rest,
      );
    },
  };
}
