import { createHash } from 'node:crypto';
/**
 * A kernel, as pinbench models it: a late-bound table of functions. Every function takes the
 * table itself (`k`) first and calls other functions only through it, so replacing one entry
 * (a family version, or a user's patch) changes every path that reaches it, as a patched kernel
 * would. Family versions provide parts of the table; a release is the composition of the newest
 * version of each family at or before it (see policies/).
 */
import type {
  ForkArgs,
  GupArgs,
  GupCallName,
  InsertPageArgs,
  InsertPageCallName,
  InsertPfnArgs,
  InsertPfnCallName,
  IoUringArgs,
  LookupArgs,
  LookupCallName,
  MadviseArgs,
  MunmapArgs,
  ReleaseCallName,
  ReleaseRequest,
  VfioArgs,
} from './events.ts';
import type { GupOps } from './ops/gup-ops.ts';
import type { PteOps } from './ops/pte-ops.ts';
import type { CallResult } from './outcome.ts';
import type { State } from './state.ts';

/** The API entry points: one per call group of the vocabulary. */
export interface EntryOps {
  gup(k: Kernel, st: State, name: GupCallName, a: GupArgs): CallResult;
  /** `a.pfns`: the dispatcher has resolved `of=` (see dispatch.ts). */
  release(k: Kernel, st: State, name: ReleaseCallName, a: ReleaseRequest): CallResult;
  vfioMapDma(k: Kernel, st: State, a: VfioArgs): CallResult;
  vfioUnmapDma(k: Kernel, st: State, a: VfioArgs): CallResult;
  ioUringRegister(k: Kernel, st: State, a: IoUringArgs): CallResult;
  ioUringUnregister(k: Kernel, st: State, a: IoUringArgs): CallResult;
  insertPage(k: Kernel, st: State, name: InsertPageCallName, a: InsertPageArgs): CallResult;
  insertPfn(k: Kernel, st: State, name: InsertPfnCallName, a: InsertPfnArgs): CallResult;
  lookup(k: Kernel, st: State, name: LookupCallName, a: LookupArgs): CallResult;
  munmap(k: Kernel, st: State, a: MunmapArgs): CallResult;
  fork(k: Kernel, st: State, a: ForkArgs): CallResult;
  /** madvise(): the advice that runs GUP (MADV_POPULATE_READ/WRITE). */
  madvise(k: Kernel, st: State, a: MadviseArgs): CallResult;
}

export const ENTRY_POINTS = [
  'gup',
  'release',
  'vfioMapDma',
  'vfioUnmapDma',
  'ioUringRegister',
  'ioUringUnregister',
  'insertPage',
  'insertPfn',
  'lookup',
  'munmap',
  'fork',
  'madvise',
] as const satisfies readonly (keyof EntryOps)[];

/**
 * Slots renamed after the kernel functions they model, by their old name. A user module written
 * against the old name keeps working: an override by the old name replaces the new slot
 * (policies/index.ts: policyFromModule) and the composed table answers the old name with the new
 * slot's function (withSlotAliases). New code uses the new names.
 */
export const DEPRECATED_SLOT_NAMES = {
  followPage: 'followPageMask',
  canFollowWrite: 'canFollowWritePte',
  isLongtermPinnable: 'folioIsLongtermPinnable',
  checkPinnedVmas: 'checkDaxVmas',
} as const satisfies Record<string, keyof (GupOps & PteOps)>;
export type DeprecatedSlotName = keyof typeof DEPRECATED_SLOT_NAMES;

/** The old names, typed as the slots they now stand for (read-only aliases on every table). */
export interface DeprecatedSlots {
  /** @deprecated renamed followPageMask (follow_page_mask()). */
  readonly followPage: GupOps['followPageMask'];
  /** @deprecated renamed canFollowWritePte (can_follow_write_pte()). */
  readonly canFollowWrite: GupOps['canFollowWritePte'];
  /** @deprecated renamed folioIsLongtermPinnable (folio_is_longterm_pinnable()). */
  readonly isLongtermPinnable: GupOps['folioIsLongtermPinnable'];
  /** @deprecated renamed checkDaxVmas (check_dax_vmas()). */
  readonly checkPinnedVmas: GupOps['checkDaxVmas'];
}

export type Kernel = EntryOps & GupOps & PteOps & DeprecatedSlots;
export type KernelFn = Exclude<keyof Kernel, DeprecatedSlotName>;

/** The slot an override or call name stands for: the new name of a deprecated one, else itself. */
export function canonicalSlot(name: string): string {
  return (DEPRECATED_SLOT_NAMES as Readonly<Record<string, string>>)[name] ?? name;
}

/**
 * Defines each deprecated name on `table` as a non-enumerable alias of its new slot (so
 * `k.isLongtermPinnable(k, ...)` in an old module runs the table's folioIsLongtermPinnable), and
 * returns it. Non-enumerable: hashes, listings and slot tracking see only the real slots.
 */
export function withSlotAliases<T extends object>(table: T): T {
  const t = table as Record<string, unknown>;
  for (const [old, now] of Object.entries(DEPRECATED_SLOT_NAMES)) {
    if (typeof t[now] === 'function')
      Object.defineProperty(t, old, {
        value: t[now],
        enumerable: false,
        writable: false,
        configurable: false,
      });
  }
  return table;
}

export const FAMILIES = [
  'gup-core',
  'gup-args',
  'vma-checks',
  'unshare',
  'pin-accounting',
  'pinnable',
  'longterm-migrate',
  'vfio-type1',
  'io-uring-buffers',
  'mm-core',
  'zeropage-insert',
  'normal-page',
  'remap-pfn',
  'folio-walk',
] as const;
export type Family = (typeof FAMILIES)[number];

/** One version of one family: the functions it provides and the commit it encodes. */
export interface FamilyVersion {
  family: Family;
  /** Short id: the 12-hex commit, or a label (`v5.4`, `none`, `v1-posting`, `pre-10d83d7781a8`). */
  id: string;
  commit?: string;
  subject: string;
  /** First mainline release id carrying it (`v6.0-rc3`), or null for versions that never shipped. */
  release: string | null;
  /** What changed from the previous version, in a sentence or two. */
  summary: string;
  link?: string;
  /** The file URL of the module that defines it (`import.meta.url`): the start of its module graph. */
  module?: string;
  ops: Partial<Kernel>;
}

export const POLICY_KINDS = ['release', 'alias', 'variant', 'user'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** A composed, runnable policy: a release, a pre-/post- alias, an unreleased variant, or a user's patch. */
export interface Policy {
  id: string;
  kind: PolicyKind;
  title: string;
  /** The release whose expectations (`scope=`) apply: itself for releases, the base for the rest. */
  scopeRelease: string;
  /** The family version each family uses. */
  versions: Readonly<Record<Family, FamilyVersion>>;
  /** Functions replaced on top of `versions` (user policies). */
  overrides: readonly string[];
  commit?: string;
  subject?: string;
  summary?: string;
  link?: string;
  /** Module path and content hash, for user policies (triage expires when it changes). */
  source?: string;
  moduleHash?: string;
  ops: Readonly<Kernel>;
}

/**
 * A content hash of a kernel table: the source text of every function, by name. It changes
 * exactly when the logic a policy runs changes, which is when a triage decision must expire.
 */
export function kernelHash(ops: Readonly<Kernel>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(ops).sort()) {
    h.update(name)
      .update('\0')
      .update(String((ops as Record<string, unknown>)[name]))
      .update('\0');
  }
  return h.digest('hex');
}

/** Composes family versions (later ones win) plus overrides into a frozen kernel table. */
export function composeKernel(
  versions: readonly FamilyVersion[],
  overrides: Partial<Kernel> = {},
): Readonly<Kernel> {
  const table: Partial<Kernel> = {};
  for (const v of versions) Object.assign(table, v.ops);
  Object.assign(table, overrides);
  for (const name of ENTRY_POINTS) {
    if (typeof table[name] !== 'function') throw new Error(`kernel table lacks entry point ${name}`);
  }
  return Object.freeze(withSlotAliases(table as Kernel));
}
