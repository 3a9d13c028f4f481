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
  signature: string;
  root: boolean;
  classes: DivergenceClass[];
  /** Policies whose release lacks the API: listed apart, never in a class. */
  unsupported: string[];
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
