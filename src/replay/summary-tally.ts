/**
 * What the terminal summary of `replay` and `run` needs, gathered scenario by scenario as results
 * stream past, in memory bounded whatever the trace size: counts, plus the first few of each list
 * the summary prints (matrix rows, failed expectations, scenarios with errors, fidelity failures,
 * root divergences). A summary of a whole corpus used to keep every scenario's records until the
 * end (issue 16: 662 MiB at 64 MiB of trace); a tally keeps what is printed.
 *
 * One tally per trace while it is replayed (a trace-wide cut found at its end changes its pass and
 * fail verdicts, markCut), merged in corpus order into the run's tally once the trace is done, so
 * the lists hold the same first entries a summary over every record would print.
 */
import { traceLabel } from './divergence-identity.ts';
import { countFailures, type FailureCounts, failureKind } from './failure-kind.ts';
import type { ScenarioResult } from './replay-scenario.ts';
import type {
  DivergenceRecord,
  FidelityRecord,
  TraceReplayResult,
  Verdict,
  VerdictRecord,
} from './results.ts';

/** Matrix rows printed at most (a row per scenario): past them the summary says how many more. */
export const MAX_MATRIX_ROWS = 2000;
/** Failed expectations printed, unexpected ones first. */
export const MAX_FAILED_SHOWN = 40;
/** Scenarios with errors and fidelity failures printed at most. */
export const MAX_LISTED = 200;
/** Root divergences kept for the summary (its `--max-divergences` may show fewer). */
export const DEFAULT_ROOTS_KEPT = 10;

export interface MatrixRow {
  name: string;
  verdicts: Map<string, { verdict: Verdict; expected?: Verdict }>;
}

function emptyTotals(): Record<Verdict, number> {
  return { pass: 0, fail: 0, inconclusive: 0, unsupported: 0, error: 0 };
}

function emptyFailures(): FailureCounts {
  return { failures: 0, known: 0, unexpected: 0, unexpectedPasses: 0 };
}

/** The verdict as markCut leaves it: pass and fail become inconclusive. */
function cutVerdict(v: Verdict): Verdict {
  return v === 'pass' || v === 'fail' ? 'inconclusive' : v;
}

export class SummaryTally {
  traces = 0;
  scenarios = 0;
  calls = 0;
  divergences = 0;
  roots = 0;
  readonly totals = emptyTotals();
  readonly failures = emptyFailures();
  /** The first MAX_MATRIX_ROWS rows; `rowsOmitted` counts the rest. */
  readonly rows: MatrixRow[] = [];
  rowsOmitted = 0;
  /** The first failed expectations of each kind, in trace order; `failed` counts them all. */
  readonly unexpected: VerdictRecord[] = [];
  readonly known: VerdictRecord[] = [];
  failed = 0;
  /** Scenario (`trace scenario`) -> the reason of its `error` verdicts; `invalidOmitted` past MAX_LISTED. */
  readonly invalid = new Map<string, string>();
  invalidOmitted = 0;
  readonly fidelity: FidelityRecord[] = [];
  fidelityCount = 0;
  readonly rootDivergences: DivergenceRecord[] = [];
  /** Some scenario has an `error` verdict (bad input: exit 2). */
  errorVerdicts = false;
  /** Messages of traces that could not be replayed, with their codes (for the exit code). */
  readonly traceErrors: { code: string; message: string }[] = [];
  private readonly rootsKept: number;

  constructor(opts: { rootsKept?: number } = {}) {
    this.rootsKept = opts.rootsKept ?? DEFAULT_ROOTS_KEPT;
  }

  /** One replayed scenario of the trace labelled `label` (its records' `trace`). */
  add(s: ScenarioResult, label: string): void {
    this.scenarios++;
    this.calls += s.calls;
    this.divergences += s.divergences.length;
    for (const d of s.divergences) {
      if (!d.root) continue;
      this.roots++;
      if (this.rootDivergences.length < this.rootsKept) this.rootDivergences.push(d);
    }
    const f = countFailures(s.verdicts);
    this.failures.failures += f.failures;
    this.failures.known += f.known;
    this.failures.unexpected += f.unexpected;
    this.failures.unexpectedPasses += f.unexpectedPasses;
    for (const v of s.verdicts) {
      this.totals[v.verdict]++;
      const kind = failureKind(v);
      if (kind) {
        this.failed++;
        const list = kind === 'known' ? this.known : this.unexpected;
        if (list.length < MAX_FAILED_SHOWN) list.push(v);
      }
      if (v.verdict === 'error') {
        this.errorVerdicts = true;
        if (v.reason) this.noteInvalid(`${label} ${s.scenario}`, v.reason);
      }
    }
    if (this.rows.length < MAX_MATRIX_ROWS) {
      const verdicts = new Map<string, { verdict: Verdict; expected?: Verdict }>();
      for (const v of s.verdicts)
        verdicts.set(v.policy, { verdict: v.verdict, ...(v.expected ? { expected: v.expected } : {}) });
      this.rows.push({ name: `${label.replace(/^.*\//, '')} ${s.scenario}`, verdicts });
    } else this.rowsOmitted++;
    this.fidelityCount += s.fidelity.length;
    for (const r of s.fidelity) if (this.fidelity.length < MAX_LISTED) this.fidelity.push(r);
  }

  private noteInvalid(where: string, reason: string): void {
    if (this.invalid.has(where) || this.invalid.size < MAX_LISTED) this.invalid.set(where, reason);
    else this.invalidOmitted++;
  }

  /**
   * A trace-wide cut found at the trace's end (a tally of one trace): every pass and fail so far
   * becomes inconclusive, as markCut does to kept records.
   */
  cut(): void {
    this.totals.inconclusive += this.totals.pass + this.totals.fail;
    this.totals.pass = 0;
    this.totals.fail = 0;
    Object.assign(this.failures, emptyFailures());
    this.failed = 0;
    this.unexpected.length = 0;
    this.known.length = 0;
    for (const r of this.rows)
      for (const [p, v] of r.verdicts) r.verdicts.set(p, { ...v, verdict: cutVerdict(v.verdict) });
    // Root divergences carry no verdict; `error` verdicts (and their reasons) stay.
  }

  /** A trace that could not be replayed (its own tally, if any, is dropped by the caller). */
  traceError(error: { code: string; message: string }): void {
    this.traceErrors.push(error);
  }

  /** A trace's tally, after every trace before it, into this one (the run's). */
  merge(t: SummaryTally): void {
    this.traces += t.traces;
    this.scenarios += t.scenarios;
    this.calls += t.calls;
    this.divergences += t.divergences;
    this.roots += t.roots;
    for (const k of Object.keys(this.totals) as Verdict[]) this.totals[k] += t.totals[k];
    for (const k of Object.keys(this.failures) as (keyof FailureCounts)[]) this.failures[k] += t.failures[k];
    for (const r of t.rows) {
      if (this.rows.length < MAX_MATRIX_ROWS) this.rows.push(r);
      else this.rowsOmitted++;
    }
    this.rowsOmitted += t.rowsOmitted;
    this.failed += t.failed;
    for (const v of t.unexpected) if (this.unexpected.length < MAX_FAILED_SHOWN) this.unexpected.push(v);
    for (const v of t.known) if (this.known.length < MAX_FAILED_SHOWN) this.known.push(v);
    for (const [where, reason] of t.invalid) this.noteInvalid(where, reason);
    this.invalidOmitted += t.invalidOmitted;
    for (const r of t.fidelity) if (this.fidelity.length < MAX_LISTED) this.fidelity.push(r);
    this.fidelityCount += t.fidelityCount;
    for (const d of t.rootDivergences)
      if (this.rootDivergences.length < this.rootsKept) this.rootDivergences.push(d);
    this.errorVerdicts ||= t.errorVerdicts;
    this.traceErrors.push(...t.traceErrors);
  }

  /** Whole results (their scenarios all kept), as a summary over them would count them. */
  static of(results: readonly TraceReplayResult[], opts: { rootsKept?: number } = {}): SummaryTally {
    const all = new SummaryTally(opts);
    for (const r of results) {
      const one = new SummaryTally(opts);
      one.traces = 1;
      if (r.error) one.traceError(r.error);
      const label = traceLabel(r.identity);
      for (const s of r.scenarios) one.add(s, label);
      all.merge(one);
    }
    return all;
  }
}
