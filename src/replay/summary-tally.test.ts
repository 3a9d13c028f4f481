import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './replay-scenario.ts';
import type { Verdict, VerdictRecord } from './results.ts';
import { formatSummary, tallyExitCode } from './summary.ts';
import { MAX_FAILED_SHOWN, MAX_MATRIX_ROWS, SummaryTally } from './summary-tally.ts';

function scenario(name: string, verdicts: [string, Verdict, (Verdict | undefined)?][]): ScenarioResult {
  return {
    scenario: name,
    outcomes: [],
    divergences: [],
    finals: [],
    fidelity: [],
    calls: 2,
    coverage: { seqs: [], finals: false },
    verdicts: verdicts.map(
      ([policy, verdict, expected]): VerdictRecord => ({
        type: 'verdict',
        trace: 't.trace',
        scenario: name,
        policy,
        verdict,
        failed: verdict === 'fail' ? ['ret=0'] : [],
        ...(expected ? { expected } : {}),
      }),
    ),
  };
}

describe('SummaryTally', () => {
  it('counts every scenario but keeps only the rows and failures the summary prints', () => {
    const trace = new SummaryTally();
    const n = MAX_MATRIX_ROWS + 7;
    for (let i = 0; i < n; i++)
      trace.add(
        scenario(`s${i}`, [
          ['v6.1', 'pass'],
          ['v6.5', 'fail', i % 2 ? 'fail' : undefined],
        ]),
        'dir/t.trace',
      );
    trace.traces = 1;
    const run = new SummaryTally();
    run.merge(trace);
    expect(run.scenarios).toBe(n);
    expect(run.calls).toBe(2 * n);
    expect(run.totals).toEqual({ pass: n, fail: n, inconclusive: 0, unsupported: 0, error: 0 });
    expect(run.failures).toEqual({
      failures: n,
      known: (n - 1) / 2,
      unexpected: (n + 1) / 2,
      unexpectedPasses: 0,
    });
    expect(run.rows.length).toBe(MAX_MATRIX_ROWS);
    expect(run.unexpected.length + run.known.length).toBe(2 * MAX_FAILED_SHOWN);
    const text = formatSummary(run, { policies: ['v6.1', 'v6.5'] });
    expect(text).toContain(`1 trace(s), ${n} scenario(s), 2 policies, ${2 * n} call(s)`);
    expect(text).toContain('t.trace s0 ');
    expect(text).toContain('... 7 more scenario(s)');
    expect(text).toContain(`  ... ${n - MAX_FAILED_SHOWN} more`);
    // Unexpected failures first.
    expect(text).toMatch(/failed expectations \(unexpected first\):\n {2}unexpected s0 v6\.5/);
    expect(tallyExitCode(run)).toBe(0);
  });

  it('a trace-wide cut makes its pass and fail inconclusive; errors stay and set the exit code', () => {
    const t = new SummaryTally();
    t.add(
      scenario('a', [
        ['v6.1', 'pass'],
        ['v6.5', 'fail', 'fail'],
      ]),
      't.trace',
    );
    const bad = scenario('b', [['v6.1', 'error']]);
    bad.verdicts[0]!.reason = 'bad field';
    t.add(bad, 't.trace');
    t.cut();
    expect(t.totals).toEqual({ pass: 0, fail: 0, inconclusive: 2, unsupported: 0, error: 1 });
    expect(t.failures.failures).toBe(0);
    expect([...t.rows[0]!.verdicts.values()].map((v) => v.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(t.invalid.get('t.trace b')).toBe('bad field');
    expect(tallyExitCode(t)).toBe(2);
  });
});
