/**
 * What `pinbench fidelity` finds (src/api/fidelity.ts computes it; the report stage renders it as
 * the fidelity page): real recordings' calls against their kernels' release models. The data
 * types live here, in the replay stage, so both can use them without the report importing the API.
 */
export interface FidelityCell {
  /** `6.12` (major.minor of the recording kernel). */
  series: string;
  /** Boot configuration: `plain`, or the extra kernel arguments (`movablecore=50%`). */
  boot: string;
  trace: string;
  scenario: string;
  seq: number;
  line: number;
  event: string;
  /** The release model the call was replayed with. */
  release: string;
  observed: number | string;
  model: number | string;
  agree: boolean;
  /** The model's refcount change per page for the call (from its outcome). */
  modelRefs: Record<string, number>;
  /**
   * Accounting effects the kernel's probes show for the call, beside the return, each compared
   * with the model's (a cell agrees only when every one matches). Absent kinds had no probe
   * evidence in the recording:
   * - `locked_vm` (vfio_unmap_dma): the locked_vm change, minus the sum of what
   *   vfio_unpin_pages_remote() returned (the pages it unaccounted: vfio_unmap_unpin() passes
   *   that sum to vfio_lock_acct()). (vfio_pin_pages_remote()'s return counts the pfns it mapped,
   *   reserved ones such as the zero page included, so it is not compared with pinned pages.)
   * - `refcount` (a call that grabbed pages): the first grabbed page's _refcount when a release
   *   next reads it (gup_put_folio(), unpin_user_page(), unpin_user_pages() entry) minus its
   *   _refcount when the call first grabbed it (try_grab_page()/try_grab_folio() entry): the
   *   references the call left, against the model's refcount change of its first page; for the
   *   scenario's first grabbing call only (see ProbeEffects.close()). Grabs on
   *   paths without a probe (GUP-fast) give no evidence; neither does a tail page (its own
   *   _refcount reads 0: the count lives in the head).
   * - `gup_flags` (a GUP call whose function has an entry probe): the gup_flags the kernel's GUP
   *   function was called with, raw, against the trace's `gup_flags=` for the call as the model
   *   reads it, encoded in that kernel's numbering. Not a model result: it checks the recording
   *   itself, whose workload writes the flags before the syscall (a wrong guess, such as
   *   FOLL_FORCE for a /proc/self/mem write on a kernel that forces only for a tracer, would
   *   otherwise replay a call the kernel never made).
   * - `migrated` (where the guest traced mm_migrate_pages): the pages the kernel migrated for a
   *   long-term pin during the call (nr_succeeded of its `reason=longterm_pin` events) against the
   *   pages the model migrated; compared when either migrated something.
   */
  effects?: FidelityEffect[];
}

export interface FidelityEffect {
  what: 'locked_vm' | 'refcount' | 'gup_flags' | 'migrated';
  kernel: number;
  model: number;
}

/** An effect's value as people read it: gup_flags in hex (the kernel's own numbering), counts as numbers. */
export function effectValue(e: FidelityEffect, v: number): string {
  return e.what === 'gup_flags' ? `0x${v.toString(16)}` : String(v);
}

export interface FidelitySkip {
  series: string;
  boot: string;
  trace: string;
  scenario: string;
  reason: string;
}

export interface FidelityTrace {
  trace: string;
  kernel: string;
  series: string;
  release: string;
  boot: string;
  packages: string;
  error?: string;
}

export interface KnownDisagreement {
  series: string;
  boot: string;
  scenario: string;
  seq: number;
  event: string;
  observed: number | string;
  model: number | string;
  release: string;
  /** What the kernel does that the model does not, in words. */
  why: string;
  /** `path:line: source text` from the kernel's own source (linux-source-<series>). */
  source: string[];
  /** When the disagreement is in an effect rather than the return: the effect as found. */
  effect?: FidelityEffect;
}

export interface FidelityReport {
  traces: FidelityTrace[];
  cells: FidelityCell[];
  skipped: FidelitySkip[];
  /** Disagreements not in the known list. */
  unexpected: FidelityCell[];
  /** Known disagreements that were found again. */
  known: KnownDisagreement[];
  /** Known disagreements whose recording agrees now (or whose call was not found): the list is stale. */
  stale: KnownDisagreement[];
}
