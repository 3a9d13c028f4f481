/**
 * Slot tracking: which kernel-table slots (`gup`, `tryGrabFolio`, ...) a call invoked. Every
 * function of a table reaches the others only through the table it is given (kernel.ts), so
 * handing it a table whose slots note their name before running the real function records
 * exactly the slots a step ran, in the order first reached. The dispatcher (dispatch.ts) does it
 * when `callPolicy` gets a tracker; without one it passes the real table and pays nothing.
 *
 * Users: the replay's lockstep (two policies whose tables hold the same functions in every slot a
 * call reached, run on equal states, give the same outcome) and coverage (which slots a corpus
 * reaches per release).
 *
 *   const tracker = new SlotTracker();
 *   tracker.reset();
 *   callPolicy(policy.ops, state, ev, tracker);
 *   tracker.reached; // ['gup', 'gupFlagsCheck', 'followPageMask', ...]
 */
import { type Kernel, withSlotAliases } from './kernel.ts';

type Fn = (...args: unknown[]) => unknown;

/** A slot's mark: reached since the last reset when its stamp is the tracker's. */
interface Cell {
  stamp: number;
}

export class SlotTracker {
  /** Slots invoked (or looked up by the dispatcher) since the last `reset()`, first reach first. */
  readonly reached: string[] = [];
  /** Stamped by reset: a slot is reached when its cell holds the current stamp (no Set to clear). */
  private stamp = 1;
  private readonly cells = new Map<string, Cell>();
  /** The recording twin of each table this tracker has wrapped (one per policy, built once). */
  private readonly wrapped = new WeakMap<object, Kernel>();
  /** The same for each watch set (`watchOnly`): tables that record only the slots in the set. */
  private readonly wrappedFor = new WeakMap<ReadonlySet<string>, WeakMap<object, Kernel>>();
  /** Only these slots are recorded (`watchOnly`); undefined: every slot. */
  private watch: ReadonlySet<string> | undefined;

  /**
   * Records only `slots` from here on (undefined: every slot). For a caller that compares tables
   * only where they can differ: a slot that holds the same function in every table it compares
   * need not be recorded, and its calls then run the real function without a wrapper. Keep the
   * set object as long as the same slots are watched: the recording tables are built per set.
   */
  watchOnly(slots: ReadonlySet<string> | undefined): void {
    this.watch = slots;
  }

  /** Forgets what was reached: call before each step to track. */
  reset(): void {
    this.reached.length = 0;
    this.stamp++;
  }

  private cell(slot: string): Cell {
    let c = this.cells.get(slot);
    if (!c) {
      c = { stamp: 0 };
      this.cells.set(slot, c);
    }
    return c;
  }

  /** Notes a slot as reached. The wrapped table does it; so does the dispatcher for a lookup. */
  mark(slot: string): void {
    if (this.watch && !this.watch.has(slot)) return;
    const c = this.cell(slot);
    if (c.stamp === this.stamp) return;
    c.stamp = this.stamp;
    this.reached.push(slot);
  }

  /** Whether `slot` was reached since the last `reset()`. */
  has(slot: string): boolean {
    return this.cells.get(slot)?.stamp === this.stamp;
  }

  /**
   * The recording version of `k`: the same slots, each noting its name in this tracker and then
   * running `k`'s function with the arguments it was given (the recording table itself, as `k`,
   * since callers pass the table they were called with). Kernel functions take at most eight
   * arguments (`Kernel`): the wrapper passes eight without a rest array (it runs on every
   * tracked call), and passing `undefined` for an absent one is the same to the function.
   */
  kernel(k: Readonly<Kernel>): Kernel {
    const watch = this.watch;
    // The same table again (a group's steps, call after call): no map lookups.
    if (k === this.last.k && watch === this.last.watch) return this.last.out!;
    const out = this.build(k, watch);
    this.last = { k, watch, out };
    return out;
  }

  private last: { k: object | null; watch: ReadonlySet<string> | undefined; out: Kernel | null } = {
    k: null,
    watch: undefined,
    out: null,
  };

  private build(k: Readonly<Kernel>, watch: ReadonlySet<string> | undefined): Kernel {
    let cache = this.wrapped;
    if (watch) {
      let c = this.wrappedFor.get(watch);
      if (!c) {
        c = new WeakMap();
        this.wrappedFor.set(watch, c);
      }
      cache = c;
    }
    const known = cache.get(k);
    if (known) return known;
    const table: Record<string, Fn> = {};
    for (const [slot, fn] of Object.entries(k)) {
      if (typeof fn !== 'function') continue;
      const real = fn as Fn;
      if (watch && !watch.has(slot)) {
        table[slot] = real;
        continue;
      }
      const c = this.cell(slot);
      table[slot] =
        real.length > 8
          ? (...args: unknown[]) => {
              this.mark(slot);
              return real(...args);
            }
          : (a, b, c2, d, e, f, g, h) => {
              if (c.stamp !== this.stamp) {
                c.stamp = this.stamp;
                this.reached.push(slot);
              }
              return real(a, b, c2, d, e, f, g, h);
            };
    }
    const out = Object.freeze(withSlotAliases(table)) as unknown as Kernel;
    cache.set(k, out);
    return out;
  }
}

/**
 * The slots where table `b` holds another function than `a` (or `a` has one `b` lacks), added to
 * `out`: the only slots where a call can run different code under the two. Users: the grouped
 * lockstep's watch set, `check`'s baseline records.
 */
export function differingSlots(
  a: Readonly<Kernel>,
  b: Readonly<Kernel>,
  out: Set<string> = new Set<string>(),
): Set<string> {
  if (a === b) return out;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const s in rb) if (rb[s] !== ra[s]) out.add(s);
  for (const s in ra) if (!(s in rb)) out.add(s);
  return out;
}

/**
 * Whether tables `a` and `b` hold the very same function (or the same absence) in each of
 * `slots`: then a call that reached only those slots runs the same code under both.
 */
export function sameSlots(a: Readonly<Kernel>, b: Readonly<Kernel>, slots: readonly string[]): boolean {
  if (a === b) return true;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const s of slots) if (ra[s] !== rb[s]) return false;
  return true;
}
