/**
 * What bisection compares at each step: one policy's "state" in a finished replay, for a scenario,
 * a divergence's call or a whole trace, on the verdict or on the outcomes. Pure functions over
 * replay results; the state is a string so that steps compare by equality.
 */
import { outcomeKey } from '../replay/compare.ts';
import type { ScenarioResult } from '../replay/replay-scenario.ts';
import type { OutcomeRecord, TraceReplayResult, Verdict } from '../replay/results.ts';

/** What is bisected: one scenario, the call of one divergence, or every scenario of the trace. */
export type BisectTarget =
  | { kind: 'scenario'; scenario: string }
  | { kind: 'divergence'; id: string; scenario: string; seq: number; line: number; event: string }
  | { kind: 'trace' };

/** `verdict`: pass/fail of the expectations; `outcome`: what the policy did (ret, pages, counts). */
export const BISECT_ON = ['verdict', 'outcome'] as const;
export type BisectOn = (typeof BISECT_ON)[number];

export type StepLabel = 'good' | 'bad' | 'skip';

/** One policy's state; `label` is null when it is decided relative to the first step (outcomes). */
export interface StepState {
  state: string;
  label: StepLabel | null;
  /** A short human line: the verdict and its failed expectations, or the outcome's ret. */
  detail: string;
  /** The scenario verdicts this state comes from (trace mode: every scenario's). */
  verdicts: Record<string, Verdict>;
}

function verdictOf(sc: ScenarioResult, policy: string): Verdict | undefined {
  return sc.verdicts.find((v) => v.policy === policy)?.verdict;
}

/** Verdicts that say nothing about the bug: the API is missing, a gap, or the replay broke. */
function isSkipVerdict(v: Verdict | undefined): boolean {
  return v === undefined || v === 'unsupported' || v === 'inconclusive' || v === 'error';
}

function outcomesOf(sc: ScenarioResult, policy: string): OutcomeRecord[] {
  return sc.outcomes.filter((o) => o.policy === policy).sort((a, b) => a.seq - b.seq);
}

/** Every call's outcome (why paths left out) and the final counts: equal when the policy did the same. */
function scenarioFingerprint(sc: ScenarioResult, policy: string): string {
  const calls = outcomesOf(sc, policy).map((o) => `${o.seq}:${outcomeKey(o)}`);
  const fin = sc.finals.find((f) => f.policy === policy);
  const final = fin
    ? [
        `leaks ${
          Object.entries(fin.leaks)
            .sort()
            .map(([k, n]) => `${k}:${n}`)
            .join(',') || '-'
        }`,
        `pins ${fin.pinsAcquired}/${fin.pinsReleased} acquired/released`,
        `locked_vm ${fin.lockedVm}`,
        `bugs ${fin.bugs}`,
        `warnings ${fin.warnings}`,
        `longterm_unpinnable ${fin.longtermUnpinnable}`,
        `bad_page_maps ${fin.badPageMaps}`,
      ].join(' ')
    : 'no final counts';
  return `${calls.join('|')}#${final}`;
}

/** `ret=0 refs zero+4096 pins - locked_vm 0`: what tells two outcomes apart at a glance. */
function outcomeText(o: OutcomeRecord): string {
  const counts = (r: Record<string, number>): string =>
    Object.entries(r)
      .map(([k, n]) => `${k}${n >= 0 ? '+' : ''}${n}`)
      .join(',') || '-';
  const warn = o.warn.length ? ` warn ${o.warn.join(',')}` : '';
  return `ret=${o.ret} refs ${counts(o.refs)} pins ${counts(o.pins)} locked_vm ${o.lockedVm}${warn}`;
}

function verdictDetail(sc: ScenarioResult, policy: string): string {
  const rec = sc.verdicts.find((v) => v.policy === policy);
  if (!rec) return 'no verdict';
  if (rec.verdict === 'fail') return `fail: ${rec.failed.join('; ')}`;
  return rec.reason ? `${rec.verdict}: ${rec.reason}` : rec.verdict;
}

function findScenario(result: TraceReplayResult, name: string): ScenarioResult | undefined {
  return result.scenarios.find((s) => s.scenario === name);
}

/** The state of `policy` for `target` in `result` (a replay that included the policy, with outcomes). */
export function stepState(
  result: TraceReplayResult,
  policy: string,
  target: BisectTarget,
  on: BisectOn,
): StepState {
  if (target.kind === 'trace') {
    const verdicts: Record<string, Verdict> = {};
    for (const sc of result.scenarios) {
      const v = verdictOf(sc, policy);
      if (v) verdicts[sc.scenario] = v;
    }
    const failing = Object.keys(verdicts).filter((s) => verdicts[s] === 'fail');
    const decided = Object.values(verdicts).some((v) => !isSkipVerdict(v));
    const errors = Object.keys(verdicts).filter((s) => verdicts[s] === 'error');
    if (on === 'verdict') {
      const label: StepLabel = !decided ? 'skip' : failing.length > 0 ? 'bad' : 'good';
      const detail = failing.length ? `fail: ${failing.join(', ')}` : decided ? 'pass' : 'nothing decided';
      return {
        state: failing.join(','),
        label,
        detail: errors.length ? `${detail} (error: ${errors.join(', ')})` : detail,
        verdicts,
      };
    }
    const state = result.scenarios
      .map((sc) => `${sc.scenario}=${scenarioFingerprint(sc, policy)}`)
      .join('\n');
    return {
      state,
      label: decided ? null : 'skip',
      detail: failing.length ? `fail: ${failing.join(', ')}` : 'pass',
      verdicts,
    };
  }
  const sc = findScenario(result, target.scenario);
  if (!sc) return { state: 'missing', label: 'skip', detail: `no scenario ${target.scenario}`, verdicts: {} };
  const verdict = verdictOf(sc, policy);
  const verdicts: Record<string, Verdict> = verdict ? { [sc.scenario]: verdict } : {};
  if (on === 'verdict') {
    const label: StepLabel = verdict === 'pass' ? 'good' : verdict === 'fail' ? 'bad' : 'skip';
    return { state: verdict ?? 'none', label, detail: verdictDetail(sc, policy), verdicts };
  }
  if (verdict === 'error')
    return { state: 'error', label: 'skip', detail: verdictDetail(sc, policy), verdicts };
  if (target.kind === 'divergence') {
    const o = outcomesOf(sc, policy).find((x) => x.seq === target.seq);
    if (!o || o.ret === 'unsupported')
      return { state: 'unsupported', label: 'skip', detail: 'unsupported', verdicts };
    return { state: outcomeKey(o), label: null, detail: `${target.event} ${outcomeText(o)}`, verdicts };
  }
  if (verdict === 'unsupported')
    return { state: 'unsupported', label: 'skip', detail: 'unsupported', verdicts };
  const rets = outcomesOf(sc, policy).map((o) => String(o.ret));
  return {
    state: scenarioFingerprint(sc, policy),
    label: null,
    detail: `ret ${rets.join(',')} (${verdictDetail(sc, policy)})`,
    verdicts,
  };
}

/** The first call whose outcome differs between two policies (or a final count), for a transition. */
export interface FirstDifference {
  scenario: string;
  /** The call's seq, or null when only the final counts differ. */
  seq: number | null;
  line: number | null;
  event: string;
  from: string;
  to: string;
}

export function firstDifference(
  result: TraceReplayResult,
  a: string,
  b: string,
  target: BisectTarget,
): FirstDifference | null {
  const scenarios =
    target.kind === 'trace'
      ? result.scenarios
      : result.scenarios.filter((s) => s.scenario === target.scenario);
  for (const sc of scenarios) {
    const xs = outcomesOf(sc, a);
    const ys = new Map(outcomesOf(sc, b).map((o) => [o.seq, o]));
    for (const x of xs) {
      if (target.kind === 'divergence' && x.seq !== target.seq) continue;
      const y = ys.get(x.seq);
      if (y && outcomeKey(x) === outcomeKey(y)) continue;
      return {
        scenario: sc.scenario,
        seq: x.seq,
        line: x.line,
        event: x.event,
        from: outcomeText(x),
        to: y ? outcomeText(y) : 'no outcome',
      };
    }
    if (target.kind === 'divergence') continue;
    const fa = scenarioFingerprint(sc, a).split('#')[1];
    const fb = scenarioFingerprint(sc, b).split('#')[1];
    if (fa !== fb)
      return { scenario: sc.scenario, seq: null, line: null, event: 'final', from: fa ?? '', to: fb ?? '' };
  }
  return null;
}
