/**
 * The NDJSON contract of spec/model.md: per trace, per scenario: outcome records (every call x
 * policy), divergences, finals, verdicts, fidelity failures. Byte-stable for the same input:
 * records come in corpus order and no timing or absolute path enters them.
 */
import { traceLabel } from './divergence-identity.ts';
import type { ScenarioResult } from './replay-scenario.ts';
import type { TraceReplayResult } from './results.ts';

/** One scenario's records, in contract order. */
export function* scenarioLines(s: ScenarioResult): Generator<string> {
  for (const r of s.outcomes) yield JSON.stringify(r);
  for (const r of s.divergences) yield JSON.stringify(r);
  for (const r of s.finals) yield JSON.stringify(r);
  for (const r of s.verdicts) yield JSON.stringify(r);
  for (const r of s.fidelity) yield JSON.stringify(r);
}

/** The line that ends a trace that could not be replayed. */
export function traceErrorLine(
  t: Pick<TraceReplayResult, 'identity'> & { error: { code: string; message: string } },
): string {
  return JSON.stringify({
    type: 'trace-error',
    trace: traceLabel(t.identity),
    code: t.error.code,
    message: t.error.message,
  });
}

export function* ndjsonLines(results: readonly TraceReplayResult[]): Generator<string> {
  for (const t of results) {
    for (const s of t.scenarios) yield* scenarioLines(s);
    if (t.error) yield traceErrorLine({ identity: t.identity, error: t.error });
  }
}
