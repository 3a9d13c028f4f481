/**
 * `minimize`: the smallest slice of a scenario that still shows a divergence. Delta debugging
 * over the scenario's declarations and calls (the divergence's own call always stays); each
 * candidate is replayed in memory against the same policies, and it keeps the divergence when
 * the corresponding call (the same trace line) still splits the policies into the same set of
 * distinct outcomes. The identity itself changes as events go (its signature hashes the
 * content), so the kind is what is kept. Removal never reorders: each task keeps its own order.
 * A declaration a kept call needs cannot go, because without it the call no longer diverges the
 * same way (or the replay fails, which counts as losing the divergence).
 *
 * The slice is written back as trace text: the original lines of the kept events, the config
 * in force, the scenario line, the `pinbench_expect` lines of kept calls and of the scenario's
 * end, and each kept call's observed return. The written text is replayed once more from bytes
 * to prove it still diverges.
 */

import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { PinbenchError, UsageError } from '../errors.ts';
import type { Scenario } from '../model/event-stream.ts';
import type { CallEvent, ModelEvent } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { distinctOutcomeKeys, outcomeKeyWithoutWhy } from '../replay/compare.ts';
import { traceIdentity } from '../replay/divergence-identity.ts';
import { type PolicyCallGuard, replayScenario } from '../replay/replay-scenario.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import type { DivergenceRecord } from '../replay/results.ts';
import { ddmin } from './ddmin.ts';
import { readScenarios } from './read-scenarios.ts';
import { sliceText } from './slice-text.ts';

export interface MinimizeOptions {
  policies: readonly Policy[];
  /** A divergence signature (or a unique prefix) from a replay of the trace against `policies`. */
  divergence?: string;
  /** Or the divergence at the call with this trace line text and event (a stored slice's call). */
  at?: { text: string; event: string };
  /** Restricts the search for the signature to one scenario. */
  scenario?: string;
  adapters?: boolean;
  /** false: keep every event (the whole scenario as a slice, e.g. for a repro capsule). */
  reduce?: boolean;
  /**
   * A budget (a `performance.now()` time): past it no more candidates are replayed, and the
   * smallest slice found so far is the result (`complete: false`).
   */
  deadline?: number;
  /** Watches user policies' calls (a watched analysis worker, analysis-worker.ts). */
  guard?: PolicyCallGuard;
}

export interface MinimizeResult {
  trace: string;
  scenario: string;
  /** The divergence as found in the original trace. */
  divergence: { signature: string; line: number; event: string; text: string; outcomes: string[] };
  /** Declarations and calls of the scenario before and after. */
  events: { before: number; after: number; removed: number };
  /** In-memory replays of candidate slices (the first, of the whole scenario, included). */
  replays: number;
  /** ddmin ran to its end (the slice is 1-minimal); false when the deadline stopped it. */
  complete: boolean;
  /** Every policy has the same verdict on the slice as on the scenario (final.* expectations kept). */
  verdictsKept: boolean;
  /** The minimised trace text. */
  text: string;
  /** The divergence's signature in the minimised trace (it hashes the new content). */
  newSignature: string;
  /** Its classes in the slice: which policies share which outcome (outcome keys). */
  classes: { policies: string[]; outcome: string }[];
}

/** Events ddmin may remove: declarations and calls. Config and expectations follow the calls. */
function removable(ev: ModelEvent): boolean {
  return ev.type === 'page' || ev.type === 'vma' || ev.type === 'pte' || ev.type === 'call';
}

/** What a divergence is, apart from where: the call's event and its distinct class outcomes. */
function divergenceKind(d: DivergenceRecord): string[] {
  return distinctOutcomeKeys(d.classes);
}

function sameKind(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function findDivergence(
  source: string,
  opts: MinimizeOptions,
): Promise<{ d: DivergenceRecord; layout: string }> {
  const r = await replayTrace(source, opts.policies, {
    outcomes: false,
    ...(opts.adapters === false ? {} : { adapters: defaultAdapters }),
    ...(opts.guard ? { guard: opts.guard } : {}),
  });
  if (r.error) throw new UsageError(`${source}: cannot replay: ${r.error.message}`);
  const all = r.scenarios
    .filter((s) => opts.scenario === undefined || s.scenario === opts.scenario)
    .flatMap((s) => s.divergences);
  const at = opts.at;
  if (at) {
    const d = all.find((x) => x.text === at.text && x.event === at.event);
    if (!d) throw new UsageError(`${source}: the call ${at.text} does not diverge`);
    return { d, layout: r.layout };
  }
  const sig = opts.divergence ?? '';
  const exact = all.filter((d) => d.signature === sig);
  const hits = exact.length ? exact : all.filter((d) => d.signature.startsWith(sig));
  if (hits.length > 1)
    throw new UsageError(
      `--divergence ${opts.divergence} is ambiguous: ${hits.map((d) => d.signature).join(', ')}`,
    );
  if (hits.length === 0) {
    const some = [...new Set(all.map((d) => d.signature))].slice(0, 5);
    throw new UsageError(
      `--divergence ${opts.divergence}: no divergence of ${source}${opts.scenario ? ` scenario ${opts.scenario}` : ''} has this signature${some.length ? ` (some that exist: ${some.join(', ')})` : ''}`,
    );
  }
  return { d: hits[0]!, layout: r.layout };
}

interface ReadScenario {
  scenario: Scenario;
  /** Lines the slice needs besides its events: configs before the scenario, its own line, `_ret` records. */
  configLines: { line: number; text: string }[];
  scenarioLine?: string;
  retLines: Map<number, string>;
}

async function readScenario(source: string, name: string, adapters: boolean): Promise<ReadScenario> {
  const read = await readScenarios(source, { adapters, keep: (n) => n === name });
  const sc = read.scenarios[0];
  if (!sc) throw new UsageError(`${source}: no scenario ${name}`);
  if (sc.error !== undefined) throw new UsageError(`${source}: scenario ${name} is invalid: ${sc.error}`);
  return {
    scenario: sc,
    configLines: read.configLines.before(sc.line),
    ...(read.scenarioLines.has(sc.line) ? { scenarioLine: read.scenarioLines.get(sc.line)! } : {}),
    retLines: read.retLines,
  };
}

/** The divergence at the call on `line` in a replay of `events`, or null (a throw counts as none). */
function divergenceAt(
  sc: Scenario,
  events: ModelEvent[],
  line: number,
  policies: readonly Policy[],
  guard: PolicyCallGuard | undefined,
): DivergenceRecord | null {
  try {
    const r = replayScenario({ ...sc, events }, policies, {
      trace: traceIdentity(sc.name),
      outcomes: false,
      ...(guard ? { guard } : {}),
    });
    if (r.verdicts.some((v) => v.verdict === 'error')) return null;
    return r.divergences.find((d) => d.line === line) ?? null;
  } catch {
    return null;
  }
}

/** Expectations of kept calls (`withFinal`: and the final-only ones, about the scenario's end). */
function keptExpectations(
  events: readonly ModelEvent[],
  kept: ReadonlySet<ModelEvent>,
  withFinal: boolean,
): ModelEvent[] {
  const out: ModelEvent[] = [];
  let lastCall: CallEvent | null = null;
  for (const ev of events) {
    if (ev.type === 'call') lastCall = ev;
    if (ev.type !== 'expect') continue;
    const finalOnly = ev.assertions.every((a) => a.final);
    if (finalOnly ? withFinal : lastCall !== null && kept.has(lastCall)) out.push(ev);
  }
  return out;
}

/** Each policy's verdict, as `policy=verdict` lines, for comparing a slice with its scenario. */
function verdictsOf(
  sc: Scenario,
  events: ModelEvent[],
  policies: readonly Policy[],
  guard: PolicyCallGuard | undefined,
): string {
  try {
    const r = replayScenario({ ...sc, events }, policies, {
      trace: traceIdentity(sc.name),
      outcomes: false,
      ...(guard ? { guard } : {}),
    });
    return r.verdicts.map((v) => `${v.policy}=${v.verdict}`).join('\n');
  } catch (e) {
    return `threw: ${(e as Error).message}`;
  }
}

export async function minimize(source: string, opts: MinimizeOptions): Promise<MinimizeResult> {
  const { d, layout } = await findDivergence(source, opts);
  const kind = divergenceKind(d);
  const read = await readScenario(source, d.scenario, opts.adapters !== false);
  const sc = read.scenario;
  const target = sc.events.find((e) => e.type === 'call' && e.line === d.line);
  if (!target) throw new UsageError(`${source}: no call at line ${d.line} in scenario ${d.scenario}`);
  const fixed = new Set(sc.events.filter((e) => e === target || !removable(e)));
  const candidates = sc.events.filter((e) => !fixed.has(e));
  let replays = 0;
  const keeps = (subset: readonly ModelEvent[]): boolean => {
    replays++;
    const chosen = new Set(subset);
    const events = sc.events.filter((e) => fixed.has(e) || chosen.has(e));
    const got = divergenceAt(sc, events, d.line, opts.policies, opts.guard);
    return got !== null && got.event === d.event && sameKind(divergenceKind(got), kind);
  };
  if (!keeps(candidates))
    throw new UsageError(
      `${source}: divergence ${d.signature} does not reproduce from scenario ${d.scenario} alone (does it need another scenario?)`,
    );
  let complete = true;
  const deadline = opts.deadline;
  const overBudget =
    deadline === undefined
      ? undefined
      : () => {
          if (performance.now() < deadline) return false;
          complete = false;
          return true;
        };
  const inOrder = (set: ReadonlySet<ModelEvent>): ModelEvent[] => sc.events.filter((e) => set.has(e));
  const linesOf = (set: ReadonlySet<ModelEvent>): { line: number; text: string }[] => {
    const lines: { line: number; text: string }[] = [];
    for (const e of set) {
      lines.push({ line: e.line, text: e.text });
      if (e.type === 'call' && e.observed) {
        const ret = read.retLines.get(e.observed.line);
        if (ret !== undefined) lines.push({ line: e.observed.line, text: ret });
      }
    }
    return lines;
  };
  // The slice as bytes must still diverge the same way at the same call (matched by its text).
  const readBack = async (text: string) => {
    const check = await replayTrace('-', opts.policies, {
      outcomes: false,
      ingest: { stdin: Readable.from([Buffer.from(text)]), name: `${source} (minimised)` },
      ...(opts.adapters === false ? {} : { adapters: defaultAdapters }),
      ...(opts.guard ? { guard: opts.guard } : {}),
    });
    const again = check.scenarios
      .flatMap((s) => s.divergences)
      .find((x) => x.text === d.text && x.event === d.event && sameKind(divergenceKind(x), kind));
    return { again, error: check.error };
  };
  const withFixed = (subset: readonly ModelEvent[]): Set<ModelEvent> => {
    const kept = new Set<ModelEvent>(subset);
    for (const e of fixed) if (e.type !== 'expect') kept.add(e);
    return kept;
  };

  let kept = withFixed(opts.reduce === false ? candidates : await ddmin(candidates, keeps, overBudget));
  // An adapter (a real recording's markers) may make events of a line only with lines the
  // in-memory replay did not need (a call waits for its pages' markers): when the slice read
  // back from bytes loses the divergence, ddmin runs again with that read-back as its test.
  if (opts.reduce !== false && !(await readBack(sliceText(layout, read, linesOf(kept), []))).again) {
    const keepsAsText = async (subset: readonly ModelEvent[]): Promise<boolean> => {
      replays++;
      const set = withFixed(subset);
      for (const e of keptExpectations(sc.events, set, false)) set.add(e);
      return (await readBack(sliceText(layout, read, linesOf(set), []))).again !== undefined;
    };
    kept = withFixed(await ddmin(candidates, keepsAsText, overBudget));
  }
  // The scenario's end-state expectations (final.*) stay when every policy keeps its verdict with
  // them (the slice still tells the same story); when the tail that made them true is gone, they go.
  const original = verdictsOf(sc, sc.events, opts.policies, opts.guard);
  const withFinal = new Set([...kept, ...keptExpectations(sc.events, kept, true)]);
  const verdictsKept = verdictsOf(sc, inOrder(withFinal), opts.policies, opts.guard) === original;
  for (const e of keptExpectations(sc.events, kept, verdictsKept)) kept.add(e);

  const before = candidates.length + 1;
  const after = [...kept].filter(removable).length;
  const note = [
    `pinbench minimize: scenario ${d.scenario} of ${source}, divergence ${d.signature}`,
    `(${d.event} at line ${d.line}); kept ${after} of ${before} declarations and calls in ${replays} replays${complete ? '' : ' (stopped by its time budget: not 1-minimal)'}.`,
  ];
  const text = sliceText(layout, read, linesOf(kept), note);
  const { again, error } = await readBack(text);
  if (!again)
    throw new PinbenchError(
      'PB_INTERNAL',
      `${source}: the minimised slice of scenario ${d.scenario} no longer diverges when read back${error ? `: ${error.message}` : ''}`,
    );
  return {
    trace: source,
    scenario: d.scenario,
    divergence: { signature: d.signature, line: d.line, event: d.event, text: d.text, outcomes: kind },
    events: { before, after, removed: before - after },
    replays,
    complete,
    verdictsKept,
    text,
    newSignature: again.signature,
    classes: again.classes.map((c) => ({
      policies: c.policies,
      outcome: outcomeKeyWithoutWhy(c.outcome),
    })),
  };
}
