/**
 * The NDJSON contract of spec/model.md: per trace, per scenario: outcome records (every call x
 * policy), divergences, finals, verdicts, fidelity failures. Byte-stable for the same input:
 * records come in corpus order and no timing or absolute path enters them.
 */
import { traceLabel } from './divergence-identity.ts';
import type { TraceReplayResult } from './results.ts';

export function* ndjsonLines(results: readonly TraceReplayResult[]): Generator<string> {
  for (const t of results) {
    for (const s of t.scenarios) {
      for (const r of s.outcomes) yield JSON.stringify(r);
      for (const r of s.divergences) yield JSON.stringify(r);
      for (const r of s.finals) yield JSON.stringify(r);
      for (const r of s.verdicts) yield JSON.stringify(r);
      for (const r of s.fidelity) yield JSON.stringify(r);
    }
    if (t.error)
      yield JSON.stringify({
        type: 'trace-error',
        trace: traceLabel(t.identity),
        code: t.error.code,
        message: t.error.message,
      });
  }
}

export function writeNdjson(results: readonly TraceReplayResult[], out: NodeJS.WritableStream): void {
  let buf = '';
  for (const line of ndjsonLines(results)) {
    buf += `${line}\n`;
    if (buf.length > 1 << 16) {
      out.write(buf);
      buf = '';
    }
  }
  if (buf) out.write(buf);
}
