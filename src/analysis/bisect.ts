/**
 * `bisect`: where along an ordered list of policies (releases, pre-/post- aliases, a patch series)
 * the verdict or the outcome changes. Replay is cheap, so every policy in the range is replayed
 * (one lockstep pass), never a log2 walk: a bug introduced and fixed twice (the zero page in
 * v5.19-rc1 and v6.0-rc1) shows as four transitions instead of hiding behind a good midpoint.
 * Each transition names what changed between its two policies: family versions with commits and
 * subjects, and the kernel functions whose code differs.
 */
import { FAMILY_VERSIONS, getPolicy } from '../../policies/index.ts';
import { releaseKey } from '../../policies/releases.ts';
import { UsageError } from '../errors.ts';
import { FAMILIES, type FamilyVersion, type Policy } from '../model/kernel.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import type { DivergenceRecord, TraceReplayResult, Verdict } from '../replay/results.ts';
import {
  type BisectOn,
  type BisectTarget,
  type FirstDifference,
  firstDifference,
  type StepLabel,
  stepState,
} from './bisect-states.ts';

export interface BisectStep {
  policy: string;
  title: string;
  label: StepLabel;
  state: string;
  detail: string;
  verdicts: Record<string, Verdict>;
}

export interface VersionRef {
  id: string;
  commit?: string;
  subject: string;
  release: string | null;
}

/** One family whose version differs between the two policies of a transition. */
export interface FamilyChange {
  family: string;
  from: VersionRef;
  to: VersionRef;
  /** Every version of the family that entered between the two (the last is `to`). */
  entered: VersionRef[];
}

/** A `post-<commit>` alias replayed to tell which of a step's commits makes the change. */
export interface CommitProbe {
  commit: string;
  subject: string;
  policy: string;
  label: StepLabel;
  detail: string;
  /** Its state equals the transition's new state: this commit alone makes the change. */
  culprit: boolean;
}

export interface BisectTransition {
  /** Index of the step the change shows at (the first policy with the new state). */
  at: number;
  from: string;
  to: string;
  fromLabel: StepLabel;
  toLabel: StepLabel;
  fromDetail: string;
  toDetail: string;
  families: FamilyChange[];
  /** Kernel functions whose code differs between the two policies. */
  functions: string[];
  /** Trace mode: scenarios whose verdict changed here. */
  scenarios: { scenario: string; from: Verdict | 'none'; to: Verdict | 'none' }[];
  /** The first call (or final count) whose outcome differs between the two policies. */
  difference?: FirstDifference;
  /** With `commits`: the post-<commit> aliases of a step that changes several commits. */
  commits?: CommitProbe[];
  /** The policy that introduced the change carries its own commit (an alias, variant or module). */
  commit?: { commit: string; subject?: string };
}

export interface BisectResult {
  trace: string;
  target: BisectTarget;
  on: BisectOn;
  steps: BisectStep[];
  /** Every transition; the first is what `git bisect` would name. */
  transitions: BisectTransition[];
  /** How many policies were replayed (steps plus commit probes). */
  replayed: number;
}

export interface BisectOptions {
  /** The ordered policies (at least two). */
  policies: readonly Policy[];
  scenario?: string;
  /** A divergence signature (or a unique prefix of one) from a replay of this trace. */
  divergence?: string;
  /** Default: `verdict`, except `outcome` for a divergence. */
  on?: BisectOn;
  /** Expand a step that changes several commits into its post-<commit> aliases. */
  commits?: boolean;
  /** Policies whose replay may have given the divergence id (default: the range, then every release). */
  divergenceSources?: readonly (readonly Policy[])[];
  adapters?: boolean;
  strict?: boolean;
}

function replay(
  source: string,
  policies: readonly Policy[],
  opts: BisectOptions,
): Promise<TraceReplayResult> {
  return replayTrace(source, policies, {
    outcomes: true,
    strict: opts.strict ?? false,
    ...(opts.adapters === false ? {} : { adapters: defaultAdapters }),
  });
}

function throwOnTraceError(source: string, r: TraceReplayResult): void {
  if (r.error) throw new UsageError(`${source}: cannot replay: ${r.error.message}`);
}

/** The divergence whose signature is `id` or starts with it, in one of the replays tried in order. */
async function locateDivergence(
  source: string,
  id: string,
  tries: readonly (readonly Policy[])[],
  opts: BisectOptions,
): Promise<DivergenceRecord> {
  const seen: string[] = [];
  for (const policies of tries) {
    const r = await replay(source, policies, opts);
    throwOnTraceError(source, r);
    const all = r.scenarios.flatMap((s) => s.divergences);
    const exact = all.filter((d) => d.signature === id);
    const hits = exact.length ? exact : all.filter((d) => d.signature.startsWith(id));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1)
      throw new UsageError(`--divergence ${id} is ambiguous: ${hits.map((d) => d.signature).join(', ')}`);
    for (const d of all) if (seen.length < 5 && !seen.includes(d.signature)) seen.push(d.signature);
  }
  throw new UsageError(
    `--divergence ${id}: no divergence of ${source} has this signature${seen.length ? ` (some that exist: ${seen.join(', ')})` : ''}`,
  );
}

function versionRef(v: FamilyVersion): VersionRef {
  return { id: v.id, ...(v.commit ? { commit: v.commit } : {}), subject: v.subject, release: v.release };
}

function keyOf(release: string | null): number | null {
  if (release === null) return null;
  try {
    return releaseKey(release);
  } catch {
    return null;
  }
}

/** Families whose version differs, each with the versions that entered between the two policies. */
export function familyChanges(a: Policy, b: Policy): FamilyChange[] {
  const out: FamilyChange[] = [];
  for (const family of FAMILIES) {
    const from = a.versions[family];
    const to = b.versions[family];
    if (from === to || from.id === to.id) continue;
    const lo = keyOf(from.release);
    const hi = keyOf(to.release);
    const entered =
      lo !== null && hi !== null && lo < hi
        ? FAMILY_VERSIONS.filter((v) => {
            const k = v.family === family ? keyOf(v.release) : null;
            return k !== null && k > lo && k <= hi;
          }).sort((x, y) => keyOf(x.release)! - keyOf(y.release)!)
        : [];
    if (!entered.includes(to)) entered.push(to);
    out.push({ family, from: versionRef(from), to: versionRef(to), entered: entered.map(versionRef) });
  }
  return out;
}

/** Kernel functions whose implementation differs (by identity: shared code is the same function). */
export function changedFunctions(a: Policy, b: Policy): string[] {
  const names = new Set([...Object.keys(a.ops), ...Object.keys(b.ops)]);
  const ops = (p: Policy) => p.ops as Readonly<Record<string, unknown>>;
  return [...names].filter((n) => ops(a)[n] !== ops(b)[n]).sort();
}

/** Steps with a relative label (outcomes) get good/bad against the first decided step. */
function labelSteps(states: ReturnType<typeof stepState>[]): StepLabel[] {
  const baseline = states.find((s) => s.label !== 'skip')?.state;
  return states.map((s) => s.label ?? (s.state === baseline ? 'good' : 'bad'));
}

function scenarioChanges(a: BisectStep, b: BisectStep): BisectTransition['scenarios'] {
  const names = new Set([...Object.keys(a.verdicts), ...Object.keys(b.verdicts)]);
  const out: BisectTransition['scenarios'] = [];
  for (const s of names) {
    const x = a.verdicts[s] ?? 'none';
    const y = b.verdicts[s] ?? 'none';
    if (x !== y && (x === 'fail' || y === 'fail')) out.push({ scenario: s, from: x, to: y });
  }
  return out;
}

/** Transitions between consecutive decided steps (skipped steps are passed over, as by git bisect skip). */
export function findTransitions(
  steps: readonly BisectStep[],
  policies: readonly Policy[],
  perScenario: boolean,
): BisectTransition[] {
  const out: BisectTransition[] = [];
  let prev = -1;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.label === 'skip') continue;
    if (prev >= 0 && steps[prev]!.state !== s.state) {
      const a = policies[prev]!;
      const b = policies[i]!;
      const t: BisectTransition = {
        at: i,
        from: a.id,
        to: b.id,
        fromLabel: steps[prev]!.label,
        toLabel: s.label,
        fromDetail: steps[prev]!.detail,
        toDetail: s.detail,
        families: familyChanges(a, b),
        functions: changedFunctions(a, b),
        scenarios: perScenario ? scenarioChanges(steps[prev]!, s) : [],
      };
      if (b.commit && b.kind !== 'release')
        t.commit = { commit: b.commit, ...(b.subject ? { subject: b.subject } : {}) };
      out.push(t);
    }
    prev = i;
  }
  return out;
}

/** Outcome states get letters in order of appearance (A, B, ...), so the steps say which agree. */
function nameOutcomes(steps: BisectStep[]): void {
  const letters = new Map<string, string>();
  for (const s of steps) {
    if (s.label === 'skip') continue;
    let l = letters.get(s.state);
    if (l === undefined) {
      const n = letters.size;
      l = n < 26 ? String.fromCharCode(65 + n) : `S${n + 1}`;
      letters.set(s.state, l);
    }
    s.detail = `outcome ${l}: ${s.detail}`;
  }
}

/** The post-<commit> aliases that can split a transition which brings several commits. */
function commitProbes(t: BisectTransition): Policy[] {
  const commits = new Map<string, FamilyChange['to']>();
  for (const f of t.families) for (const v of f.entered) if (v.commit) commits.set(v.commit, v);
  if (commits.size < 2) return [];
  const out: Policy[] = [];
  for (const c of commits.keys()) {
    try {
      out.push(getPolicy(`post-${c}`));
    } catch {
      // A commit without an alias (never released, or nothing before it) cannot be probed alone.
    }
  }
  return out;
}

export async function bisect(source: string, opts: BisectOptions): Promise<BisectResult> {
  const policies = opts.policies;
  if (policies.length < 2) throw new UsageError(`bisect needs at least two policies, got ${policies.length}`);
  if (opts.scenario !== undefined && opts.divergence !== undefined)
    throw new UsageError('give --scenario or --divergence, not both');
  let target: BisectTarget;
  if (opts.divergence !== undefined) {
    const d = await locateDivergence(source, opts.divergence, opts.divergenceSources ?? [policies], opts);
    target = {
      kind: 'divergence',
      id: d.signature,
      scenario: d.scenario,
      seq: d.seq,
      line: d.line,
      event: d.event,
    };
  } else if (opts.scenario !== undefined) target = { kind: 'scenario', scenario: opts.scenario };
  else target = { kind: 'trace' };
  const on = opts.on ?? (target.kind === 'divergence' ? 'outcome' : 'verdict');

  const result = await replay(source, policies, opts);
  throwOnTraceError(source, result);
  if (target.kind === 'scenario' && !result.scenarios.some((s) => s.scenario === opts.scenario)) {
    const names = result.scenarios.map((s) => s.scenario);
    throw new UsageError(
      `--scenario ${opts.scenario}: ${source} has no such scenario (it has: ${names.join(', ') || 'none'})`,
    );
  }
  const states = policies.map((p) => stepState(result, p.id, target, on));
  const labels = labelSteps(states);
  const steps: BisectStep[] = policies.map((p, i) => ({
    policy: p.id,
    title: p.title,
    label: labels[i]!,
    state: states[i]!.state,
    detail: states[i]!.detail,
    verdicts: states[i]!.verdicts,
  }));
  if (on === 'outcome') nameOutcomes(steps);
  const transitions = findTransitions(steps, policies, target.kind === 'trace');
  for (const t of transitions) {
    const diff = firstDifference(result, t.from, t.to, target);
    if (diff) t.difference = diff;
  }
  let replayed = policies.length;

  if (opts.commits) {
    const probes = new Map<string, Policy>();
    const perTransition = transitions.map((t) => {
      const ps = commitProbes(t).filter((p) => !policies.some((q) => q.id === p.id));
      for (const p of ps) probes.set(p.id, p);
      return ps;
    });
    if (probes.size > 0) {
      const probed = await replay(source, [...probes.values()], opts);
      throwOnTraceError(source, probed);
      replayed += probes.size;
      const baseline = steps.find((s) => s.label !== 'skip')?.state;
      transitions.forEach((t, i) => {
        const ps = perTransition[i]!;
        if (ps.length === 0) return;
        const newState = steps[t.at]!.state;
        t.commits = ps.map((p) => {
          const st = stepState(probed, p.id, target, on);
          return {
            commit: p.commit ?? p.id.replace(/^post-/, ''),
            subject: p.subject ?? '',
            policy: p.id,
            label: st.label ?? (st.state === baseline ? 'good' : 'bad'),
            detail: st.detail,
            culprit: st.label !== 'skip' && st.state === newState,
          };
        });
      });
    }
  }
  return { trace: source, target, on, steps, transitions, replayed };
}
