/**
 * What a run stores for `pinbench repro` besides its results: the slice of each diverging
 * scenario (read again from the trace file once its replay is done, one scenario at a time) and
 * the source of each user module. Called by the run job beside its own writes; nothing here
 * changes what the run replays or stores otherwise.
 */
import { readFile } from 'node:fs/promises';
import { hasTieGroups } from '../analysis/explore-ties.ts';
import type { LineStamp } from '../analysis/read-scenarios.ts';
import { type ScenarioSlice, scenarioSlices } from '../analysis/scenario-slices.ts';
import { ownStamps, type TieExplorer, tieExplorer } from '../analysis/tie-explorer.ts';
import { isPinbenchError } from '../errors.ts';
import type { Scenario } from '../model/event-stream.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import type { OrderDependence, Store } from '../store/store.ts';

/**
 * Slice text kept per trace at most: the first slice that does not fit ends the trace's slices
 * (the rest of the trace is not read), later divergences of the trace have none.
 */
export const MAX_SLICE_BYTES_PER_TRACE = 16 * 1024 * 1024;

/** Orders of a sliced scenario's tied events replayed at most to tell an order-dependent divergence. */
export const MAX_TIE_ORDERS = 64;

/** A local file (not standard input or a URL): the only sources read a second time. */
function isLocalFile(source: string): boolean {
  return source !== '-' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * Stores the slice of each scenario of a stored trace that diverges, the first of each signature
 * (the store says which: the run's results must be stored first). `source` is the path the trace
 * was read from (not its display name). A trace that cannot be read again (gone, changed into
 * something unreadable) gets no slices: repro says so later.
 *
 * A sliced scenario with equal-timestamp events on different CPUs is replayed under the orders of
 * those events (explore-ties.ts, at most MAX_TIE_ORDERS); a call that diverges in some orders
 * and not in others is stored as order-dependent, and reports mark its divergence so. With a
 * user's module among the policies that runs in a watched worker (tie-explorer.ts): a module
 * that loops is stopped after `policyTimeoutMs` and is `error` in those orders. Tied scenarios
 * are explored as the trace is read, each chunk's before the next chunk is read; a scenario past
 * MAX_SLICE_BYTES_PER_TRACE has no slice and is not explored, and the read ends there: memory
 * stays bounded by the cap, and a big trace is not read to its end a second time.
 */
export async function storeReproSlices(
  store: Store,
  runId: number,
  source: string,
  result: Pick<TraceReplayResult, 'sha256' | 'identity' | 'layout' | 'error'>,
  opts: {
    adapters: boolean;
    configs?: readonly { label: string; overrides: Partial<TraceConfig> }[];
    /** The run's policies: with them, tied scenarios are explored for order dependence. */
    policies?: readonly Policy[];
    /** The same as given (ids, module paths) and where paths resolve: a worker loads them. */
    policySpecs?: readonly string[];
    cwd?: string;
    policyTimeoutMs?: number;
  },
): Promise<number> {
  if (result.error || !isLocalFile(source)) return 0;
  const key = { sha256: result.sha256, matrix: result.identity.matrix };
  const first = await store.firstDivergingScenario(runId, key);
  if (first === null) return 0;
  const overrides = opts.configs?.find((c) => c.label === result.identity.matrix)?.overrides;
  const kept = new TraceSlices(MAX_SLICE_BYTES_PER_TRACE, Boolean(opts.policies?.length));
  const wanted = new WantedSlices(
    (from, to) => store.divergingScenarios(runId, key, from, to),
    WANTED_SPAN,
    kept,
  );
  await wanted.load(first);
  const dependent: OrderDependence[] = [];
  // Created before the read (a worker starts only at its first scenario), so that exploring each
  // chunk's tied scenarios as the read goes keeps at most one chunk's worth of them in memory.
  const explorer = opts.policies?.length
    ? await tieExplorer({
        specs: opts.policySpecs ?? opts.policies.map((p) => p.source ?? p.id),
        cwd: opts.cwd ?? process.cwd(),
        maxOrders: MAX_TIE_ORDERS,
        policies: opts.policies,
        ...(opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: opts.policyTimeoutMs } : {}),
      })
    : undefined;
  const explore = async (): Promise<void> => {
    if (!explorer) return;
    for (const t of kept.takeTied())
      dependent.push(...(await orderDependence(t.scenario, t.stamps, explorer)));
  };
  try {
    try {
      await scenarioSlices(source, {
        layout: result.layout,
        adapters: opts.adapters,
        wanted,
        ...(overrides && Object.keys(overrides).length ? { configOverrides: overrides } : {}),
        onSlice: (slice) => wanted.offer(slice),
        afterChunk: async () => {
          const more = await wanted.settle();
          await explore();
          return more;
        },
      });
      // The last scenario completes at the trace's end, after the last chunk.
      await wanted.settle();
      await explore();
    } catch (e) {
      if (isPinbenchError(e)) return 0;
      throw e;
    }
  } finally {
    await explorer?.close();
  }
  await store.writeScenarioSlices(runId, key, kept.slices);
  await store.writeOrderDependence(runId, key, dependent);
  return kept.slices.length;
}

/** Scenarios whose diverging ones are read from the store at a time. */
export const WANTED_SPAN = 4096;

/**
 * Which scenarios a trace's read slices, read from the store a window of `span` scenarios at a
 * time as the read reaches them (the first of each divergence signature; see
 * `divergingScenarios`), so that neither this nor the store's query holds more than a window
 * whatever the trace's size. The read asks synchronously and may complete scenarios past the
 * window within one chunk: those wait, as slices, until `settle` loads their window (at most a
 * chunk's worth). Slices go to `kept` in trace order.
 */
export class WantedSlices {
  private from = 0;
  private to = 0;
  private sidx: Int32Array = new Int32Array(0);
  private waiting: ScenarioSlice[] = [];
  private open = true;
  private readonly read: (from: number, to: number) => Promise<Int32Array>;
  private readonly span: number;
  private readonly kept: TraceSlices;

  constructor(read: (from: number, to: number) => Promise<Int32Array>, span: number, kept: TraceSlices) {
    this.read = read;
    this.span = span;
    this.kept = kept;
  }

  /** Loads the window that starts at scenario `from`. */
  async load(from: number): Promise<void> {
    this.from = from;
    this.to = from + this.span;
    this.sidx = await this.read(from, this.to);
  }

  /** For the reader: whether to slice scenario `sidx` (true past the window: not known yet). */
  has(sidx: number): boolean {
    if (sidx < this.from || sidx >= this.to) return true;
    return sortedHas(this.sidx, sidx);
  }

  /** A slice the reader made: kept, dropped, or waiting for its window; false once the cap is reached. */
  offer(slice: ScenarioSlice): boolean {
    if (!this.open) return false;
    if (this.waiting.length === 0 && slice.sidx >= this.from && slice.sidx < this.to) return this.take(slice);
    // The reader's stamps are its own to reuse: a waiting scenario's are copied.
    this.waiting.push({ ...slice, stamps: ownStamps(slice.scenario, slice.stamps) });
    return true;
  }

  /** Loads the windows of the waiting slices and takes them; false once the cap is reached. */
  async settle(): Promise<boolean> {
    while (this.open && this.waiting.length > 0) {
      await this.load(this.waiting[0]!.sidx);
      let n = 0;
      while (this.open && n < this.waiting.length && this.waiting[n]!.sidx < this.to)
        this.take(this.waiting[n++]!);
      this.waiting.splice(0, n);
    }
    this.waiting = [];
    return this.open;
  }

  private take(slice: ScenarioSlice): boolean {
    if (!sortedHas(this.sidx, slice.sidx)) return true;
    this.open = this.kept.add(slice);
    return this.open;
  }
}

/** Whether the ascending `sorted` holds `sidx`. */
function sortedHas(sorted: Int32Array, sidx: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < sidx) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === sidx;
}

/**
 * The slices a trace keeps, within its byte cap, and the tied scenarios among them that wait to
 * be explored. The first slice that does not fit ends them: it and every later one are dropped
 * with their scenarios, neither stored nor explored, so what is held is bounded by the cap
 * whatever the trace's size.
 */
export class TraceSlices {
  readonly slices: { sidx: number; text: string }[] = [];
  private bytes = 0;
  private tied: { scenario: Scenario; stamps: ReadonlyMap<number, LineStamp> }[] = [];
  private full = false;
  private readonly maxBytes: number;
  private readonly exploreTies: boolean;

  /** `exploreTies`: keep the tied scenarios among the kept (the run has policies to explore them with). */
  constructor(maxBytes: number, exploreTies: boolean) {
    this.maxBytes = maxBytes;
    this.exploreTies = exploreTies;
  }

  /** Keeps the slice if it fits; false when it does not, and for every slice after that. */
  add({ sidx, text, scenario, stamps }: ScenarioSlice): boolean {
    if (this.full || this.bytes + text.length > this.maxBytes) {
      this.full = true;
      return false;
    }
    this.bytes += text.length;
    this.slices.push({ sidx, text });
    // The reader's stamps are its own to reuse: the scenario's are copied now.
    if (this.exploreTies && hasTieGroups(scenario, stamps))
      this.tied.push({ scenario, stamps: ownStamps(scenario, stamps) });
    return true;
  }

  /** The kept tied scenarios not yet taken, in trace order; the list is emptied. */
  takeTied(): { scenario: Scenario; stamps: ReadonlyMap<number, LineStamp> }[] {
    const out = this.tied;
    this.tied = [];
    return out;
  }
}

/** The calls of a tied scenario that diverge in some of its orders only (none if a policy throws). */
async function orderDependence(
  scenario: Scenario,
  stamps: ReadonlyMap<number, LineStamp>,
  explorer: TieExplorer,
): Promise<OrderDependence[]> {
  let ties: Awaited<ReturnType<TieExplorer['explore']>>;
  try {
    ties = await explorer.explore(scenario, stamps);
  } catch (e) {
    if (isPinbenchError(e)) return [];
    throw e;
  }
  return ties.divergences
    .filter((d) => d.label === 'Sometimes')
    .map((d) => ({ line: d.line, diverging: d.count, orders: ties.orders, sampled: ties.sampled }));
}

/** Stores the source of each user module among `policies`, as it is on disk now (just loaded). */
export async function storePolicySources(
  store: Store,
  runId: number,
  policies: readonly Policy[],
): Promise<void> {
  const sources: { policy: string; path: string; text: string }[] = [];
  for (const p of policies) {
    if (p.kind !== 'user' || p.source === undefined) continue;
    try {
      sources.push({ policy: p.id, path: p.source, text: await readFile(p.source, 'utf8') });
    } catch {
      // Gone since it was loaded: repro loads it from its path, or says it cannot.
    }
  }
  await store.writePolicySources(runId, sources);
}
