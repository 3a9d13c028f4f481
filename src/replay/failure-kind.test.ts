import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definePolicy } from '../../policies/define-policy.ts';
import { policyFromModule, releases } from '../../policies/index.ts';
import { countFailures, failureKind, formatFailureCounts } from './failure-kind.ts';
import { replayTrace } from './replay-trace.ts';
import { expectedVerdict, readResultBlocks } from './result-header.ts';
import { formatMatrix } from './summary.ts';

describe('expected vs actual', () => {
  it('a failure the header expects is known, one it does not is unexpected', () => {
    expect(failureKind({ verdict: 'fail', expected: 'fail' })).toBe('known');
    expect(failureKind({ verdict: 'fail', expected: 'pass' })).toBe('unexpected');
    expect(failureKind({ verdict: 'fail' })).toBe('unexpected');
    expect(failureKind({ verdict: 'pass', expected: 'fail' })).toBeNull();
    const c = countFailures([
      { verdict: 'fail', expected: 'fail' },
      { verdict: 'fail', expected: 'fail' },
      { verdict: 'fail', expected: 'pass' },
      { verdict: 'pass', expected: 'fail' },
      { verdict: 'inconclusive', expected: 'pass' },
    ]);
    expect(c).toEqual({ failures: 3, known: 2, unexpected: 1, unexpectedPasses: 1 });
    expect(formatFailureCounts(c)).toBe(
      '3 failures (2 known, 1 unexpected); 1 pass where the header expects a failure',
    );
  });

  it("a policy without a row of its own uses its base release's row; an unnamed block covers every scenario", () => {
    const blocks = readResultBlocks(
      [
        '# Result a:',
        '#   v5.4:   fail  -- why',
        '#   v6.1:   pass',
        '#',
        '# Result:',
        '#   v5.4:   pass',
        '',
      ].join('\n'),
    );
    expect(expectedVerdict(blocks, 'a', { id: 'v5.4', scopeRelease: 'v5.4' })).toBe('fail');
    expect(expectedVerdict(blocks, 'a', { id: 'my-fix', scopeRelease: 'v5.4' })).toBe('fail');
    expect(expectedVerdict(blocks, 'a', { id: 'v5.6', scopeRelease: 'v5.6' })).toBeUndefined();
    expect(expectedVerdict(blocks, 'other', { id: 'v5.4', scopeRelease: 'v5.4' })).toBe('pass');
  });

  it('replay carries each verdict with what the header expects, candidates by their base release', async () => {
    const all = releases();
    const pick = all.filter((p) => ['v5.19-rc1', 'v6.0-rc3', 'v6.1'].includes(p.id));
    const candidate = policyFromModule(
      definePolicy({
        id: 'nothing-pinnable',
        base: 'v6.1',
        subject: 'mm: break pinnability',
        override: { isLongtermPinnable: () => false },
      }),
    );
    const r = await replayTrace(join('traces', '01-vfio-zero-ro.trace'), [...pick, candidate], {
      outcomes: false,
    });
    const hang = r.scenarios.find((s) => s.scenario === 'vfio-zero-ro-hang')!;
    const v = Object.fromEntries(hang.verdicts.map((x) => [x.policy, x]));
    expect(v['v5.19-rc1']).toMatchObject({ verdict: 'fail', expected: 'fail' });
    expect(v['v6.1']).toMatchObject({ verdict: 'pass', expected: 'pass' });
    // v6.1's row says pass; the candidate livelocks: an unexpected failure.
    expect(v['nothing-pinnable']).toMatchObject({ verdict: 'fail', expected: 'pass' });
    expect(failureKind(v['nothing-pinnable']!)).toBe('unexpected');
  });

  it('the terminal matrix labels its columns with release names and puts the legend beside it', () => {
    const lines = formatMatrix(
      [
        {
          name: 't s',
          verdicts: new Map([
            ['v5.4', { verdict: 'fail' as const, expected: 'fail' as const }],
            ['v6.10', { verdict: 'fail' as const, expected: 'pass' as const }],
          ]),
        },
      ],
      ['v5.4', 'v6.10'],
    );
    const columns = lines.slice(0, 5).map((l) => l.slice(10, 13));
    expect(columns).toEqual(['  v', 'v 6', '5 .', '. 1', '4 0']);
    expect(lines[5]!.slice(0, 13)).toBe('t s       f F');
    expect(lines[0]).toContain('. pass');
    expect(lines.join('\n')).toContain('F fail, unexpected');
    expect(lines.join('\n')).not.toMatch(/0123/);
  });
});
