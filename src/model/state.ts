/**
 * The simulated kernel state of model.md: folios by pfn, address spaces with VMAs and PTE/PMD/PUD
 * entries, vfio containers, io_uring buffer tables, pin/WARN/BUG counters and a deterministic
 * allocator. One instance per policy per scenario; every policy applies the same declarations to
 * its own instance and then evolves it, so a leak stays a leak for the rest of the scenario.
 *
 * State is plain data (`StateData`): folios are reached by name and pfn, never by a second
 * reference, so `clone()` copies it member by member (plain-data.ts) and `equals()` compares it.
 * A `journaled` state can take back a step (`beginLog`, `rollbackLog`): its maps are JournalMaps
 * (journal-map.ts), and every other field of `StateData`, whatever it is, is copied when the log
 * opens (they are small). A field added to StateData is covered without more code.
 */

import {
  type Backing,
  type BuddyZone,
  DEFAULT_CONFIG,
  type Filesystem,
  type HugetlbEvent,
  type HugetlbSize,
  type Level,
  type Migratetype,
  type PageEvent,
  type PageFlag,
  type PageKind,
  type PfnRef,
  type PteEvent,
  type TraceConfig,
  type VmaEvent,
  type VmaOp,
  type Zone,
  type ZoneEvent,
} from './events.ts';
import type { FollFlag, VmFlag } from './flags.ts';
import { JournalMap, type MapDelta, peekGet, peekValues, WriteLog } from './journal-map.ts';
import { freeFolio } from './page-alloc.ts';
import { copyPlain, equalPlain, type JournalMapCopy } from './plain-data.ts';

export const PAGE_SIZE = 0x1000;
export const PMD_SIZE = 0x200000;
export const PUD_SIZE = 0x40000000;
export const LEVEL_SIZE: Record<Level, number> = { pte: PAGE_SIZE, pmd: PMD_SIZE, pud: PUD_SIZE };
/** GUP_PIN_COUNTING_BIAS (v5.7+). */
export const GUP_PIN_COUNTING_BIAS = 1024;
/**
 * First pfn of pages the model allocates (COW, unshare, migration targets). It sits below the
 * default highest_memmap_pfn (0x1000000) so that allocated pages have a struct page as far as
 * vm_normal_page()'s highest_memmap_pfn test is concerned; 8192 allocations of 512 pfns fit.
 */
export const ALLOC_PFN_BASE = 0xc00000;
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

export interface Folio {
  /** `zero`, `0x<head pfn>` for declared pages, `newN` for allocated ones. */
  name: string;
  pfn: number;
  order: number;
  zone: Zone;
  mt: Migratetype;
  kind: PageKind;
  /** Signed 32-bit, as the kernel's `_refcount`: adding wraps. */
  refcount: number;
  mapcount: number;
  /** `_pincount` of large folios. */
  pincount: number;
  flags: PageFlag[];
  isolatable: boolean;
  migrate: 'ok' | 'fail';
  /** False for pfns with no struct page (`kind=mmio`, above highest_memmap_pfn). */
  valid: boolean;
  /** Refcount and non-special mappings when declared/allocated: the baseline for leak checks. */
  baseRefcount: number;
  baseMappings: number;
  allocated: boolean;
  /** NUMA node (`node=` of pinbench_page; absent: node 0). */
  node?: number;
  /**
   * HPageTemporary / folio_test_hugetlb_temporary(): a hugetlb folio outside the pool's counts
   * (a fresh migration target, or the source that took over that state), freed to the buddy.
   */
  temporary?: boolean;
  /** The refcount dropped to 0 once: the folio went back to its zone or pool (page-alloc.ts). */
  freed?: boolean;
}

export interface Vma {
  start: number;
  end: number;
  flags: VmFlag[];
  pgoff: number;
  backing: Backing;
  fs?: Filesystem;
  ops: VmaOp[];
  remapped: boolean;
}

export interface Entry {
  pfn: number;
  level: Level;
  special: boolean;
  write: boolean;
  dirty: boolean;
  /**
   * _PAGE_DEVMAP (x86, with special): a legacy ZONE_DEVICE mapping (fs-dax) whose page holds no
   * reference for the mapping. Whether a release looks at it is the slot pteDevmap's business.
   */
  devmap?: boolean;
}

export interface Mm {
  id: number;
  vmas: Vma[];
  /** Entries by level, keyed by the level-aligned address. */
  pte: Map<number, Entry>;
  pmd: Map<number, Entry>;
  pud: Map<number, Entry>;
  /** mm->locked_vm: what vfio type1 charges (account_locked_vm), checked against RLIMIT_MEMLOCK. */
  lockedVm: number;
  /** mm->pinned_vm: what io_uring charges to ctx->mm_account (never limited). */
  pinnedVm: number;
  rss: { file: number; anon: number; shmem: number };
}

export interface DmaMapping {
  iova: number;
  size: number;
  vaddr: number;
  mm: number;
  write: boolean;
  /** Pfns the mapping holds, in iova order. */
  pfns: number[];
  /** Pages this mapping charged to locked_vm. */
  accounted: number;
}

export interface RegisteredBuffer {
  mm: number;
  addr: number;
  len: number;
  /** Pfns holding a pin (one per bvec). */
  pfns: number[];
  accounted: number;
}

/** What a finished call left behind, for `unpin_user_pages of=<seq>`. */
export interface CallRecord {
  pfns: number[];
  pin: boolean;
  released: boolean;
  /** The pages were taken with FOLL_LONGTERM (the long-term-pins-on-movable final check). */
  longterm?: boolean;
}

export interface Counters {
  pinsAcquired: number;
  pinsReleased: number;
  warnings: number;
  bugs: number;
  badPageMaps: number;
}

/** Free pages of one zone of one node (`pinbench_zone`). */
export interface ZoneFree {
  node: number;
  zone: BuddyZone;
  /** Free pages outside CMA pageblocks. */
  free: number;
  /** Free pages in MIGRATE_CMA pageblocks. */
  cma: number;
}

/** Free huge pages of one hstate on one node, by where they sit. */
export interface HugetlbPoolNode {
  node: number;
  free: number;
  freeMovable: number;
  freeCma: number;
}

/** One hstate's pool (`pinbench_hugetlb`). */
export interface HugetlbPool {
  nodes: HugetlbPoolNode[];
  /** h->surplus_huge_pages. */
  surplus: number;
  /** h->nr_overcommit_huge_pages. */
  overcommit: number;
}

/**
 * The allocation scope of the current task (current->flags): `nocma` is memalloc_nocma_save()
 * (PF_MEMALLOC_NOCMA, v5.1 .. v5.12), `pin` is memalloc_pin_save() (PF_MEMALLOC_PIN, v5.13+).
 */
export type MemallocScope = 'none' | 'nocma' | 'pin';

export interface StateData {
  config: TraceConfig;
  folios: Map<string, Folio>;
  /** pfn -> folio name (every pfn of a large folio points at the head's folio). */
  pfns: Map<number, string>;
  mms: Map<number, Mm>;
  containers: Map<number, DmaMapping[]>;
  ioUring: Map<number, RegisteredBuffer[]>;
  calls: Map<number, CallRecord>;
  /** Outstanding FOLL_LONGTERM pins per pfn (for the long-term-pins-on-movable final check). */
  longterm: Map<number, number>;
  /**
   * user->locked_vm of the (one) user the trace runs as: what io_uring charges to ctx->user
   * (set only without CAP_IPC_LOCK) and checks against RLIMIT_MEMLOCK, apart from any
   * mm->locked_vm (7.2.13 and 6.1.192 io_uring/rsrc.c: __io_account_mem()).
   */
  userLockedVm: number;
  counters: Counters;
  nextAlloc: number;
  /**
   * Free pages per declared zone (`pinbench_zone`). Absent or empty: the buddy allocator is not
   * modelled and every allocation succeeds in ZONE_NORMAL (every trace written before zones).
   */
  zones?: ZoneFree[];
  /** hugetlb pools by size (`pinbench_hugetlb`); a size without a line has an unlimited pool. */
  hugetlb?: Partial<Record<HugetlbSize, HugetlbPool>>;
  /**
   * current->flags allocation scope, set by __gup_longterm_locked() around the pinning (undefined:
   * none). Present from the start and never deleted: adding and deleting a field on every
   * long-term call made `data` a slow (dictionary-mode) object for the rest of the scenario.
   */
  memalloc: MemallocScope | undefined;
}

/** Per-call journal: the outcome's why path, warnings and ref/pin deltas. */
export interface Journal {
  why: string[];
  warn: string[];
  /** Refcount changes per folio name; null until the call changes one (most calls change none). */
  refs: Map<string, number> | null;
  /** `_pincount` changes, the same way. */
  pins: Map<string, number> | null;
  lockedVmBefore: number;
  pinnedVmBefore: number;
  special: boolean;
  /** The call's `seq` in its scenario, when the caller knows it (for `st.recordCall`). */
  seq: number | undefined;
}

/**
 * A map for the state's tables: a JournalMap in a journaled state (see `State`), its values
 * copied for a log by `copy` when given (else copyPlain, field by field).
 */
function table<K, V>(log: WriteLog | null, copy?: (v: V & object) => V): Map<K, V> {
  return log ? new JournalMap<K, V>(log, null, copy) : new Map<K, V>();
}

/**
 * A folio's copy for a write log: its fields are primitives but `flags`. These two copies run on
 * most logged steps, so they do not walk the fields as copyPlain does; a field added to Folio or
 * Entry that holds an object must be copied here too (state.test.ts compares with copyPlain).
 */
export function copyFolio(f: Folio): Folio {
  const out = { ...f };
  out.flags = f.flags.slice();
  return out;
}

/** An entry's copy for a write log: every field is a primitive. */
export function copyEntry(e: Entry): Entry {
  return { ...e };
}

function emptyMm(id: number, log: WriteLog | null): Mm {
  return {
    id,
    vmas: [],
    pte: table(log, copyEntry),
    pmd: table(log, copyEntry),
    pud: table(log, copyEntry),
    lockedVm: 0,
    pinnedVm: 0,
    rss: { file: 0, anon: 0, shmem: 0 },
  };
}

/**
 * What a step changed in a journaled state, relative to the state before it: the maps it wrote
 * and the other fields as they were after it (see `State.rollbackLog`).
 */
export interface StateDelta {
  maps: Map<JournalMap<unknown, unknown>, MapDelta<unknown, unknown>>;
  fields: Record<string, unknown>;
}

type Fields = Record<string, unknown>;

export class State {
  readonly data: StateData;
  private journal: Journal | null = null;
  // `data`'s maps, which are never replaced: read through the State (one hidden class) rather
  // than through `data`, whose shape varies with the optional fields a scenario sets.
  private readonly pfnMap: Map<number, string>;
  private readonly folioMap: Map<string, Folio>;
  private readonly mmMap: Map<number, Mm>;
  private readonly longtermMap: Map<number, number>;
  private readonly callMap: Map<number, CallRecord>;
  // folioOf's last answer (a step asks for the same pfn's folio several times). Forgotten by
  // every change of the two maps, which happen here only (ensureZeroPage, declarePage,
  // allocPage); never kept in a journaled state, whose maps also change by rollback and whose
  // logged reads hand out copies.
  private memoPfn = -1;
  private memoFolio: Folio | undefined = undefined;

  /** The write log of a journaled state (null: plain Maps, nothing can be taken back). */
  private readonly log: WriteLog | null;
  /** While the log is open: the fields that are not JournalMaps, as they were when it opened. */
  private fieldsBefore: Fields | null = null;

  /**
   * `journaled`: for a state that steps for a group of policies (the grouped lockstep), whose
   * steps may have to be taken back. A JournalMap's reads cost a little more than a Map's, so a
   * state stepped alone keeps plain Maps.
   */
  constructor(config: TraceConfig = { ...DEFAULT_CONFIG }, data?: StateData, journaled = false) {
    // `data` (from `clone`) is copied: values, nested maps and all.
    this.log = journaled ? new WriteLog() : null;
    const log = this.log;
    this.data = data
      ? copyPlain(data, log ? cloneMapsInto(log) : toPlainMap)
      : {
          // Frozen in a journaled state: a write log then shares it instead of copying it.
          config: log ? Object.freeze({ ...config }) : { ...config },
          folios: table(log, copyFolio),
          pfns: table(log),
          mms: table(log),
          containers: table(log),
          ioUring: table(log),
          calls: table(log),
          longterm: table(log),
          userLockedVm: 0,
          counters: { pinsAcquired: 0, pinsReleased: 0, warnings: 0, bugs: 0, badPageMaps: 0 },
          nextAlloc: 1,
          memalloc: undefined,
        };
    this.pfnMap = this.data.pfns;
    this.folioMap = this.data.folios;
    this.mmMap = this.data.mms;
    this.longtermMap = this.data.longterm;
    this.callMap = this.data.calls;
    if (!data) this.ensureZeroPage();
  }

  get journaled(): boolean {
    return this.log !== null;
  }

  /** A copy to evolve apart (the lockstep's group that splits for good); also under an open log. */
  clone(): State {
    return new State(this.data.config, this.data, this.log !== null);
  }

  /** Whether two states hold equal data (then the same table steps both the same way). */
  equals(other: State): boolean {
    return equalPlain(this.data, other.data);
  }

  // ---- the write log (journaled states) --------------------------------------------------------

  /** Opens the write log: what happens from here can be taken back (`rollbackLog`). */
  beginLog(): void {
    const log = this.log;
    if (!log) throw new Error('beginLog on a state that is not journaled');
    if (log.open) throw new Error('beginLog with the log already open');
    log.open = true;
    log.epoch++;
    log.touched.length = 0;
    const before: Fields = {};
    const data = this.data as unknown as Fields;
    for (const k in data) {
      const v = data[k];
      if (!(v instanceof JournalMap)) before[k] = copyPlain(v, shareJournalMap);
    }
    this.fieldsBefore = before;
  }

  /** Closes the log, keeping what was written. */
  commitLog(): void {
    const log = this.openLog();
    for (const m of log.touched) m.commit();
    log.touched.length = 0;
    log.open = false;
    this.fieldsBefore = null;
  }

  /** Closes the log, taking back what was written; returns it, for `redoLog` and `matchesLog`. */
  rollbackLog(): StateDelta {
    const log = this.openLog();
    const maps = new Map<JournalMap<unknown, unknown>, MapDelta<unknown, unknown>>();
    for (const m of log.touched) maps.set(m, m.rollback());
    log.touched.length = 0;
    log.open = false;
    const data = this.data as unknown as Fields;
    const before = this.fieldsBefore!;
    const fields: Fields = {};
    for (const k in data) {
      const v = data[k];
      if (v instanceof JournalMap) continue;
      fields[k] = v;
      // Assigned in place, so the fields keep their order; one the step added goes.
      if (k in before) data[k] = before[k];
      else delete data[k];
    }
    for (const k in before) if (!(k in data)) data[k] = before[k];
    this.fieldsBefore = null;
    return { maps, fields };
  }

  /** Writes a rolled-back delta again; the state must be as it was before that log. */
  redoLog(d: StateDelta): void {
    for (const [m, md] of d.maps) m.redo(md);
    const data = this.data as unknown as Fields;
    for (const k in data) if (!(data[k] instanceof JournalMap) && !(k in d.fields)) delete data[k];
    for (const k in d.fields) data[k] = d.fields[k];
  }

  /**
   * Whether the state now, under the open log, equals the state before the log with `d` (an
   * earlier, rolled-back log from the same state) written: costs about what either log touched.
   */
  matchesLog(d: StateDelta): boolean {
    const log = this.openLog();
    const data = this.data as unknown as Fields;
    let n = 0;
    for (const k in data) {
      const v = data[k];
      if (v instanceof JournalMap) continue;
      n++;
      if (!(k in d.fields) || !equalPlain(v, d.fields[k])) return false;
    }
    if (n !== Object.keys(d.fields).length) return false;
    for (const [m, md] of d.maps) if (!m.matches(md, equalPlain)) return false;
    for (const m of log.touched) if (!d.maps.has(m) && !m.matches(undefined, equalPlain)) return false;
    return true;
  }

  private openLog(): WriteLog {
    if (!this.log?.open) throw new Error('no write log open');
    return this.log;
  }

  get config(): TraceConfig {
    return this.data.config;
  }

  /** Later `pinbench_config` lines override fields; the zero page follows `zero_pfn`. */
  setConfig(partial: Partial<TraceConfig>): void {
    if (Object.isFrozen(this.data.config))
      this.data.config = Object.freeze({ ...this.data.config, ...partial });
    else Object.assign(this.data.config, partial);
    this.ensureZeroPage();
  }

  private ensureZeroPage(): void {
    const pfn = this.data.config.zero_pfn;
    this.memoPfn = -1;
    const existing = this.folioMap.get('zero');
    if (existing && existing.pfn === pfn) return;
    if (existing) this.pfnMap.delete(existing.pfn);
    const zero: Folio = existing ?? {
      name: 'zero',
      pfn,
      order: 0,
      zone: 'Normal',
      mt: 'Unmovable',
      kind: 'zero',
      refcount: 1,
      mapcount: 0,
      pincount: 0,
      flags: ['reserved'],
      isolatable: false,
      migrate: 'fail',
      valid: true,
      baseRefcount: 1,
      baseMappings: 0,
      allocated: false,
    };
    zero.pfn = pfn;
    this.folioMap.set('zero', zero);
    this.pfnMap.set(pfn, 'zero');
  }

  resolvePfn(ref: PfnRef): number {
    return ref === 'zero' ? this.data.config.zero_pfn : ref;
  }

  isZeroPfn(pfn: number): boolean {
    return pfn === this.data.config.zero_pfn;
  }

  /** The folio of a pfn, or undefined for a pfn with no declared page. */
  folioOf(pfn: number): Folio | undefined {
    if (pfn === this.memoPfn) return this.memoFolio;
    const name = this.pfnMap.get(pfn);
    const folio = name === undefined ? undefined : this.folioMap.get(name);
    if (this.log === null) {
      this.memoPfn = pfn;
      this.memoFolio = folio;
    }
    return folio;
  }

  folio(name: string): Folio | undefined {
    return this.folioMap.get(name);
  }

  /** pfn_valid(): declared pages and any pfn up to highest_memmap_pfn have a struct page, mmio does not. */
  pfnValid(pfn: number): boolean {
    const f = this.folioOf(pfn);
    if (f) return f.valid;
    return pfn <= this.data.config.highest_memmap_pfn;
  }

  /** Display name of a pfn: `zero`, the folio's name for its head, `0x<pfn>` otherwise. */
  pageName(pfn: number): string {
    const f = this.folioOf(pfn);
    if (f && f.pfn === pfn) return f.name;
    if (f?.allocated) return `${f.name}+${pfn - f.pfn}`;
    return `0x${pfn.toString(16)}`;
  }

  // ---- declarations ---------------------------------------------------------------------------

  declarePage(ev: PageEvent): void {
    this.memoPfn = -1;
    const head = this.resolvePfn(ev.pfn);
    const order = ev.order ?? (ev.kind === 'thp' ? 9 : 0);
    const perFolio = 2 ** order;
    const isZero = ev.pfn === 'zero' || this.isZeroPfn(head);
    for (let i = 0; i < ev.nr; i += perFolio) {
      const pfn = head + i;
      const name = isZero ? 'zero' : `0x${pfn.toString(16)}`;
      const kind = ev.kind ?? (isZero ? 'zero' : 'anon');
      const flags =
        ev.flags ??
        (isZero
          ? ['reserved']
          : kind === 'anon' || kind === 'file' || kind === 'shmem' || kind === 'thp'
            ? ['lru']
            : []);
      const refcount = ev.refcount ?? 1;
      // Each folio gets its own flags array: policies set and clear flags in place, and the
      // event's array is shared by every policy's state (and every folio of an `nr=` run).
      const folio: Folio = {
        name,
        pfn,
        order,
        zone: ev.zone ?? (kind === 'device_coherent' || kind === 'device_private' ? 'Device' : 'Normal'),
        mt:
          ev.mt ??
          (kind === 'anon' || kind === 'thp' || kind === 'file' || kind === 'shmem'
            ? 'Movable'
            : 'Unmovable'),
        kind,
        refcount,
        mapcount: ev.mapcount ?? 0,
        pincount: ev.pincount ?? 0,
        flags: [...flags],
        isolatable: ev.isolatable ?? (flags.includes('lru') || kind === 'hugetlb'),
        migrate: ev.migrate ?? 'ok',
        valid: kind !== 'mmio',
        baseRefcount: refcount,
        baseMappings: 0,
        allocated: false,
      };
      if (ev.node) folio.node = ev.node;
      this.folioMap.set(name, folio);
      for (let j = 0; j < perFolio && i + j < ev.nr; j++) this.pfnMap.set(pfn + j, name);
    }
  }

  mm(id: number): Mm {
    let mm = this.mmMap.get(id);
    if (!mm) {
      mm = emptyMm(id, this.log);
      this.mmMap.set(id, mm);
    }
    return mm;
  }

  /**
   * An mm's page tables (created when absent), to be changed through their own methods only: the
   * mm itself is not handed out for change, so a journaled state need not copy it (its VMAs).
   */
  private tables(id: number): Mm {
    return peekGet(this.mmMap, id) ?? this.mm(id);
  }

  declareVma(ev: VmaEvent): void {
    const mm = this.mm(ev.mm);
    const vma: Vma = {
      start: ev.start,
      end: ev.end,
      flags: [...ev.flags],
      pgoff: ev.pgoff ?? 0,
      backing:
        ev.backing ??
        (ev.flags.has('VM_PFNMAP') ? 'pfnmap' : ev.flags.has('VM_MIXEDMAP') ? 'mixedmap' : 'anon'),
      ops: [...ev.ops],
      remapped: ev.remapped,
    };
    if (ev.fs !== undefined) vma.fs = ev.fs;
    mm.vmas = mm.vmas.filter((v) => v.end <= vma.start || v.start >= vma.end);
    mm.vmas.push(vma);
    mm.vmas.sort((a, b) => a.start - b.start);
  }

  declarePte(ev: PteEvent): void {
    const pfn = this.resolvePfn(ev.pfn);
    const f = this.folioOf(pfn);
    // Default from the page kind: fs-dax pages are the legacy ZONE_DEVICE user that x86 maps with
    // pte_mkdevmap() (insert_pfn() with a PFN_DEV|PFN_MAP pfn_t, <= 6.16).
    const devmap = ev.devmap ?? f?.kind === 'fsdax';
    this.setEntry(ev.mm, ev.addr, {
      pfn,
      level: ev.level,
      special: ev.special,
      write: ev.write,
      dirty: ev.dirty,
      ...(devmap ? { devmap } : {}),
    });
    // A declared non-special entry is already part of the declared refcount and mapcount.
    if (f && !ev.special) f.baseMappings++;
  }

  /** `pinbench_zone`: a later line for the same node and zone replaces the earlier one. */
  declareZone(ev: ZoneEvent): void {
    if (!this.data.zones) this.data.zones = [];
    const zones = this.data.zones;
    const i = zones.findIndex((z) => z.node === ev.node && z.zone === ev.zone);
    const z: ZoneFree = { node: ev.node, zone: ev.zone, free: ev.free, cma: ev.cma };
    if (i >= 0) zones[i] = z;
    else zones.push(z);
  }

  /** `pinbench_hugetlb`: per-node free pages; surplus and overcommit are the hstate's. */
  declareHugetlb(ev: HugetlbEvent): void {
    if (!this.data.hugetlb) this.data.hugetlb = {};
    const pool = this.data.hugetlb[ev.size] ?? { nodes: [], surplus: 0, overcommit: 0 };
    this.data.hugetlb[ev.size] = pool;
    const n: HugetlbPoolNode = {
      node: ev.node,
      free: ev.free,
      freeMovable: ev.freeMovable,
      freeCma: ev.freeCma,
    };
    const i = pool.nodes.findIndex((p) => p.node === ev.node);
    if (i >= 0) pool.nodes[i] = n;
    else pool.nodes.push(n);
    if (ev.surplus !== undefined) pool.surplus = ev.surplus;
    if (ev.overcommit !== undefined) pool.overcommit = ev.overcommit;
  }

  // ---- page tables -----------------------------------------------------------------------------

  /**
   * The VMA that holds `addr`, to read: in a journaled state it is frozen (with its arrays), so
   * reading it needs no copy of its mm under a write log, and a copy of the mm shares it. To
   * change a VMA, take it from `vmaToChange`.
   */
  findVma(mmId: number, addr: number): Vma | undefined {
    const vmas = peekGet(this.mmMap, mmId)?.vmas;
    let v: Vma | undefined;
    if (vmas)
      for (const x of vmas)
        if (addr >= x.start && addr < x.end) {
          v = x;
          break;
        }
    if (v && this.log && !Object.isFrozen(v)) {
      Object.freeze(v.flags);
      Object.freeze(v.ops);
      Object.freeze(v);
    }
    return v;
  }

  /**
   * The VMA that holds `addr`, to change in place (remap_pfn_range's vm_pgoff and flags,
   * VM_MIXEDMAP): its mm is this step's own (journal-map.ts), and a VMA frozen by `findVma` is
   * replaced in it by a copy first. Read the VMA from here on through what this returns.
   */
  vmaToChange(mmId: number, addr: number): Vma | undefined {
    const mm = this.mmMap.get(mmId);
    if (!mm) return undefined;
    const i = mm.vmas.findIndex((x) => addr >= x.start && addr < x.end);
    if (i < 0) return undefined;
    let v = mm.vmas[i]!;
    if (Object.isFrozen(v) || Object.isFrozen(v.flags) || Object.isFrozen(v.ops)) {
      v = { ...v, flags: [...v.flags], ops: [...v.ops] };
      mm.vmas[i] = v;
    }
    return v;
  }

  /** The entry mapping `addr`, looking at PUD, then PMD, then PTE level. */
  entryAt(mmId: number, addr: number): Entry | undefined {
    const mm = peekGet(this.mmMap, mmId);
    if (!mm) return undefined;
    // Most mms have no PUD or PMD entries: an empty level is not asked (its key, an address
    // above 2^31, would be a new heap number per lookup).
    return (
      (mm.pud.size === 0 ? undefined : mm.pud.get(addr - (addr % PUD_SIZE))) ??
      (mm.pmd.size === 0 ? undefined : mm.pmd.get(addr - (addr % PMD_SIZE))) ??
      mm.pte.get(addr - (addr % PAGE_SIZE))
    );
  }

  /** The pfn that `addr` maps to through a huge entry's offset. */
  pfnAt(mmId: number, addr: number): number | undefined {
    const e = this.entryAt(mmId, addr);
    if (!e) return undefined;
    const size = LEVEL_SIZE[e.level];
    return e.pfn + Math.floor((addr % size) / PAGE_SIZE);
  }

  setEntry(mmId: number, addr: number, entry: Entry): void {
    const size = LEVEL_SIZE[entry.level];
    this.tables(mmId)[entry.level].set(addr - (addr % size), entry);
  }

  clearEntry(mmId: number, addr: number, level: Level): Entry | undefined {
    const map = this.tables(mmId)[level];
    const key = addr - (addr % LEVEL_SIZE[level]);
    const e = map.get(key);
    map.delete(key);
    return e;
  }

  /** Every entry of an mm inside [start, end), with its address. */
  entriesIn(mmId: number, start: number, end: number): { addr: number; entry: Entry }[] {
    const mm = peekGet(this.mmMap, mmId);
    if (!mm) return [];
    const out: { addr: number; entry: Entry }[] = [];
    for (const level of ['pud', 'pmd', 'pte'] as const) {
      // Keys first: only the entries in range are handed out (a journaled map copies each one).
      const map = mm[level];
      for (const addr of map.keys())
        if (addr >= start && addr < end) out.push({ addr, entry: map.get(addr)! });
    }
    return out.sort((a, b) => a.addr - b.addr);
  }

  // ---- the allocator ---------------------------------------------------------------------------

  /** A fresh page (COW, unshare, migration target), named new1, new2... in allocation order. */
  allocPage(init: { kind: PageKind; zone?: Zone; mt?: Migratetype; order?: number; node?: number }): Folio {
    this.memoPfn = -1;
    const n = this.data.nextAlloc++;
    const order = init.order ?? 0;
    const pfn = ALLOC_PFN_BASE + (n - 1) * 512;
    const folio: Folio = {
      name: `new${n}`,
      pfn,
      order,
      zone: init.zone ?? 'Normal',
      mt: init.mt ?? (init.kind === 'anon' ? 'Movable' : 'Unmovable'),
      kind: init.kind,
      refcount: 0,
      mapcount: 0,
      pincount: 0,
      flags: ['lru'],
      isolatable: true,
      migrate: 'ok',
      valid: true,
      baseRefcount: 0,
      baseMappings: 0,
      allocated: true,
    };
    if (init.node) folio.node = init.node;
    this.folioMap.set(folio.name, folio);
    for (let j = 0; j < 2 ** order; j++) this.pfnMap.set(pfn + j, folio.name);
    return folio;
  }

  // ---- reference counting, journaled per call --------------------------------------------------

  /**
   * Adds to `_refcount` with 32-bit wrap-around, as atomic_add does; the overflow checks that
   * precede an add are the caller's (they differ per version).
   */
  addRef(folio: Folio, delta: number): void {
    const before = folio.refcount;
    let v = before + delta;
    if (v > INT32_MAX) v -= 2 ** 32;
    else if (v < INT32_MIN) v += 2 ** 32;
    folio.refcount = v;
    const j = this.journal;
    if (j) j.refs = addCount(j.refs, folio.name, delta);
    // folio_put_testzero(): the last reference frees the folio (page-alloc.ts: freeFolio()).
    if (delta < 0 && before > 0 && v === 0) freeFolio(this, folio);
  }

  addPincount(folio: Folio, delta: number): void {
    folio.pincount += delta;
    const j = this.journal;
    if (j) j.pins = addCount(j.pins, folio.name, delta);
  }

  /** mm->locked_vm (vfio). */
  addLockedVm(mmId: number, pages: number): void {
    this.mm(mmId).lockedVm += pages;
  }

  /** user->locked_vm (io_uring's ctx->user). */
  addUserLockedVm(pages: number): void {
    this.data.userLockedVm += pages;
  }

  /** mm->pinned_vm (io_uring's ctx->mm_account). */
  addPinnedVm(mmId: number, pages: number): void {
    this.mm(mmId).pinnedVm += pages;
  }

  totalPinnedVm(): number {
    let n = 0;
    for (const mm of peekValues(this.mmMap)) n += mm.pinnedVm;
    return n;
  }

  // ---- journal and counters --------------------------------------------------------------------

  beginCall(seq?: number): void {
    this.journal = {
      why: [],
      warn: [],
      refs: null,
      pins: null,
      lockedVmBefore: this.totalLockedVm(),
      pinnedVmBefore: this.totalPinnedVm(),
      special: false,
      seq,
    };
  }

  /** The `seq` of the call in progress (undefined outside a call or when not given). */
  get callSeq(): number | undefined {
    return this.journal?.seq;
  }

  /** Ends the call's journal; the caller turns it into an Outcome. */
  endCall(): Journal {
    const j = this.journal;
    this.journal = null;
    if (!j) throw new Error('endCall without beginCall');
    return j;
  }

  /** A step of the decision path, in words a kernel developer recognises. */
  why(step: string): void {
    this.journal?.why.push(step);
  }

  /** A WARN/WARN_ON_ONCE firing; `kind` names the check, not the message text. */
  warn(kind: string): void {
    this.data.counters.warnings++;
    this.journal?.warn.push(`WARN ${kind}`);
  }

  /** A BUG_ON firing (the call then returns `BUG`). */
  bug(kind: string): void {
    this.data.counters.bugs++;
    this.journal?.warn.push(`BUG ${kind}`);
  }

  /** "Bad page map" / print_bad_pte reports. */
  badPageMap(kind: string): void {
    this.data.counters.badPageMaps++;
    this.journal?.warn.push(`Bad page map ${kind}`);
  }

  markSpecial(): void {
    if (this.journal) this.journal.special = true;
  }

  pinAcquired(n = 1): void {
    this.data.counters.pinsAcquired += n;
  }

  pinReleased(n = 1): void {
    this.data.counters.pinsReleased += n;
  }

  /** Records a FOLL_LONGTERM pin taken (+1) or dropped (-1) on a pfn. */
  noteLongterm(pfn: number, delta: 1 | -1): void {
    const n = (this.longtermMap.get(pfn) ?? 0) + delta;
    if (n <= 0) this.longtermMap.delete(pfn);
    else this.longtermMap.set(pfn, n);
  }

  /** Every locked_vm counter: each mm's (vfio) plus the user's (io_uring). */
  totalLockedVm(): number {
    let n = this.data.userLockedVm;
    for (const mm of peekValues(this.mmMap)) n += mm.lockedVm;
    return n;
  }

  recordCall(seq: number, rec: CallRecord): void {
    this.callMap.set(seq, rec);
  }

  callRecord(seq: number): CallRecord | undefined {
    return this.callMap.get(seq);
  }

  /** Non-special entries mapping each folio now (for leak checks). */
  liveMappings(): Map<string, number> {
    const out = new Map<string, number>();
    for (const mm of peekValues(this.mmMap)) {
      for (const level of ['pte', 'pmd', 'pud'] as const) {
        for (const e of peekValues(mm[level])) {
          if (e.special) continue;
          const f = this.folioOf(e.pfn);
          if (f) out.set(f.name, (out.get(f.name) ?? 0) + 1);
        }
      }
    }
    return out;
  }
}

/** A clone's maps: new JournalMaps on the clone's log, entries and values copied. */
function cloneMapsInto(log: WriteLog): JournalMapCopy {
  const copy: JournalMapCopy = (m) => {
    const out = new JournalMap<unknown, unknown>(log, null, m.copyValue);
    for (const [k, v] of m.base)
      out.base.set(k, typeof v === 'object' && v !== null ? copyPlain(v, copy) : v);
    return out;
  };
  return copy;
}

/** A clone that is not journaled holds plain Maps. */
const toPlainMap: JournalMapCopy = (m) =>
  copyPlain(m.base, toPlainMap) as unknown as JournalMap<unknown, unknown>;

/** The fields copied when a log opens hold no JournalMap; should one appear, it keeps its own log. */
const shareJournalMap: JournalMapCopy = (m) => m;

export type { FollFlag };

/** A call's count changes with `delta` added for `name`; the map is made by the first change. */
function addCount(counts: Map<string, number> | null, name: string, delta: number): Map<string, number> {
  const m = counts ?? new Map<string, number>();
  m.set(name, (m.get(name) ?? 0) + delta);
  return m;
}
