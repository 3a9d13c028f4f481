/**
 * The replay's result records: exactly the NDJSON contract of model.md (`outcome`, `final`,
 * `divergence`, `verdict`), plus the per-trace summary. Keys are stable; add keys freely.
 */
import type { Outcome } from '../model/outcome.ts';

export const VERDICTS = ['pass', 'fail', 'inconclusive', 'unsupported', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface OutcomeRecord extends Outcome {
  type: 'outcome';
  trace: string;
  scenario: string;
  seq: number;
  line: number;
  event: string;
  policy: string;
}

export interface FinalRecord {
  type: 'final';
  trace: string;
  scenario: string;
  policy: string;
  leaks: Record<string, number>;
  pinsAcquired: number;
  pinsReleased: number;
  lockedVm: number;
  bugs: number;
  warnings: number;
  longtermUnpinnable: number;
  badPageMaps: number;
}

export interface DivergenceClass {
  policies: string[];
  outcome: Omit<Outcome, 'why'>;
  why: string[];
}

export interface DivergenceRecord {
  type: 'divergence';
  trace: string;
  scenario: string;
  seq: number;
  line: number;
  event: string;
  text: string;
  /** The divergence's identity (divergence-identity.ts): stable across policy sets and files. */
  signature: string;
  /** A readable one-line title beside the signature: scenario, call, outcome difference. */
  title: string;
  root: boolean;
  classes: DivergenceClass[];
  /** Policies whose release lacks the API: listed apart, never in a class. */
  unsupported: string[];
  /** The trace lines around the call, the call's own line included. */
  context: { line: number; text: string }[];
}

export interface VerdictRecord {
  type: 'verdict';
  trace: string;
  scenario: string;
  policy: string;
  verdict: Verdict;
  failed: string[];
  /** Why the verdict is error/inconclusive, where that needs words. */
  reason?: string;
  /**
   * What the trace header's `# Result` block expects for this scenario and policy (a user's
   * policy: its base release's row); absent where the header states nothing.
   */
  expected?: Verdict;
}

/** A release whose id matches the recording kernel and disagrees with what the kernel returned. */
export interface FidelityRecord {
  type: 'fidelity';
  trace: string;
  scenario: string;
  seq: number;
  line: number;
  event: string;
  policy: string;
  observed: number | string;
  ret: number | string;
}

export type ResultRecord = OutcomeRecord | FinalRecord | DivergenceRecord | VerdictRecord | FidelityRecord;

/** Ingest counts of one trace, as `pinbench ingest --json` prints them. */
export interface TraceIngestSummary {
  lines: number;
  records: number;
  headers: number;
  integrity: number;
  blank: number;
  skipped: Record<string, number>;
}

/** Integrity events of one trace (gaps), stored with it. */
export interface IntegrityEvent {
  line: number;
  kind: string;
  cpu?: number;
  count?: number;
  text: string;
}

/** Everything one trace's replay produced: what workers send back and the store writes. */
export interface TraceReplayResult {
  /**
   * Source, short name and `--matrix` label, as one record from replay to report; the
   * `source [matrix]` label records carry is made from it (traceLabel), never parsed back.
   */
  identity: import('./divergence-identity.ts').TraceIdentity;
  sha256: string;
  bytes: number;
  layout: string;
  ingest: TraceIngestSummary;
  integrity: IntegrityEvent[];
  scenarios: import('./replay-scenario.ts').ScenarioResult[];
  /** Vocabulary events, calls, generic records by event name, markers that were not vocabulary. */
  events: {
    modelEvents: number;
    calls: number;
    generic: Record<string, number>;
    foreignMarkers: number;
    observedReturns: number;
  };
  /**
   * Where a job keeps slim scenarios (`run`: verdicts and the first root divergences only, the
   * rest being in the store), how many divergences the trace had; absent where `scenarios` hold them all.
   */
  divergenceCounts?: { all: number; roots: number };
  /** Scenarios the trace holds (those a resume skipped included; 0 for a trace with `error`). */
  scenarioCount?: number;
  /**
   * Streamed results only (`scenarios` empty): a trace-wide cut found at the end, which makes
   * every pass or fail of the trace `inconclusive` with `reason` (markCut); whoever kept or
   * stored the scenarios applies it.
   */
  cut?: { line: number; kind: string; reason: string };
  /** A trace that could not be replayed at all (unreadable, refused layout): every scenario is lost. */
  error?: { code: string; message: string };
  /** Milliseconds spent, for the run's per-stage timing. */
  ms: number;
}
