/**
 * Traces by number: the numbering, the list filter it gives, the list's data in that order, and
 * what it is for: the matrix, a policy page and a kind page name a trace a fixed number of times
 * whatever their rows, so their size does not grow with the length of the trace's path.
 */
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../replay/results.ts';
import type { DivergenceRow } from '../store/divergence-row.ts';
import type { KindSummary } from '../store/kind-queries.ts';
import type { PolicyInfo } from '../store/store.ts';
import { DivergenceIndexBuilder } from './divergence-index.ts';
import { matrixData } from './matrix-data.ts';
import { renderKindPage } from './pages/kind-pages.ts';
import { renderMatrixPage } from './pages/matrix-page.ts';
import { STATIC_ENV } from './pages/page-env.ts';
import { renderPolicyPage } from './pages/policy-pages.ts';
import { FamilyResolver, groupByVerdicts, type PolicyGroup } from './policy-classes.ts';
import { placeholderPolicy, type ReportContext, type ScenarioRow } from './report-context.ts';
import { traceFilter, traceLabels, traceNumber } from './trace-numbers.ts';

const POLICIES = ['v5.4', 'v5.10', 'v6.0'];

function policy(id: string, ord: number): PolicyInfo {
  return { ...placeholderPolicy(id, ord), kind: 'release', scopeRelease: id };
}

/** A run of `traces` traces, 400 scenarios each, every one failing on v5.10. */
function context(traces: string[]): ReportContext {
  const scenarios: ScenarioRow[] = [];
  traces.forEach((trace, t) => {
    for (let i = 0; i < 400; i++) {
      const verdicts: Verdict[] = ['pass', 'fail', i % 3 ? 'pass' : 'fail'];
      scenarios.push({
        traceId: t + 1,
        trace,
        identity: { source: trace, name: 'x', matrix: '' },
        sha256: `h${t}`,
        matrix: '',
        sidx: i,
        name: `synth-${i}`,
        calls: 3,
        divergences: 2,
        roots: 1,
        verdicts,
        failed: verdicts.map((v) => (v === 'fail' ? ['ret==0 (got 1)'] : [])),
        reasons: verdicts.map(() => null),
        expected: verdicts.map(() => null),
      });
    }
  });
  const vectors = new Map(POLICIES.map((id, p) => [id, scenarios.map((s) => s.verdicts[p] ?? null)]));
  const groups = groupByVerdicts(POLICIES, vectors);
  const groupOf = new Map<string, PolicyGroup>();
  for (const g of groups) for (const p of g.policies) groupOf.set(p, g);
  const policies = POLICIES.map(policy);
  return {
    run: { id: 3, status: 'complete', pinbenchVersion: '0.1.0', options: {} },
    generatedAt: new Date('2026-12-07T00:00:00Z'),
    policyIds: POLICIES,
    policies,
    scenarios,
    groups,
    groupOf,
    traces: [],
    kinds: [],
    newKinds: null,
    newSignatures: null,
    triage: new Map(),
    orderDependent: new Map(),
    families: new FamilyResolver(policies),
  } as unknown as ReportContext;
}

function row(trace: string, i: number): DivergenceRow {
  return {
    signature: `${(1000 + i).toString(16)}abcdef012345`,
    kind: 'aaaabbbbccccdddd',
    title: 't',
    trace,
    matrix: '',
    scenario: `synth-${i}`,
    seq: 1,
    line: 100 + i,
    event: 'pin_user_pages',
    root: i % 2 === 0,
    text: 'pin_user_pages: mm=1 addr=0x1000 nr=1',
    classes: [['v5.4'], ['v5.10', 'v6.0']],
  };
}

/** The pages that list many rows of one trace, with the trace at `path`. */
function pages(path: string): Record<string, string> {
  const ctx = context([path]);
  const kind: KindSummary = {
    kind: 'aaaabbbbccccdddd',
    title: 'pin_user_pages: ret=0 vs ret=-14',
    event: 'pin_user_pages',
    count: 40,
    roots: 20,
    signatures: 40,
    traces: [path],
  };
  const examples = [0, 1, 2, 3, 4].map((i) => row(path, i));
  return {
    matrix: renderMatrixPage(ctx, STATIC_ENV, 1, 'grouped', { dataPages: true }),
    policy: renderPolicyPage(ctx, STATIC_ENV, ctx.policies[1]!),
    kind: renderKindPage(ctx, STATIC_ENV, kind, undefined, examples, { occurrencePages: false }),
  };
}

describe('trace numbers', () => {
  it('number traces in scenario order, then traces without scenarios', () => {
    const ctx = context(['b.trace', 'a.trace']);
    (ctx as { traces: unknown }).traces = [{ trace: 'a.trace' }, { trace: 'broken.trace' }];
    expect(traceLabels(ctx)).toEqual(['b.trace', 'a.trace', 'broken.trace']);
    expect(traceNumber(ctx, 'a.trace')).toBe(1);
    expect(traceFilter(ctx, 'broken.trace')).toEqual({ t: '2' });
    // A trace the run does not have stays a label, which the list matches nothing for.
    expect(traceFilter(ctx, 'elsewhere.trace')).toEqual({ trace: 'elsewhere.trace' });
  });

  it("are the places of the traces in the list's data and the matrix's data", () => {
    const ctx = context(['b.trace', 'a.trace']);
    const index = new DivergenceIndexBuilder(ctx);
    // The list meets a.trace first; its table still holds the traces in number order.
    index.add(row('a.trace', 1));
    const data = index.toJSON() as { traces: string[]; rows: { tr: number[] } };
    expect(data.traces).toEqual(['b.trace', 'a.trace']);
    expect(data.rows.tr).toEqual([1]);
    expect(matrixData(ctx).traces).toEqual([
      ['b.trace', '', 0],
      ['a.trace', '', 1],
    ]);
  });

  it('keep the matrix, policy and kind pages the same size whatever the trace path', () => {
    const short = pages('s.trace');
    const longPath = `/srv/recordings/${'a-rather-long-directory-name/'.repeat(6)}synthetic-64.trace`;
    const long = pages(longPath);
    const extra = longPath.length - 's.trace'.length;
    for (const name of ['matrix', 'policy', 'kind'] as const) {
      const grown = Buffer.byteLength(long[name]!) - Buffer.byteLength(short[name]!);
      // The path is named in a heading row (and its data-trace) or the kind's Traces line only;
      // links name the trace by number.
      expect(grown, name).toBeLessThanOrEqual(2 * extra);
      expect(long[name]!.split(longPath).length - 1, name).toBeLessThanOrEqual(2);
    }
    expect(long.matrix).toContain('divergences/index.html#scenario=synth-1&amp;t=0');
    expect(long.policy).toContain('#scenario=synth-1&amp;t=0&amp;policy=v5.10');
    expect(long.kind).toContain('#dkind=aaaabbbbccccdddd&amp;t=0');
    expect(long.kind).toContain('<code>line 104</code>');
  });
});
