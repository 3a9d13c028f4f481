/**
 * Bisection against what the corpus states: every scenario's `# Result` block in a shipped
 * trace's header gives a verdict per release, so the pass/fail changes along the release order
 * are known transitions; bisect must find exactly those, naming the commits the headers name.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPolicy, RELEASE_IDS, releases } from '../../policies/index.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { main } from '../cli/main.ts';
import { findCorpusFiles } from '../ingest/index.ts';
import { loadPolicyModule } from '../replay/load-policies.ts';
import { readResultBlocks } from '../replay/result-header.ts';
import { bisect } from './bisect.ts';
import { releaseRange } from './release-range.ts';

const ZERO_TRACE = 'traces/01-vfio-zero-ro.trace';

/** `from>to` pairs where a header's pass/fail changes along the release order (others skipped). */
function headerTransitions(cells: Map<string, string>): string[] {
  const out: string[] = [];
  let prev: [string, string] | undefined;
  for (const r of RELEASE_IDS) {
    const v = cells.get(r);
    if (v !== 'pass' && v !== 'fail') continue;
    if (prev && prev[1] !== v) out.push(`${prev[0]}>${r}`);
    prev = [r, v];
  }
  return out;
}

describe('bisect', () => {
  it('finds the four zero-page transitions of vfio-zero-ro-hang with their commits', async () => {
    const r = await bisect(ZERO_TRACE, {
      policies: releaseRange('v5.18', 'v6.1'),
      scenario: 'vfio-zero-ro-hang',
    });
    expect(r.steps.map((s) => `${s.policy}:${s.label}`)).toEqual([
      'v5.18:good',
      'v5.19-rc1:bad',
      'v5.19-rc4:good',
      'v5.19:good',
      'v6.0-rc1:bad',
      'v6.0-rc3:good',
      'v6.0-rc5:good',
      'v6.0:good',
      'v6.1:good',
    ]);
    expect(
      r.transitions.map((t) => [t.from, t.to, t.families.map((f) => `${f.family}:${f.to.commit}`)]),
    ).toEqual([
      ['v5.18', 'v5.19-rc1', ['pinnable:1c563432588d']],
      ['v5.19-rc1', 'v5.19-rc4', ['pinnable:034e5afad921']],
      ['v5.19', 'v6.0-rc1', ['pinnable:f25cbb7a95a2']],
      ['v6.0-rc1', 'v6.0-rc3', ['pinnable:fcab34b433e2']],
    ]);
    expect(r.transitions[0]!.families[0]!.to.subject).toBe('mm: fix is_pinnable_page against a cma page');
    expect(r.transitions[0]!.functions.length).toBeGreaterThan(0);
    expect(r.replayed).toBe(9);
  });

  it('agrees with the transitions every shipped header states', async () => {
    const files = await findCorpusFiles('traces');
    let checked = 0;
    for (const file of files) {
      const blocks = readResultBlocks(readFileSync(file, 'utf8'));
      const scenarios = new Map<string, Map<string, string>>();
      for (const b of blocks) {
        if (!b.scenario) continue;
        const m = scenarios.get(b.scenario) ?? new Map<string, string>();
        m.set(b.policy, b.verdict);
        scenarios.set(b.scenario, m);
      }
      for (const [scenario, cells] of scenarios) {
        const r = await bisect(file, { policies: releases(), scenario });
        expect(
          r.transitions.map((t) => `${t.from}>${t.to}`),
          `${file} ${scenario}`,
        ).toEqual(headerTransitions(cells));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('bisects a divergence on the outcome of its call, found by its signature', async () => {
    const policies = releaseRange('v6.0-rc3', 'v6.1');
    const { replayTrace } = await import('../replay/replay-trace.ts');
    const full = await replayTrace(ZERO_TRACE, policies, { outcomes: false });
    const d = full.scenarios
      .find((s) => s.scenario === 'vfio-zero-ro')!
      .divergences.find((x) => x.seq === 0)!;
    const r = await bisect(ZERO_TRACE, { policies, divergence: d.signature.slice(0, 8) });
    expect(r.target).toMatchObject({ kind: 'divergence', scenario: 'vfio-zero-ro', seq: 0, id: d.signature });
    expect(r.on).toBe('outcome');
    expect(r.steps.map((s) => s.label)).toEqual(['good', 'bad', 'bad', 'bad']);
    expect(r.transitions.map((t) => t.families.map((f) => f.to.commit))).toEqual([['873aefb376bb']]);
  });

  it('names the one commit of a step that brings several (--commits)', async () => {
    const r = await bisect('traces/04-dio-zero-pin.trace', {
      policies: releaseRange('v6.4', 'v6.5'),
      scenario: 'dio-zero-pin-untouched',
      commits: true,
    });
    expect(r.transitions).toHaveLength(1);
    const t = r.transitions[0]!;
    expect(t.families.length).toBeGreaterThan(1);
    expect(t.commits!.filter((c) => c.culprit).map((c) => c.commit)).toEqual(['c8070b787519']);
    expect(r.replayed).toBe(2 + t.commits!.length);
  });

  it('bisects a patch series given as policies, naming the alias commit', async () => {
    const r = await bisect(ZERO_TRACE, {
      policies: [getPolicy('pre-f25cbb7a95a2'), getPolicy('post-f25cbb7a95a2')],
      scenario: 'vfio-zero-ro-hang',
    });
    expect(r.transitions.map((t) => [t.fromLabel, t.toLabel, t.commit?.commit])).toEqual([
      ['good', 'bad', 'f25cbb7a95a2'],
    ]);
  });

  it('bisects a patch series of policy modules, naming the functions each one replaces', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinbench-bisect-series-'));
    try {
      const write = async (name: string, base: string, pinnable: boolean): Promise<string> => {
        const file = join(dir, `${name}.ts`);
        await writeFile(
          file,
          [
            `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
            'export default definePolicy({',
            `  id: '${name}', base: '${base}', commit: '${name}', subject: 'patch ${name}',`,
            `  override: { isLongtermPinnable: () => ${pinnable} },`,
            '});',
            '',
          ].join('\n'),
        );
        return file;
      };
      const series = [
        getPolicy('v5.18'),
        await loadPolicyModule(await write('p1-break', 'v5.18', false)),
        await loadPolicyModule(await write('p2-fix', 'v5.18', true)),
      ];
      const r = await bisect(ZERO_TRACE, { policies: series, scenario: 'vfio-zero-ro-hang' });
      expect(r.steps.map((s) => s.label)).toEqual(['good', 'bad', 'good']);
      // The modules override the deprecated name isLongtermPinnable: the slot it stands for.
      expect(r.transitions.map((t) => [t.to, t.commit?.subject, t.families.length, t.functions])).toEqual([
        ['p1-break', 'patch p1-break', 0, ['folioIsLongtermPinnable']],
        ['p2-fix', 'patch p2-fix', 0, ['folioIsLongtermPinnable']],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bisects a real recording on the outcome, naming the first call that differs', async () => {
    const r = await bisect('traces/real/kprobe-6.1/default.kprobe.trace', {
      policies: releaseRange('v6.2', 'v6.3'),
      on: 'outcome',
    });
    expect(r.steps.map((s) => s.detail.slice(0, 9))).toEqual(['outcome A', 'outcome B']);
    expect(r.transitions).toHaveLength(1);
    expect(r.transitions[0]!.difference).toMatchObject({
      scenario: 'hugetlb',
      event: 'io_uring_register_buffers',
    });
  });
});

describe('pinbench bisect', () => {
  it('prints good/bad steps and every transition with --all; exit 0', async () => {
    const c = captureIo();
    const code = await main(
      ['bisect', ZERO_TRACE, '--scenario', 'vfio-zero-ro-hang', '--from', 'v5.18', '--to', 'v6.1', '--all'],
      c.io,
    );
    expect(code, c.err()).toBe(0);
    expect(c.out()).toMatch(/^bad {3}v5\.19-rc1 {2}fail/m);
    expect(c.out()).toContain('transition 1/4: v5.19-rc1 is the first bad policy');
    expect(c.out()).toContain('transition 4/4: v6.0-rc3 is the first good policy again');
    expect(c.out()).toContain('fcab34b433e2 "mm: re-allow pinning of zero pfns (again)" (v6.0-rc3)');
  });

  it('prints JSON with --json', async () => {
    const c = captureIo();
    expect(await main(['bisect', ZERO_TRACE, '--from', 'v6.0-rc3', '--to', 'v6.0-rc5', '--json'], c.io)).toBe(
      0,
    );
    const r = JSON.parse(c.out()) as { target: { kind: string }; transitions: { to: string }[] };
    expect(r.target.kind).toBe('trace');
    expect(r.transitions.map((t) => t.to)).toEqual(['v6.0-rc5']);
  });

  it('exits 1 when no policy changes anything, 2 on bad input', async () => {
    const quiet = captureIo();
    expect(
      await main(
        ['bisect', ZERO_TRACE, '--scenario', 'vfio-zero-ro-hang', '--from', 'v6.1', '--to', 'v6.19'],
        quiet.io,
      ),
    ).toBe(1);
    expect(quiet.out()).toContain('no transition');
    const bad: [string[], RegExp][] = [
      [
        ['bisect', ZERO_TRACE, '--scenario', 'nope'],
        /no such scenario \(it has: vfio-zero-ro, vfio-zero-ro-hang\)/,
      ],
      [['bisect', ZERO_TRACE, '--divergence', 'ffffffffffff'], /no divergence of .* has this signature/],
      [['bisect', ZERO_TRACE, '--on', 'mood'], /--on takes verdict or outcome/],
      [['bisect', ZERO_TRACE, '--from', 'v6.1', '--to', 'v5.18'], /comes after/],
      [['bisect', ZERO_TRACE, '--from', 'v6.1', '--to', 'v6.1'], /bisect needs two/],
      [['bisect', ZERO_TRACE, '--policy', 'v6.1', '--from', 'v5.18'], /not both/],
      [['bisect'], /takes one trace/],
      [['bisect', 'no-such.trace'], /no-such\.trace/],
    ];
    for (const [argv, msg] of bad) {
      const c = captureIo();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err(), argv.join(' ')).toMatch(msg);
    }
  });
});
