/**
 * FOLL_* and VM_* flag names and their numeric values per kernel era, from the flag tables in
 * facts/pinning.md §5. Raw hex `gup_flags` in a trace are decoded with the numbering of the kernel
 * that recorded it (`pinbench_config kernel=`): 0x10000 is FOLL_LONGTERM up to v6.2 but FOLL_TOUCH
 * from v6.3, where the public flags were renumbered into an enum.
 */
import { atLeast, type KernelVersion } from './kernel-version.ts';

export const FOLL_FLAGS = [
  'FOLL_WRITE',
  'FOLL_TOUCH',
  'FOLL_GET',
  'FOLL_DUMP',
  'FOLL_FORCE',
  'FOLL_NOWAIT',
  'FOLL_POPULATE',
  'FOLL_SPLIT',
  'FOLL_NOFAULT',
  'FOLL_HWPOISON',
  'FOLL_NUMA',
  'FOLL_MIGRATION',
  'FOLL_TRIED',
  'FOLL_MLOCK',
  'FOLL_REMOTE',
  'FOLL_COW',
  'FOLL_ANON',
  'FOLL_LONGTERM',
  'FOLL_SPLIT_PMD',
  'FOLL_PIN',
  'FOLL_FAST_ONLY',
  'FOLL_PCI_P2PDMA',
  'FOLL_INTERRUPTIBLE',
  'FOLL_UNLOCKABLE',
  'FOLL_HONOR_NUMA_FAULT',
  'FOLL_MADV_POPULATE',
] as const;
export type FollFlag = (typeof FOLL_FLAGS)[number];
export type GupFlags = ReadonlySet<FollFlag>;

type Numbering = Partial<Record<FollFlag, number>>;

/** Columns of the table in facts/pinning.md §5.1, each valid from its release until the next. */
const OLD_COMMON: Numbering = {
  FOLL_WRITE: 0x1,
  FOLL_TOUCH: 0x2,
  FOLL_GET: 0x4,
  FOLL_DUMP: 0x8,
  FOLL_FORCE: 0x10,
  FOLL_NOWAIT: 0x20,
  FOLL_HWPOISON: 0x100,
  FOLL_TRIED: 0x800,
  FOLL_REMOTE: 0x2000,
  FOLL_ANON: 0x8000,
  FOLL_LONGTERM: 0x10000,
  FOLL_SPLIT_PMD: 0x20000,
};
const NEW_COMMON: Numbering = {
  FOLL_WRITE: 0x1,
  FOLL_GET: 0x2,
  FOLL_DUMP: 0x4,
  FOLL_FORCE: 0x8,
  FOLL_NOWAIT: 0x10,
  FOLL_NOFAULT: 0x20,
  FOLL_HWPOISON: 0x40,
  FOLL_ANON: 0x80,
  FOLL_LONGTERM: 0x100,
  FOLL_SPLIT_PMD: 0x200,
  FOLL_PCI_P2PDMA: 0x400,
  FOLL_INTERRUPTIBLE: 0x800,
  FOLL_TOUCH: 0x10000,
  FOLL_TRIED: 0x20000,
  FOLL_REMOTE: 0x40000,
  FOLL_PIN: 0x80000,
  FOLL_FAST_ONLY: 0x100000,
  FOLL_UNLOCKABLE: 0x200000,
};

/**
 * One release's FOLL_* numbering: the values, and the flags it marks internal (mm/internal.h's
 * INTERNAL_GUP_FLAGS from v6.3: a caller passing one gets a WARN and the API fails).
 */
export interface FlagNumbering {
  from: string;
  values: Numbering;
  internal: readonly FollFlag[];
}

/** INTERNAL_GUP_FLAGS of v6.3 (mm/internal.h). */
const INTERNAL_V6_3: readonly FollFlag[] = [
  'FOLL_TOUCH',
  'FOLL_TRIED',
  'FOLL_REMOTE',
  'FOLL_PIN',
  'FOLL_FAST_ONLY',
  'FOLL_UNLOCKABLE',
];
/** v6.9 adds FOLL_MADV_POPULATE (1 << 22) to the list: read in 6.12.118 and 7.2.13 mm/internal.h. */
const INTERNAL_V6_9: readonly FollFlag[] = [...INTERNAL_V6_3, 'FOLL_MADV_POPULATE'];

export const FOLL_NUMBERINGS: readonly FlagNumbering[] = [
  {
    from: '5.4',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_POPULATE: 0x40,
      FOLL_SPLIT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_MLOCK: 0x1000,
      FOLL_COW: 0x4000,
    },
  },
  {
    from: '5.6',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_POPULATE: 0x40,
      FOLL_SPLIT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_MLOCK: 0x1000,
      FOLL_COW: 0x4000,
      FOLL_PIN: 0x40000,
    },
  },
  {
    // FOLL_FAST_ONLY has appeared; FOLL_SPLIT (0x80) is still defined in 5.10.262's
    // include/linux/mm.h (read), gone in the 5.14-rc5 column of the facts.
    from: '5.7',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_POPULATE: 0x40,
      FOLL_SPLIT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_MLOCK: 0x1000,
      FOLL_COW: 0x4000,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    // 5.14-rc5 column of the facts: FOLL_SPLIT is gone. The release it went in is not read
    // (after 5.10, at or before 5.14); v5.13 is taken as the boundary (UNVERIFIED).
    from: '5.13',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_POPULATE: 0x40,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_MLOCK: 0x1000,
      FOLL_COW: 0x4000,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    from: '5.17',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_POPULATE: 0x40,
      FOLL_NOFAULT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_MLOCK: 0x1000,
      FOLL_COW: 0x4000,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    from: '5.19',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_NOFAULT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_COW: 0x4000,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    // 6.0.1 column: FOLL_COW removed (whether in -rc1 is UNVERIFIED; it does not change decoding of live bits).
    from: '6.0',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_NOFAULT: 0x80,
      FOLL_NUMA: 0x200,
      FOLL_MIGRATION: 0x400,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    from: '6.1',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_NOFAULT: 0x80,
      FOLL_MIGRATION: 0x400,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
    },
  },
  {
    from: '6.2',
    internal: [],
    values: {
      ...OLD_COMMON,
      FOLL_NOFAULT: 0x80,
      FOLL_PIN: 0x40000,
      FOLL_FAST_ONLY: 0x80000,
      FOLL_PCI_P2PDMA: 0x100000,
      FOLL_INTERRUPTIBLE: 0x200000,
    },
  },
  { from: '6.3', internal: INTERNAL_V6_3, values: NEW_COMMON },
  { from: '6.5', internal: INTERNAL_V6_3, values: { ...NEW_COMMON, FOLL_HONOR_NUMA_FAULT: 0x1000 } },
  // FOLL_MADV_POPULATE = 1 << 22, internal: present in 6.12.118 and 7.2.13 mm/internal.h (read);
  // its commit, 631426ba1d45, is taken to be in v6.9 (UNVERIFIED: 6.9 .. 6.11 not read). The
  // numbering is otherwise unchanged through 7.2.13 (include/linux/mm_types.h read).
  {
    from: '6.9',
    internal: INTERNAL_V6_9,
    values: { ...NEW_COMMON, FOLL_HONOR_NUMA_FAULT: 0x1000, FOLL_MADV_POPULATE: 0x400000 },
  },
];

/** The numbering column in force at `kernel`. */
export function flagNumbering(kernel: KernelVersion): FlagNumbering {
  let chosen = FOLL_NUMBERINGS[0]!;
  for (const col of FOLL_NUMBERINGS) if (atLeast(kernel, col.from)) chosen = col;
  return chosen;
}

export function follNumbering(kernel: KernelVersion): Numbering {
  return flagNumbering(kernel).values;
}

/** Decodes raw `gup_flags`; returns the flags and any bits that kernel did not define. */
export function decodeGupFlags(
  raw: number,
  kernel: KernelVersion,
): { flags: Set<FollFlag>; unknownBits: number } {
  const numbering = follNumbering(kernel);
  const flags = new Set<FollFlag>();
  let rest = raw;
  for (const [name, bit] of Object.entries(numbering) as [FollFlag, number][]) {
    if (raw & bit) {
      flags.add(name);
      rest &= ~bit;
    }
  }
  return { flags, unknownBits: rest };
}

export function encodeGupFlags(flags: GupFlags, kernel: KernelVersion): number {
  const numbering = follNumbering(kernel);
  let v = 0;
  for (const f of flags) v |= numbering[f] ?? 0;
  return v;
}

// formatGupFlags runs for why steps on most GUP calls of every policy, over the few flag
// combinations of a trace: the text is remembered by the set's bits in FOLL_FLAGS order (bit i
// is FOLL_FLAGS[i], the numbering foll-flags.ts's FollFlags.bits uses too).
const FOLL_FLAG_BIT = Object.fromEntries(FOLL_FLAGS.map((f, i) => [f, 1 << i])) as Record<FollFlag, number>;
const gupFlagsText = new Map<number, string>();
const GUP_FLAGS_TEXTS = 1024;

export function formatGupFlags(flags: GupFlags): string {
  let bits = 0;
  for (const f of flags) bits |= FOLL_FLAG_BIT[f];
  return formatFollBits(bits);
}

/** `FOLL_WRITE|FOLL_PIN` (FOLL_FLAGS order) for a set given by its bits; `0` for none. */
export function formatFollBits(bits: number): string {
  if (bits === 0) return '0';
  let text = gupFlagsText.get(bits);
  if (text === undefined) {
    text = FOLL_FLAGS.filter((f) => (bits & FOLL_FLAG_BIT[f]) !== 0).join('|');
    if (gupFlagsText.size >= GUP_FLAGS_TEXTS) gupFlagsText.clear();
    gupFlagsText.set(bits, text);
  }
  return text;
}

/** VM_* bits: the same numbers in every release read (facts/pinning.md §5.2), plus x86's shadow stack. */
export const VM_FLAG_BITS = {
  VM_READ: 0,
  VM_WRITE: 1,
  VM_EXEC: 2,
  VM_SHARED: 3,
  VM_MAYREAD: 4,
  VM_MAYWRITE: 5,
  VM_MAYEXEC: 6,
  VM_MAYSHARE: 7,
  VM_GROWSDOWN: 8,
  VM_UFFD_MISSING: 9,
  VM_PFNMAP: 10,
  VM_DENYWRITE: 11,
  VM_UFFD_WP: 12,
  VM_LOCKED: 13,
  VM_IO: 14,
  VM_SEQ_READ: 15,
  VM_RAND_READ: 16,
  VM_DONTCOPY: 17,
  VM_DONTEXPAND: 18,
  VM_LOCKONFAULT: 19,
  VM_ACCOUNT: 20,
  VM_NORESERVE: 21,
  VM_HUGETLB: 22,
  VM_SYNC: 23,
  VM_ARCH_1: 24,
  VM_WIPEONFORK: 25,
  VM_DONTDUMP: 26,
  VM_SOFTDIRTY: 27,
  VM_MIXEDMAP: 28,
  VM_HUGEPAGE: 29,
  VM_NOHUGEPAGE: 30,
  VM_MERGEABLE: 31,
  // x86_64 with CONFIG_X86_USER_SHADOW_STACK: VM_SHADOW_STACK is VM_HIGH_ARCH_5,
  // 6.6.9 include/linux/mm.h:354, 6.12.118 :367, 7.2.13 :372 (HIGH_ARCH_5 = bit 37, :339).
  // Releases before v6.6 have no such flag (VM_NONE); the policies that predate it ignore it.
  VM_SHADOW_STACK: 37,
} as const;
export type VmFlag = keyof typeof VM_FLAG_BITS;
export type VmFlags = ReadonlySet<VmFlag>;
export const VM_FLAGS = Object.keys(VM_FLAG_BITS) as VmFlag[];

export function decodeVmFlags(raw: number): { flags: Set<VmFlag>; unknownBits: number } {
  const flags = new Set<VmFlag>();
  let rest = raw;
  for (const name of VM_FLAGS) {
    const bit = 2 ** VM_FLAG_BITS[name];
    if (Math.floor(raw / bit) % 2 === 1) {
      flags.add(name);
      rest -= bit;
    }
  }
  return { flags, unknownBits: rest };
}

/** `is_cow_mapping()`: private and may become writable (same text in every release read). */
export function isCowMapping(flags: VmFlags): boolean {
  return flags.has('VM_MAYWRITE') && !flags.has('VM_SHARED');
}

/** `isCowMapping` of a VMA's flag array (state.ts `Vma.flags`), without making a set of it per call. */
export function isCowMappingFlags(flags: readonly VmFlag[]): boolean {
  return flags.includes('VM_MAYWRITE') && !flags.includes('VM_SHARED');
}
