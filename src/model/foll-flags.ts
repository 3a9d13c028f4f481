/**
 * An immutable, interned set of FOLL_* flags: what a GUP request carries through the policies
 * (`GupRequest.flags`). Every GUP call used to build two or three `Set`s (the release's flags,
 * then a copy per `withFlags`, changed in place by is_valid_gup_args()); a FollFlags is made once
 * per distinct flag list and reused by every later call and policy, so adding a flag allocates
 * nothing after the first time.
 *
 * `has()` tests a bit (bit i is FOLL_FLAGS[i], as in flags.ts `FOLL_FLAG_BIT`). Iteration keeps
 * the order the flags were added in, as the `Set` did: why steps list flags in that order (a GUP
 * fast path's refused flags, is_valid_gup_args()'s internal ones), so values are interned per
 * insertion sequence (a trie from `EMPTY` by `with()`), not per bit pattern alone; `text()` is
 * the FOLL_FLAGS order of `fmtFlags`. Distinct sequences are few (the flag lists of the trace
 * and what the API entry points add), so the trie stays small.
 */
import { FOLL_FLAGS, type FollFlag, formatFollBits } from './flags.ts';

// Bit i for FOLL_FLAGS[i] (as flags.ts numbers them for formatFollBits). A constant of this
// module, not an import: has() inlined with a literal flag then reads a known constant; through
// an imported binding it measured 10x slower than that, and 2x slower than Set.has.
const FOLL_FLAG_BIT = Object.fromEntries(FOLL_FLAGS.map((f, i) => [f, 1 << i])) as Record<FollFlag, number>;
const FOLL_INDEX = Object.fromEntries(FOLL_FLAGS.map((f, i) => [f, i])) as Record<FollFlag, number>;

// FollFlags.from() of a trace event's Set (GupArgs.gupFlags) runs once per call and policy on the
// same few sets, and maskOf() on the same constant lists: both are remembered by identity.
const fromSet = new WeakMap<object, FollFlags>();
const masks = new WeakMap<readonly FollFlag[], number>();

export class FollFlags implements ReadonlySet<FollFlag> {
  /** The empty set, root of every interned value. */
  static readonly EMPTY: FollFlags = new FollFlags(0, []);

  /** The flags in insertion order (`of('FOLL_WRITE', 'FOLL_PIN')`), interned. */
  static of(...flags: readonly FollFlag[]): FollFlags {
    return FollFlags.from(flags);
  }

  /**
   * The interned value of a set or list, in its iteration order. A `Set` is remembered by
   * identity: it must not change afterwards (a trace event's flags do not).
   */
  static from(flags: Iterable<FollFlag>): FollFlags {
    if (flags instanceof FollFlags) return flags;
    const known = flags instanceof Set ? fromSet.get(flags) : undefined;
    if (known) return known;
    let out = FollFlags.EMPTY;
    for (const f of flags) out = out.with(f);
    if (flags instanceof Set) fromSet.set(flags, out);
    return out;
  }

  /** The bits of a constant list of flags (remembered per list). */
  static maskOf(flags: readonly FollFlag[]): number {
    let mask = masks.get(flags);
    if (mask === undefined) {
      mask = 0;
      for (const f of flags) mask |= FOLL_FLAG_BIT[f];
      masks.set(flags, mask);
    }
    return mask;
  }

  /** Bit i set when FOLL_FLAGS[i] is in the set. */
  readonly bits: number;
  private readonly list: readonly FollFlag[];
  /** The value with one more flag, by FOLL_FLAGS index, made on first use. */
  private readonly next: (FollFlags | undefined)[] = [];
  private joined: string | undefined;

  private constructor(bits: number, list: readonly FollFlag[]) {
    this.bits = bits;
    this.list = list;
  }

  get size(): number {
    return this.list.length;
  }

  has(flag: FollFlag): boolean {
    return (this.bits & FOLL_FLAG_BIT[flag]) !== 0;
  }

  /** This set with `flag` added (the same value when it is in already). */
  with(flag: FollFlag): FollFlags {
    const bit = FOLL_FLAG_BIT[flag];
    if ((this.bits & bit) !== 0) return this;
    const i = FOLL_INDEX[flag];
    let out = this.next[i];
    if (out === undefined) {
      out = new FollFlags(this.bits | bit, [...this.list, flag]);
      this.next[i] = out;
    }
    return out;
  }

  /** This set without `flag`, the others in their order (the same value when it is not in). */
  without(flag: FollFlag): FollFlags {
    if (!this.has(flag)) return this;
    let out = FollFlags.EMPTY;
    for (const f of this.list) if (f !== flag) out = out.with(f);
    return out;
  }

  /** The flags joined by `|` in insertion order, `0` for none (how a caller wrote them). */
  listText(): string {
    if (this.joined === undefined) this.joined = this.list.length > 0 ? this.list.join('|') : '0';
    return this.joined;
  }

  /** `FOLL_WRITE|FOLL_PIN` in FOLL_FLAGS order, `0` for none (fmtFlags). */
  text(): string {
    return formatFollBits(this.bits);
  }

  [Symbol.iterator](): SetIterator<FollFlag> {
    return this.list.values() as SetIterator<FollFlag>;
  }

  values(): SetIterator<FollFlag> {
    return this[Symbol.iterator]();
  }

  keys(): SetIterator<FollFlag> {
    return this[Symbol.iterator]();
  }

  entries(): SetIterator<[FollFlag, FollFlag]> {
    return this.list.map((f): [FollFlag, FollFlag] => [f, f]).values() as SetIterator<[FollFlag, FollFlag]>;
  }

  forEach(fn: (value: FollFlag, key: FollFlag, set: ReadonlySet<FollFlag>) => void, thisArg?: unknown): void {
    for (const f of this.list) fn.call(thisArg, f, f, this);
  }
}
