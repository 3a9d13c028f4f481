/**
 * The one result model the CI exports (JUnit XML, KCIDB JSON, LKP-style text) are rendered from:
 * a stored run as scenario x policy cases, each with its verdict, failed assertions and the first
 * divergence of its scenario (with every class's why path), plus what changed since the previous
 * complete run of the same config and how the nightly's sources fared. Built from the report
 * stage's result model by `collect-export-model.ts`; the renderers are pure functions of it.
 */
import type { TraceIdentity } from '../replay/divergence-identity.ts';
import { countFailures } from '../replay/failure-kind.ts';
import type { DivergenceRecord, Verdict } from '../replay/results.ts';
import type { DivergenceRow, VerdictChange } from '../store/store.ts';

export interface ExportPolicy {
  id: string;
  kind: string;
  title: string;
  scopeRelease: string;
  commit: string | null;
  subject: string | null;
  /** kernelHash of the policy's logic (SHA-256 hex). */
  moduleHash: string;
  /** A user module's file, where there is one. */
  source: string | null;
  link: string | null;
}

export interface ExportTrace {
  /** As stored: the path (or manifest name), with ` [matrix]` for a --matrix configuration. */
  trace: string;
  /** The trace as one record: exporters use its parts, never parse `trace`. */
  identity: TraceIdentity;
  sha256: string;
  matrix: string;
  bytes: number;
  scenarios: number;
  ms: number;
  /** The trace could not be replayed at all. */
  error: { code: string; message: string } | null;
}

/** One scenario x policy verdict. */
export interface ExportCase {
  /** Display label (`source [matrix]`). */
  trace: string;
  identity: TraceIdentity;
  sha256: string;
  matrix: string;
  /** Position of the scenario in its trace (names may repeat). */
  sidx: number;
  scenario: string;
  policy: string;
  verdict: Verdict;
  failed: string[];
  reason: string | null;
  /** What the trace header expects (its base release's row for a candidate); null: nothing. */
  expected: Verdict | null;
  /** The trace's replay time shared out over its cases. */
  seconds: number;
  /** The first divergence of the scenario (seq order), null when the policies all agreed. */
  divergence: DivergenceRecord | null;
}

/** A scenario x policy that passed in the previous run and fails (or errs) now. */
export interface ExportRegression {
  trace: string;
  matrix: string;
  scenario: string;
  policy: string;
  before: Verdict;
  after: Verdict;
  failed: string[];
  divergence: DivergenceRecord | null;
}

/** A scenario where the baseline release passes and a candidate (a non-release policy) does not. */
export interface BaselineRegression {
  trace: string;
  matrix: string;
  scenario: string;
  candidate: string;
  baseline: string;
  verdict: Verdict;
  expected: Verdict | null;
  failed: string[];
}

/** Candidate-vs-baseline regressions over the cases, `check`'s rule: baseline pass, candidate fail/error. */
export function baselineRegressions(
  cases: readonly ExportCase[],
  policies: readonly { id: string; kind: string }[],
  baseline: string | null,
): BaselineRegression[] {
  if (!baseline) return [];
  const candidates = new Set(
    policies.filter((p) => p.kind !== 'release' && p.id !== baseline).map((p) => p.id),
  );
  const passes = new Set(
    cases
      .filter((c) => c.policy === baseline && c.verdict === 'pass')
      .map((c) => `${c.trace}\0${c.matrix}\0${c.sidx}`),
  );
  return cases
    .filter(
      (c) =>
        candidates.has(c.policy) &&
        (c.verdict === 'fail' || c.verdict === 'error') &&
        passes.has(`${c.trace}\0${c.matrix}\0${c.sidx}`),
    )
    .map((c) => ({
      trace: c.trace,
      matrix: c.matrix,
      scenario: c.scenario,
      candidate: c.policy,
      baseline,
      verdict: c.verdict,
      expected: c.expected,
      failed: c.failed,
    }));
}

export interface ExportComparison {
  previousRunId: number;
  regressions: ExportRegression[];
  /** Divergences new since the previous run and not accepted in triage. */
  newDivergences: DivergenceRow[];
  /** New divergences left out because triage accepted them (for the current policy hashes). */
  acceptedNew: number;
  fixed: DivergenceRow[];
  verdictChanges: VerdictChange[];
}

/** How one configured source fared in the nightly's fetch stage. */
export interface ExportSource {
  source: string;
  kind: 'glob' | 'manifest';
  traces: number;
  downloaded: number;
  cached: number;
  error: string | null;
  failures: { name: string; url?: string; error: string }[];
}

export interface ExportModel {
  generatedAt: string;
  run: {
    id: number;
    configName: string | null;
    status: string;
    startedAt: string;
    endedAt: string | null;
    gitRevision: string | null;
    gitDirty: boolean | null;
    options: Record<string, unknown>;
  };
  policies: ExportPolicy[];
  /** The release the others are measured against (nightly config), if any. */
  baseline: string | null;
  traces: ExportTrace[];
  /** In (trace, matrix, scenario, policy) order. */
  cases: ExportCase[];
  /** Verdict counts per policy, policies in run order. */
  counts: { policy: string; counts: Record<Verdict, number> }[];
  /** Null when there is no previous complete run of this config. */
  comparison: ExportComparison | null;
  sources: ExportSource[];
  /** Link to the HTML report of this run. */
  reportUrl: string | null;
}

export interface NightlyVerdict {
  /** 1: something new regressed or failed unexpectedly (exit code 1); 0: nothing did. */
  exitCode: 0 | 1;
  regressions: number;
  /** Failures the trace headers do not expect (known historical bugs are not counted). */
  unexpectedFailures: number;
  knownFailures: number;
  newDivergences: number;
  /** The one-line verdict, for a subject line, a chat message, a CI log. */
  line: string;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Sources that failed (whole, or some of their traces). */
export function failedSources(m: ExportModel): number {
  return m.sources.filter((s) => s.error !== null || s.failures.length > 0).length;
}

/**
 * The nightly's verdict: it regressed when a scenario x policy went from pass to fail/error, or
 * when a divergence appeared that triage has not accepted, since the previous complete run of the
 * same config. The first run of a config has nothing to compare with and does not regress.
 */
export function nightlyVerdict(m: ExportModel): NightlyVerdict {
  const c = m.comparison;
  const regressions = c?.regressions.length ?? 0;
  const newDivergences = c?.newDivergences.length ?? 0;
  const failures = countFailures(m.cases);
  const unexpected = failures.unexpected
    ? `; ${plural(failures.unexpected, 'unexpected failure')} (${failures.known} known)`
    : '';
  const name = m.run.configName ? `"${m.run.configName}"` : `run ${m.run.id}`;
  const partial = failedSources(m);
  const tail = partial
    ? `; partial: ${plural(partial, 'source')} failed`
    : m.run.status === 'partial'
      ? '; partial'
      : '';
  let line: string;
  if (!c)
    line = `pinbench nightly ${name}: no regressions (run ${m.run.id} is the first complete run to compare with)${unexpected}${tail}`;
  else if (regressions === 0 && newDivergences === 0) {
    line = `pinbench nightly ${name}: no regressions since run ${c.previousRunId} (run ${m.run.id}${c.fixed.length ? `, ${plural(c.fixed.length, 'divergence')} fixed` : ''})${unexpected}${tail}`;
  } else {
    const parts = [
      regressions ? plural(regressions, 'regression') : '',
      newDivergences ? plural(newDivergences, 'new divergence') : '',
    ]
      .filter(Boolean)
      .join(' and ');
    line = `pinbench nightly ${name}: ${parts} since run ${c.previousRunId} (run ${m.run.id})${unexpected}${tail}`;
  }
  return {
    exitCode: regressions + newDivergences + failures.unexpected > 0 ? 1 : 0,
    regressions,
    unexpectedFailures: failures.unexpected,
    knownFailures: failures.known,
    newDivergences,
    line,
  };
}

/** Seconds with millisecond precision, never in exponent notation. */
export function seconds(s: number): string {
  return (Number.isFinite(s) && s > 0 ? s : 0).toFixed(3);
}
