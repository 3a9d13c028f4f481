/**
 * `--explore-ties`: events with equal timestamps on different CPUs have no defined order in a
 * trace (each CPU's buffer is ordered, the merge of equal stamps is not). This replays a scenario
 * under every order of its tie groups that keeps each CPU's own order (bounded: past `maxOrders`
 * a seeded sample of that many orders), and says for every policy's verdict and every divergence
 * whether it happens Always, Sometimes (k of n orders) or Never, like herd7's result lines.
 * An expectation stays glued to the event before it: it is about that call.
 */
import type { Scenario } from '../model/event-stream.ts';
import type { ModelEvent } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { traceIdentity } from '../replay/divergence-identity.ts';
import { type PolicyCallGuard, replayScenario } from '../replay/replay-scenario.ts';
import type { Verdict } from '../replay/results.ts';
import { type LineStamp, readScenarios } from './read-scenarios.ts';

export type TieLabel = 'Always' | 'Sometimes' | 'Never';

export interface TieGroup {
  /** Lines of the events in the group, in trace order. */
  lines: number[];
  cpus: number[];
}

export interface TieCount {
  count: number;
  label: TieLabel;
}

export interface ScenarioTies {
  scenario: string;
  groups: TieGroup[];
  /** Orders replayed, and how many exist (capped at Number.MAX_SAFE_INTEGER). */
  orders: number;
  total: number;
  sampled: boolean;
  /** policy -> verdict -> how many orders gave it. */
  verdicts: Record<string, Partial<Record<Verdict, TieCount>>>;
  /** Divergences by their call's line, in how many orders the call diverged. */
  divergences: { line: number; event: string; count: number; label: TieLabel }[];
  /** Some verdict or divergence depends on the order. */
  orderDependent: boolean;
}

export interface TieExploreOptions {
  policies: readonly Policy[];
  maxOrders?: number;
  seed?: number;
  scenario?: string;
  adapters?: boolean;
  /** Watches user policies' calls (a watched analysis worker, analysis-worker.ts). */
  guard?: PolicyCallGuard;
}

type Unit = ModelEvent[];

/** Events as units (an event and the expectations right after it) with the stamp of their head. */
function units(events: readonly ModelEvent[]): Unit[] {
  const out: Unit[] = [];
  for (const ev of events) {
    const last = out.at(-1);
    if (ev.type === 'expect' && last) last.push(ev);
    else out.push([ev]);
  }
  return out;
}

/** Runs of units with one timestamp spanning two or more CPUs; each is a list of per-CPU queues. */
function tieRuns(
  us: readonly Unit[],
  stamps: ReadonlyMap<number, LineStamp>,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let i = 0;
  while (i < us.length) {
    const s = stamps.get(us[i]![0]!.line);
    let j = i + 1;
    while (s && j < us.length && stamps.get(us[j]![0]!.line)?.ts === s.ts) j++;
    const cpus = new Set(us.slice(i, j).map((u) => stamps.get(u[0]!.line)?.cpu));
    if (j - i >= 2 && cpus.size >= 2) out.push({ start: i, end: j });
    i = j;
  }
  return out;
}

/** Interleavings of per-CPU queues: n! / (n1! n2! ...), saturating. */
function interleavings(sizes: readonly number[]): number {
  let total = 1;
  let n = 0;
  for (const k of sizes) {
    for (let i = 1; i <= k; i++) {
      n++;
      total = (total * n) / i;
      if (total > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
  }
  return Math.round(total);
}

function allInterleavings<T>(queues: readonly (readonly T[])[], cap: number): T[][] {
  const out: T[][] = [];
  const idx = queues.map(() => 0);
  const cur: T[] = [];
  const total = queues.reduce((a, q) => a + q.length, 0);
  const walk = (): void => {
    if (out.length >= cap) return;
    if (cur.length === total) {
      out.push([...cur]);
      return;
    }
    for (let q = 0; q < queues.length; q++) {
      if (idx[q]! >= queues[q]!.length) continue;
      cur.push(queues[q]![idx[q]!]!);
      idx[q]!++;
      walk();
      idx[q]!--;
      cur.pop();
    }
  };
  walk();
  return out;
}

/** Mulberry32: a small seeded PRNG, so a sampled exploration is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One interleaving drawn uniformly: the next element comes from a queue in proportion to what it has left. */
function randomInterleaving<T>(queues: readonly (readonly T[])[], rnd: () => number): T[] {
  const idx = queues.map(() => 0);
  const out: T[] = [];
  let left = queues.reduce((a, q) => a + q.length, 0);
  while (left > 0) {
    let r = Math.floor(rnd() * left);
    let q = 0;
    for (; q < queues.length; q++) {
      const rest = queues[q]!.length - idx[q]!;
      if (r < rest) break;
      r -= rest;
    }
    out.push(queues[q]![idx[q]!]!);
    idx[q]!++;
    left--;
  }
  return out;
}

/** Whether a scenario has a tie group at all (exploring one without is a single replay). */
export function hasTieGroups(sc: Scenario, stamps: ReadonlyMap<number, LineStamp>): boolean {
  return tieRuns(units(sc.events), stamps).length > 0;
}

function label(count: number, n: number): TieLabel {
  return count === 0 ? 'Never' : count === n ? 'Always' : 'Sometimes';
}

export function exploreScenarioTies(
  sc: Scenario,
  stamps: ReadonlyMap<number, LineStamp>,
  opts: TieExploreOptions,
): ScenarioTies {
  const maxOrders = opts.maxOrders ?? 1000;
  const us = units(sc.events);
  const runs = tieRuns(us, stamps);
  const queuesOf = (run: { start: number; end: number }): Unit[][] => {
    const byCpu = new Map<number, Unit[]>();
    for (const u of us.slice(run.start, run.end)) {
      const cpu = stamps.get(u[0]!.line)?.cpu ?? -1;
      const q = byCpu.get(cpu) ?? [];
      q.push(u);
      byCpu.set(cpu, q);
    }
    return [...byCpu.values()];
  };
  const groupQueues = runs.map(queuesOf);
  let total = 1;
  for (const qs of groupQueues) {
    total *= interleavings(qs.map((q) => q.length));
    if (total > Number.MAX_SAFE_INTEGER) total = Number.MAX_SAFE_INTEGER;
  }
  // Each order is one choice of interleaving per group.
  let choices: Unit[][][];
  const sampled = total > maxOrders;
  if (!sampled) {
    choices = [[]];
    for (const qs of groupQueues) {
      const options = allInterleavings(qs, maxOrders);
      choices = choices.flatMap((c) => options.map((o) => [...c, o]));
    }
  } else {
    const rnd = prng(opts.seed ?? 1);
    const seen = new Set<string>();
    choices = [];
    for (let tries = 0; choices.length < maxOrders && tries < maxOrders * 4; tries++) {
      const c = groupQueues.map((qs) => randomInterleaving(qs, rnd));
      const key = c.map((g) => g.map((u) => u[0]!.line).join(',')).join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      choices.push(c);
    }
  }

  const verdicts: ScenarioTies['verdicts'] = {};
  const divergences = new Map<number, { event: string; count: number }>();
  for (const choice of choices) {
    const events: ModelEvent[] = [];
    let at = 0;
    runs.forEach((run, g) => {
      for (const u of us.slice(at, run.start)) events.push(...u);
      for (const u of choice[g]!) events.push(...u);
      at = run.end;
    });
    for (const u of us.slice(at)) events.push(...u);
    const r = replayScenario({ ...sc, events }, opts.policies, {
      trace: traceIdentity(sc.name),
      outcomes: false,
      ...(opts.guard ? { guard: opts.guard } : {}),
    });
    for (const v of r.verdicts) {
      const per = verdicts[v.policy] ?? {};
      verdicts[v.policy] = per;
      const c = per[v.verdict] ?? { count: 0, label: 'Never' };
      per[v.verdict] = c;
      c.count++;
    }
    const lines = new Set<number>();
    for (const d of r.divergences) {
      if (lines.has(d.line)) continue;
      lines.add(d.line);
      const e = divergences.get(d.line) ?? { event: d.event, count: 0 };
      e.count++;
      divergences.set(d.line, e);
    }
  }
  const n = choices.length;
  let orderDependent = false;
  for (const per of Object.values(verdicts)) {
    for (const c of Object.values(per)) {
      c.label = label(c.count, n);
      if (c.label === 'Sometimes') orderDependent = true;
    }
  }
  const divs = [...divergences]
    .sort((a, b) => a[0] - b[0])
    .map(([line, e]) => ({ line, event: e.event, count: e.count, label: label(e.count, n) }));
  if (divs.some((d) => d.label === 'Sometimes')) orderDependent = true;
  return {
    scenario: sc.name,
    groups: runs.map((run) => {
      const group = us.slice(run.start, run.end).map((u) => u[0]!);
      return {
        lines: group.map((e) => e.line),
        cpus: [...new Set(group.map((e) => stamps.get(e.line)?.cpu ?? -1))].sort((a, b) => a - b),
      };
    }),
    orders: n,
    total,
    sampled,
    verdicts,
    divergences: divs,
    orderDependent,
  };
}

export async function exploreTies(source: string, opts: TieExploreOptions): Promise<ScenarioTies[]> {
  const read = await readScenarios(source, {
    adapters: opts.adapters !== false,
    ...(opts.scenario !== undefined ? { keep: (n: string) => n === opts.scenario } : {}),
  });
  return read.scenarios
    .filter((sc) => sc.error === undefined)
    .map((sc) => exploreScenarioTies(sc, read.stamps, opts));
}
