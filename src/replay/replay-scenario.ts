/**
 * Replays one scenario against every policy in lockstep: each event goes to every policy's state
 * before the next event is read; call outcomes are compared on the spot. Pure: no I/O.
 *
 * With `lockstep`, policies step in groups (see `Group`): policies whose states are equal, and
 * whose tables hold the same functions in every slot a call reaches, produce the same outcome
 * and the same next state, so one representative steps for the group and the others take its
 * result. A group splits at the call that reaches a slot where its members' functions differ:
 * the step is taken back (the group's state is journaled, state.ts `beginLog`), the members
 * that went another way step from the state before the call, and the parts whose states are
 * still equal after it (often: a changed function that changed nothing here) join again; only
 * a part that ends elsewhere gets a copy. Outcomes, errors and final checks are those of stepping every policy alone
 * (test/lockstep-vs-alone.test.ts compares).
 */
import { applyDeclaration, callPolicy } from '../model/dispatch.ts';
import type { Gap, Scenario } from '../model/event-stream.ts';
import {
  type Assertion,
  type CallEvent,
  DEFAULT_CONFIG,
  type ModelEvent,
  type TraceConfig,
} from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { type FinalChecks, finalChecks, type Outcome, recordWhy } from '../model/outcome.ts';
import { differingSlots, SlotTracker, sameSlots } from '../model/slot-tracker.ts';
import { State, type StateDelta } from '../model/state.ts';
import { classify, type OutcomeClass, outcomeKey, sameKeyFields } from './compare.ts';
import {
  divergenceSignature,
  divergenceTitle,
  scenarioFingerprint,
  type TraceIdentity,
  traceLabel,
} from './divergence-identity.ts';
import { type ExpectationCoverage, expectationCoverage } from './expectation-coverage.ts';
import { callSubject, checkAssertion, finalSubject, scopeMatches } from './expectations.ts';
import { recordingReleaseOf } from './recording-release.ts';
import { type ExpectedVerdict, expectedVerdict } from './result-header.ts';
import type {
  DivergenceRecord,
  FidelityRecord,
  FinalRecord,
  OutcomeRecord,
  Verdict,
  VerdictRecord,
} from './results.ts';

export const OBSERVED = 'observed';

export interface ScenarioReplayOptions {
  /** Which trace (and matrix configuration) the scenario belongs to. */
  trace: TraceIdentity;
  /** Emit every outcome record (the NDJSON `outcome` lines); off for summaries. */
  outcomes: boolean;
  /** `--config` overrides, applied over every pinbench_config. */
  configOverrides?: Partial<TraceConfig>;
  /** An error that made the scenario invalid (a bad field): every policy gets `error`. */
  error?: string;
  /** The trace header's `# Result` rows, for each verdict's `expected`. */
  expected?: readonly ExpectedVerdict[];
  /** Watches user policies' calls (replay workers, see worker.ts). */
  guard?: PolicyCallGuard;
  /**
   * Step policies in groups (see the file comment) instead of every policy alone. Results are
   * the same either way (test/lockstep-vs-alone.test.ts). Twins replay once either way.
   */
  lockstep?: boolean;
  /** Counts model steps into this object (benchmarks). */
  steps?: LockstepSteps;
  /**
   * Policies (by index) that do not step: each call's outcome and the final checks are the
   * record's, made by a run of the very same functions over this very scenario (a policy's
   * results depend only on the functions its calls reach and the scenario: baseline-records.ts).
   * Everything else (comparison, expectations under the policy's own scopes, verdicts, errors
   * named with its own id) is as when it steps. A recorded policy never shares a lockstep group.
   */
  recorded?: { record: ScenarioRecord; policies: readonly number[] };
  /**
   * Records the run of policy `index` (stepped alone, every slot its calls reach tracked): `done`
   * gets the record when the scenario ends, or null when that policy ended in error.
   */
  record?: { index: number; done: (record: ScenarioRecord | null) => void };
}

/** What a policy's run over one scenario gave (see `recorded`, `record`). */
export interface ScenarioRecord {
  scenario: string;
  /** Each call's outcome, in call order. */
  outcomes: Outcome[];
  /** The final checks (absent when the scenario itself was in error: nothing stepped). */
  final?: FinalChecks;
  /** Every kernel-table slot its calls reached. */
  reached: string[];
}

/** How many model steps a replay took, and how many stepping every policy alone would take. */
export interface LockstepSteps {
  /** Calls x policies stepped by their own table: what stepping every policy alone costs. */
  alone: number;
  /** Calls actually stepped (one per group per call). */
  stepped: number;
  /** Steps taken back because the group split at that call (see `stepGroup`). */
  rollbacks: number;
  /** State copies: a group that split for good (its parts end in different states). */
  copies: number;
}

/**
 * How a replay worker watches the user's code: each call of a user policy (one with a module
 * `source`) runs through `call`, and a policy that overran its budget in an earlier attempt at
 * this scenario is not run again (`beginScenario` gives the reasons, by index in `policies`).
 */
export interface PolicyCallGuard {
  beginScenario(): ReadonlyMap<number, string> | undefined;
  call<T>(index: number, fn: () => T): T;
}

export interface ScenarioResult {
  scenario: string;
  outcomes: OutcomeRecord[];
  divergences: DivergenceRecord[];
  finals: FinalRecord[];
  verdicts: VerdictRecord[];
  fidelity: FidelityRecord[];
  calls: number;
  /** Which calls the scenario's expectations cover. */
  coverage: ExpectationCoverage;
}

interface PolicyRun {
  policy: Policy;
  /** Its index in `policies` (and in a call's `byRun`). */
  pos: number;
  /** A policy made of the very same functions replays once; its twins copy the outcomes. */
  twinOf?: PolicyRun;
  scopeIds: string[];
  /** Its group's state (a twin's: its original's). */
  state: State;
  /** The outcome of the call being compared (set by its group's step). */
  outcome?: Outcome | undefined;
  failures: { text: string; line: number }[];
  deferred: number;
  unsupported: boolean;
  error?: string;
  final?: FinalChecks;
  /** Index in `policies` of a user policy, whose calls go through the guard. */
  index?: number;
  /** Its outcomes and final come from `opts.recorded` (it never steps). */
  fromRecord?: true;
  /** Notes the slots its steps reach (`opts.record`). */
  track?: SlotTracker;
}

/**
 * The release model of the kernel that recorded the scenario, for fidelity checks: the one
 * `pinbench fidelity` uses (recording-release.ts), the stable id of a Debian kernel's package
 * (5.10.262-1 -> v5.10.262) included. Its fidelity records exist where that release is replayed.
 */
function recordingRelease(kernel: string | null | undefined, sc: Scenario): string | null {
  return recordingReleaseOf(kernel, sc.recording?.packages);
}

// Numbers for function objects, so a kernel table's identity is a short string.
const functionIds = new WeakMap<object, number>();
let nextFunctionId = 1;

const tableIds = new WeakMap<object, string>();

/** Equal exactly when two tables hold the very same function objects under the same names. */
function tableIdentity(ops: Readonly<Record<string, unknown>>): string {
  const known = tableIds.get(ops);
  if (known !== undefined) return known;
  let id = '';
  for (const name of Object.keys(ops).sort()) {
    const fn = ops[name] as object;
    let n = functionIds.get(fn);
    if (n === undefined) {
      n = nextFunctionId++;
      functionIds.set(fn, n);
    }
    id += `${name}=${n};`;
  }
  tableIds.set(ops, id);
  return id;
}

/**
 * Policies stepped as one: their states are equal (they are one object) and their tables held
 * the same functions in every slot the calls so far reached. Members never share a group with a
 * twin (twins copy their original) or a user policy (watched by the guard, stepped alone).
 */
interface Group {
  members: PolicyRun[];
  state: State;
  /**
   * The slots where the members' tables differ (built when first needed, dropped when the
   * members change): the only slots worth tracking, since a call that reaches none of them runs
   * the same code for every member.
   */
  watch?: Set<string> | undefined;
}

// Watch sets by their members' tables: scenario after scenario forms the same groups, and the
// tracker's recording tables are built once per watch set (object), so equal sets are one object.
const watchSets = new Map<string, Set<string>>();
const WATCH_SETS_MAX = 4096;
const opsNumbers = new WeakMap<object, number>();
let nextOpsNumber = 1;

/** The slots in which some member's table differs from the first member's (one object per set of tables). */
function watchOf(members: readonly PolicyRun[]): Set<string> {
  const ids: number[] = [];
  for (const m of members) {
    let n = opsNumbers.get(m.policy.ops);
    if (n === undefined) {
      n = nextOpsNumber++;
      opsNumbers.set(m.policy.ops, n);
    }
    ids.push(n);
  }
  const key = ids.sort((a, b) => a - b).join(',');
  let set = watchSets.get(key);
  if (!set) {
    if (watchSets.size >= WATCH_SETS_MAX) watchSets.clear();
    set = membersDifferingSlots(members);
    watchSets.set(key, set);
  }
  return set;
}

/** The slots in which some member's table differs from the first member's. */
function membersDifferingSlots(members: readonly PolicyRun[]): Set<string> {
  const out = new Set<string>();
  const first = members[0]!.policy.ops;
  for (const m of members) differingSlots(first, m.policy.ops, out);
  return out;
}

/** What a policy that threw on a call is marked with (its `error`). */
function threwOn(run: PolicyRun, ev: CallEvent, message: string): string {
  return `${run.policy.id} threw on ${ev.name} (line ${ev.line}): ${message}`;
}

/**
 * One tracker for every scenario (a replay is synchronous): the recording tables it builds per
 * table and watch set are then built once per replay process, not once per scenario.
 */
const lockstepTracker = new SlotTracker();
/** The slots a recorded run reaches (`opts.record`): every slot, over the whole scenario. */
const recordTracker = new SlotTracker();

function stripWhy(o: Outcome): Omit<Outcome, 'why'> {
  const { why: _why, ...rest } = o;
  return rest;
}

export function replayScenario(
  sc: Scenario,
  policies: readonly Policy[],
  opts: ScenarioReplayOptions,
): ScenarioResult {
  const result: ScenarioResult = {
    scenario: sc.name,
    outcomes: [],
    divergences: [],
    finals: [],
    verdicts: [],
    fidelity: [],
    calls: 0,
    coverage: expectationCoverage(sc),
  };
  const config: TraceConfig = { ...DEFAULT_CONFIG, ...sc.config, ...opts.configOverrides };
  const label = traceLabel(opts.trace);
  // The outcome keys of each divergence's classes, parallel to result.divergences: the
  // signatures are computed once, when the scenario is complete.
  const classKeys: string[][] = [];
  const byTable = new Map<string, PolicyRun>();
  const skipped = opts.guard?.beginScenario();
  const lockstep = opts.lockstep ?? false;
  const groups: Group[] = [];
  let shared: Group | undefined;
  // A call's outcomes are kept by position, and records name them by policy id.
  if (new Set(policies.map((p) => p.id)).size !== policies.length)
    throw new Error('replayScenario: two policies with the same id');
  const recorded = opts.recorded;
  const making = opts.record;
  // Recorded runs step nothing: they share one state no event is applied to.
  const unstepped = recorded ? new State(config) : undefined;
  const fromRecord: PolicyRun[] = [];
  const runs: PolicyRun[] = policies.map((policy, index) => {
    const table = tableIdentity(policy.ops);
    const twinOf = byTable.get(table);
    const isRecorded = !twinOf && recorded !== undefined && recorded.policies.includes(index);
    const alone = policy.source !== undefined || making?.index === index;
    const run: PolicyRun = {
      policy,
      pos: index,
      scopeIds: [policy.id, policy.scopeRelease],
      // A twin never steps its own state: it reads its original's.
      state: twinOf
        ? twinOf.state
        : isRecorded
          ? unstepped!
          : new State(config, undefined, lockstep && !alone),
      failures: [],
      deferred: 0,
      unsupported: false,
    };
    if (twinOf) run.twinOf = twinOf;
    else if (isRecorded) {
      byTable.set(table, run);
      run.fromRecord = true;
      fromRecord.push(run);
    } else {
      byTable.set(table, run);
      if (making?.index === index) {
        recordTracker.watchOnly(undefined);
        recordTracker.reset();
        run.track = recordTracker;
      }
      // Every policy starts from the same state; user policies step alone, under the guard.
      if (lockstep && !alone) {
        if (shared) {
          shared.members.push(run);
          run.state = shared.state;
        } else {
          shared = { members: [run], state: run.state };
          groups.push(shared);
        }
      } else groups.push({ members: [run], state: run.state });
    }
    if (policy.source !== undefined) run.index = index;
    const skip = skipped?.get(index);
    if (skip !== undefined) run.error = skip;
    return run;
  });
  const steps = opts.steps;
  const tracker = lockstep ? lockstepTracker : undefined;

  /** Config and declarations change a state; assertions do not. */
  const applyEvent = (st: State, ev: ModelEvent): void => {
    if (ev.type === 'config') st.setConfig({ ...ev.config, ...opts.configOverrides });
    else applyDeclaration(st, ev);
  };

  /** One step of `run`'s policy on `state`: under the guard for a user module, else directly. */
  const invoke = (run: PolicyRun, state: State, ev: CallEvent, track: SlotTracker | undefined): Outcome =>
    opts.guard && run.index !== undefined
      ? opts.guard.call(run.index, () => callPolicy(run.policy.ops, state, ev, track))
      : callPolicy(run.policy.ops, state, ev, track);

  /**
   * Steps call `ev` once for `members` (sharing `state`): the first steps, watched by `track`;
   * the members whose tables hold the same functions in every slot it reached (`same`) take its
   * outcome, or its error; the others (`rest`) went another way and must step on their own.
   */
  const stepPart = (
    members: PolicyRun[],
    state: State,
    ev: CallEvent,
    track: SlotTracker | undefined,
  ): { same: PolicyRun[]; rest: PolicyRun[]; thrown: boolean } => {
    const rep = members[0]!;
    track?.reset();
    let o: Outcome | undefined;
    let thrown: string | undefined;
    try {
      o = invoke(rep, state, ev, track);
    } catch (e) {
      thrown = (e as Error).message;
    }
    if (steps) steps.stepped++;
    let same = members;
    const rest: PolicyRun[] = [];
    if (track) {
      same = [];
      for (const m of members) (sameSlots(m.policy.ops, rep.policy.ops, track.reached) ? same : rest).push(m);
    }
    for (const m of same) {
      if (thrown !== undefined) {
        m.error = threwOn(m, ev, thrown);
        continue;
      }
      m.outcome = o;
      if (o?.ret === 'unsupported') m.unsupported = true;
    }
    return { same, rest, thrown: thrown !== undefined };
  };

  /**
   * `stepPart` for one policy stepped alone (every policy when `lockstep` is off): the same
   * outcome or error, without the part bookkeeping a group needs.
   */
  const stepAlone = (m: PolicyRun, state: State, ev: CallEvent): void => {
    let o: Outcome;
    try {
      o = invoke(m, state, ev, m.track);
    } catch (e) {
      if (steps) steps.stepped++;
      m.error = threwOn(m, ev, (e as Error).message);
      return;
    }
    if (steps) steps.stepped++;
    m.outcome = o;
    if (o.ret === 'unsupported') m.unsupported = true;
  };

  /**
   * Steps call `ev` for group `g`. The first member steps on the group's state under its write
   * log; when no member went another way, that is all. Otherwise the step is taken back and the
   * members that went another way step, in turn, from the state before the call: a part that
   * ends in the state of an earlier part joins it, whatever its outcome (outcomes are per
   * member); one that ends elsewhere becomes a group of its own, on a copy. The first part keeps
   * the group's state, its step written again at the end.
   */
  const stepGroup = (g: Group, ev: CallEvent): void => {
    if (g.members.some((m) => m.error !== undefined)) {
      g.members = g.members.filter((m) => !m.error);
      g.watch = undefined;
    }
    if (g.members.length === 0) return;
    if (g.members.length === 1) {
      stepAlone(g.members[0]!, g.state, ev);
      return;
    }
    if (!tracker) {
      stepPart(g.members, g.state, ev, undefined);
      return;
    }
    g.watch ??= watchOf(g.members);
    tracker.watchOnly(g.watch);
    const st = g.state;
    st.beginLog();
    let { same, rest, thrown } = stepPart(g.members, st, ev, tracker);
    if (rest.length === 0) {
      st.commitLog();
      return;
    }
    if (steps) steps.rollbacks++;
    const parts: { members: PolicyRun[]; delta: StateDelta; state: State }[] = [];
    if (!thrown) parts.push({ members: same, delta: st.rollbackLog(), state: st });
    else st.rollbackLog();
    while (rest.length > 0) {
      st.beginLog();
      ({ same, rest, thrown } = stepPart(rest, st, ev, tracker));
      const equal = thrown ? undefined : parts.find((p) => st.matchesLog(p.delta));
      if (equal) equal.members.push(...same);
      else if (!thrown) {
        // The first part to step without throwing keeps the group's state (written again below).
        const state = parts.length === 0 ? st : st.clone();
        if (state !== st && steps) steps.copies++;
        parts.push({ members: same, delta: st.rollbackLog(), state });
        continue;
      }
      st.rollbackLog();
    }
    if (parts[0]) st.redoLog(parts[0].delta);
    const members = parts[0]?.members ?? [];
    // Parts that ended equal joined: the same members, the same watch (and recording tables).
    if (members.length !== g.members.length) g.watch = undefined;
    g.members = members;
    for (const p of parts.slice(1)) {
      groups.push({ members: p.members, state: p.state });
      for (const m of p.members) m.state = p.state;
    }
  };
  const gaps = sc.gaps.filter((g) => g.cpu === undefined || sc.cpus.has(g.cpu));
  const cut = sc.gaps.find((g) => CUT_KINDS.has(g.kind));
  const firstGapLine = gaps.length ? Math.min(...gaps.map((g) => g.line)) : Number.POSITIVE_INFINITY;
  const seenPartitions = new Set<string>();
  // `final.*` assertions are collected while stepping and evaluated at the end.
  const finalsPending: { a: Assertion; scope: string | undefined }[] = [];
  let lastCall: { ev: CallEvent; byRun: (Outcome | undefined)[] } | null = null;
  let kernel = config.kernel;
  let recording = recordingRelease(kernel, sc);
  const madeOutcomes: Outcome[] = [];

  for (let at = 0; at < sc.events.length; at++) {
    const ev = sc.events[at]!;
    if (opts.error) break;
    if (ev.type === 'call') {
      result.calls++;
      if (steps) for (const run of runs) if (!run.twinOf && !run.error) steps.alone++;
      // Groups split while stepping; a group split off (pushed at the end) steps this call as it
      // is made, so only the groups there were before the call are stepped here.
      for (let i = 0, n = groups.length; i < n; i++) stepGroup(groups[i]!, ev);
      if (recorded) {
        const o = recorded.record.outcomes[result.calls - 1];
        if (!o) throw new Error(`replayScenario: the record of ${sc.name} has fewer calls than the scenario`);
        for (const run of fromRecord) {
          if (run.error) continue;
          run.outcome = o;
          if (o.ret === 'unsupported') run.unsupported = true;
        }
      }
      // The outcomes of the policies that have one, in policy order (`ids`, `outs`), and by run.
      const ids: string[] = [];
      const outs: Outcome[] = [];
      const byRun: (Outcome | undefined)[] = new Array(runs.length);
      for (const run of runs) {
        if (run.twinOf) {
          const o = byRun[run.twinOf.pos];
          if (run.twinOf.error !== undefined)
            run.error = run.twinOf.error.replace(run.twinOf.policy.id, run.policy.id);
          else if (o) {
            byRun[run.pos] = o;
            ids.push(run.policy.id);
            outs.push(o);
          }
          run.unsupported = run.twinOf.unsupported;
          continue;
        }
        const o = run.outcome;
        run.outcome = undefined;
        if (run.error || !o) continue;
        byRun[run.pos] = o;
        ids.push(run.policy.id);
        outs.push(o);
      }
      if (opts.outcomes) {
        for (let i = 0; i < outs.length; i++) {
          const policy = ids[i]!;
          const o = outs[i]!;
          result.outcomes.push({
            type: 'outcome',
            trace: label,
            scenario: sc.name,
            seq: ev.seq,
            line: ev.line,
            event: ev.name,
            policy,
            ...o,
            why: recordWhy(o),
          });
        }
      }
      compareCall(sc, ev, ids, outs, label, seenPartitions, result, classKeys, recording);
      if (making) {
        const o = byRun[making.index];
        if (o) madeOutcomes.push(o);
      }
      lastCall = { ev, byRun };
      continue;
    }
    if (ev.type === 'expect') {
      for (const run of runs) {
        if (run.error || !scopeMatches(ev.scope, run.scopeIds)) continue;
        for (const a of ev.assertions) {
          if (a.final) continue;
          const o = lastCall?.byRun[run.pos];
          if (!o) {
            if (!lastCall) run.failures.push({ text: `${a.text} (no call before it)`, line: ev.line });
            continue;
          }
          if (o.ret === 'unsupported') continue;
          const fail = checkAssertion(a, callSubject(a.subject, o));
          if (ev.line > firstGapLine) run.deferred++;
          else if (fail) run.failures.push({ text: fail, line: ev.line });
        }
      }
      // Final assertions are evaluated at the end; remember them per run.
      for (const a of ev.assertions.filter((x) => x.final)) finalsPending.push({ a, scope: ev.scope });
      continue;
    }
    if (ev.type === 'config' && ev.config.kernel) {
      kernel = ev.config.kernel;
      recording = recordingRelease(kernel, sc);
    }
    for (const g of groups) applyEvent(g.state, ev);
  }

  // Members of a group share one state: check it once.
  const finalOf = new Map<State, FinalChecks>();
  for (const run of runs) {
    if (run.error || opts.error) continue;
    let final = run.twinOf?.final ?? (run.fromRecord ? recorded!.record.final : finalOf.get(run.state));
    if (!final && run.fromRecord)
      throw new Error(`replayScenario: the record of ${sc.name} has no final checks`);
    if (!final) {
      final = finalChecks(run.state);
      finalOf.set(run.state, final);
    }
    run.final = final;
    const f = run.final;
    result.finals.push({
      type: 'final',
      trace: label,
      scenario: sc.name,
      policy: run.policy.id,
      leaks: f.leaks,
      pinsAcquired: f.pinsAcquired,
      pinsReleased: f.pinsReleased,
      lockedVm: f.lockedVm,
      bugs: f.bugs,
      warnings: f.warnings,
      longtermUnpinnable: f.longtermUnpinnable,
      badPageMaps: f.badPageMaps,
    });
    for (const { a, scope } of finalsPending) {
      if (!scopeMatches(scope, run.scopeIds)) continue;
      const fail = checkAssertion(a, finalSubject(a.subject, f));
      if (Number.isFinite(firstGapLine)) run.deferred++;
      else if (fail) run.failures.push({ text: fail, line: Number.POSITIVE_INFINITY });
    }
  }

  if (making) {
    const run = runs[making.index]!;
    // Only a run that stepped itself, tracked, from start to end makes a record.
    making.done(
      run.error !== undefined || run.track === undefined
        ? null
        : {
            scenario: sc.name,
            outcomes: madeOutcomes,
            ...(run.final ? { final: run.final } : {}),
            reached: [...recordTracker.reached],
          },
    );
  }

  if (result.divergences.length > 0) {
    const fingerprint = scenarioFingerprint(sc, config, opts.trace.matrix);
    result.divergences.forEach((d, i) => {
      d.signature = divergenceSignature(fingerprint, d.seq, classKeys[i]!);
    });
  }

  for (const run of runs) {
    let verdict: Verdict;
    let reason: string | undefined;
    if (opts.error || run.error) {
      verdict = 'error';
      reason = opts.error ?? run.error;
    } else if (run.unsupported) verdict = 'unsupported';
    else if (cut !== undefined) {
      verdict = 'inconclusive';
      reason = cutReason(cut);
    } else if (run.failures.length > 0) verdict = 'fail';
    else if (run.deferred > 0) {
      verdict = 'inconclusive';
      reason = `expectations decided after an integrity gap at line ${firstGapLine}`;
    } else verdict = 'pass';
    const rec: VerdictRecord = {
      type: 'verdict',
      trace: label,
      scenario: sc.name,
      policy: run.policy.id,
      verdict,
      failed: verdict === 'fail' ? run.failures.map((f) => f.text) : [],
    };
    if (reason !== undefined) rec.reason = reason;
    const expected = opts.expected ? expectedVerdict(opts.expected, sc.name, run.policy) : undefined;
    if (expected !== undefined) rec.expected = expected;
    result.verdicts.push(rec);
  }
  return result;
}

/**
 * Gaps that mean the trace ends inside the scenario (or lines of it are missing): what was read
 * is not the whole scenario, so neither pass nor fail can be trusted (model.md "Verdicts").
 */
const CUT_KINDS: ReadonlySet<Gap['kind']> = new Set(['truncated-line', 'entries-mismatch', 'out-of-order']);

/** Cuts that concern the whole trace, known only once it is read: see `markCut`. */
export const TRACE_WIDE_CUTS: ReadonlySet<Gap['kind']> = new Set(['entries-mismatch', 'out-of-order']);

export function cutReason(g: Gap): string {
  if (g.kind === 'truncated-line') return `the trace ends inside this scenario (line ${g.line} is cut off)`;
  if (g.kind === 'out-of-order')
    return `the trace is not as recorded: its timestamps go backwards at line ${g.line} (lines moved or spliced)`;
  return `the trace is incomplete: its header's entries-in-buffer (line ${g.line}) differs from the records read`;
}

/**
 * A trace-wide cut (the header's entry count, timestamps out of order): lines are missing or
 * moved somewhere, so every pass or fail of the trace becomes `inconclusive`.
 */
export function markCut(result: ScenarioResult, gap: Gap): void {
  for (const v of result.verdicts) {
    if (v.verdict !== 'pass' && v.verdict !== 'fail') continue;
    v.verdict = 'inconclusive';
    v.failed = [];
    v.reason = cutReason(gap);
  }
}

/**
 * Whether every policy's outcome has the very fields of the first (so they form one class) and,
 * for a recorded call, its return is the one observed: nothing to record, which is most calls.
 * (An `unsupported` first outcome with any other, or an observed return that differs, is left to
 * the comparison.)
 */
function allAgree(outcomes: readonly Outcome[], observed: Outcome['ret'] | undefined): boolean {
  let first: Outcome | undefined;
  for (const o of outcomes) {
    if (first === undefined) {
      if (observed !== undefined && o.ret !== observed) return false;
      first = o;
    } else if (o !== first && !sameKeyFields(first, o)) return false;
  }
  return first === undefined ? observed === undefined : true;
}

function compareCall(
  sc: Scenario,
  ev: CallEvent,
  ids: readonly string[],
  outcomes: readonly Outcome[],
  label: string,
  seenPartitions: Set<string>,
  result: ScenarioResult,
  classKeys: string[][],
  recording: string | null,
): void {
  if (allAgree(outcomes, ev.observed?.ret)) return;
  const supported: { policy: string; outcome: Outcome }[] = [];
  const unsupported: string[] = [];
  for (let i = 0; i < outcomes.length; i++) {
    const policy = ids[i]!;
    const outcome = outcomes[i]!;
    if (outcome.ret === 'unsupported') unsupported.push(policy);
    else supported.push({ policy, outcome });
  }
  const classes: OutcomeClass[] = classify(supported);
  if (ev.observed) {
    const obs = ev.observed;
    const match = classes.filter((c) => c.outcome.ret === obs.ret);
    if (match.length === 1) match[0]!.policies.push(OBSERVED);
    else {
      const outcome: Outcome = {
        ret: obs.ret,
        pages: obs.pages ?? [],
        refs: {},
        pins: {},
        lockedVm: 0,
        special: false,
        warn: [],
        warnings: 0,
        why: [`recorded by the kernel (line ${obs.line})`],
      };
      classes.push({ key: outcomeKey(outcome), policies: [OBSERVED], outcome });
    }
    if (recording) {
      for (const { policy, outcome } of supported) {
        if (policy === recording && outcome.ret !== obs.ret) {
          result.fidelity.push({
            type: 'fidelity',
            trace: label,
            scenario: sc.name,
            seq: ev.seq,
            line: ev.line,
            event: ev.name,
            policy,
            observed: obs.ret,
            ret: outcome.ret,
          });
        }
      }
    }
  }
  if (classes.length < 2) return;
  const partition = classes
    .map((c) => [...c.policies].sort().join(','))
    .sort()
    .join(' | ');
  const root = !seenPartitions.has(partition);
  seenPartitions.add(partition);
  const recordClasses = classes.map((c) => ({
    policies: c.policies,
    outcome: stripWhy(c.outcome),
    why: recordWhy(c.outcome),
  }));
  classKeys.push(classes.map((c) => c.key));
  result.divergences.push({
    type: 'divergence',
    trace: label,
    scenario: sc.name,
    seq: ev.seq,
    line: ev.line,
    event: ev.name,
    text: ev.text,
    signature: '',
    title: divergenceTitle(sc.name, ev.seq, ev.name, recordClasses),
    root,
    classes: recordClasses,
    unsupported,
    context: ev.context ?? [{ line: ev.line, text: ev.text }],
  });
}
