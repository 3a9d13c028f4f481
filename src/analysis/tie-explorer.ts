/**
 * Tie exploration for a list of policies: in this thread when they are all pinbench's own, in a
 * watched worker (watched-analysis.ts) when a user's module is among them, so a module that
 * loops or ends the process cannot hang `--explore-ties` or a run's order-dependence check; the
 * module is stopped after `--policy-timeout-ms` and is `error` in that scenario's orders.
 */
import type { Scenario } from '../model/event-stream.ts';
import type { Policy } from '../model/kernel.ts';
import { isModulePath, resolvePolicies } from '../replay/load-policies.ts';
import { exploreScenarioTies, type ScenarioTies } from './explore-ties.ts';
import { type LineStamp, readScenarios } from './read-scenarios.ts';
import { WatchedAnalysis } from './watched-analysis.ts';

export interface TieExplorer {
  explore(scenario: Scenario, stamps: ReadonlyMap<number, LineStamp>): Promise<ScenarioTies>;
  close(): Promise<void>;
}

export interface TieExplorerOptions {
  /** Policy ids and module paths, as given on the command line. */
  specs: readonly string[];
  cwd: string;
  maxOrders: number;
  policyTimeoutMs?: number;
  /** The same policies already resolved in this thread (none needed with a user module). */
  policies?: readonly Policy[];
}

/** The stamps of a scenario's own lines: what a worker needs, not the whole trace's. */
export function ownStamps(sc: Scenario, stamps: ReadonlyMap<number, LineStamp>): Map<number, LineStamp> {
  const out = new Map<number, LineStamp>();
  for (const ev of sc.events) {
    const s = stamps.get(ev.line);
    if (s) out.set(ev.line, s);
  }
  return out;
}

export async function tieExplorer(opts: TieExplorerOptions): Promise<TieExplorer> {
  if (opts.specs.some(isModulePath)) {
    const watched = new WatchedAnalysis({
      policies: { kind: 'specs', specs: [...opts.specs] },
      cwd: opts.cwd,
      ...(opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: opts.policyTimeoutMs } : {}),
    });
    return {
      explore: (sc, stamps) => watched.exploreTies(sc, ownStamps(sc, stamps), opts.maxOrders),
      close: () => watched.close(),
    };
  }
  const policies = opts.policies ?? (await resolvePolicies(opts.specs, opts.cwd));
  return {
    explore: async (sc, stamps) => exploreScenarioTies(sc, stamps, { policies, maxOrders: opts.maxOrders }),
    close: async () => {},
  };
}

/** Every scenario of a trace (or the one named) explored by `explorer`. */
export async function exploreTraceTies(
  source: string,
  explorer: TieExplorer,
  opts: { scenario?: string; adapters?: boolean } = {},
): Promise<ScenarioTies[]> {
  const read = await readScenarios(source, {
    adapters: opts.adapters !== false,
    ...(opts.scenario !== undefined ? { keep: (n: string) => n === opts.scenario } : {}),
  });
  const out: ScenarioTies[] = [];
  for (const sc of read.scenarios)
    if (sc.error === undefined) out.push(await explorer.explore(sc, read.stamps));
  return out;
}
