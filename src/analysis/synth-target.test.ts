import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { readScenarios } from './read-scenarios.ts';
import { keepScenarios, resolveTarget, synthTarget } from './synth-target.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pinbench-synth-target-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('synth --target', () => {
  it('resolves a family, a module and a file:line, and refuses anything else', () => {
    expect(resolveTarget('vma-checks', ROOT).files.length).toBeGreaterThan(3);
    const line = resolveTarget('policies/gup/vma-checks/v5-4.ts:79', ROOT);
    expect(line.line).toBe(79);
    expect(line.files).toEqual([resolve(ROOT, 'policies/gup/vma-checks/v5-4.ts')]);
    expect(() => resolveTarget('no-such-family', ROOT)).toThrow(UsageError);
    expect(() => resolveTarget('src/errors.ts:3', ROOT)).toThrow(/not a policy module/);
  });

  it('keeps the spans of the chosen scenarios, every config line, and drops the entry count', () => {
    const text = [
      '# entries-in-buffer/entries-written: 5/5   #P:2',
      '# tracer: nop',
      ' a-1 [000] ..... 1.000001: pinbench_config: arch=x86_64',
      ' a-1 [000] ..... 1.000002: pinbench_scenario: name=s0',
      ' a-1 [000] ..... 1.000003: pinbench_config: cma=1',
      ' a-1 [000] ..... 1.000004: pinbench_scenario: name=s1',
      ' a-1 [000] ..... 1.000005: noise',
      '',
    ].join('\n');
    expect(keepScenarios(text, [4, 6], new Set([6])).split('\n')).toEqual([
      '# tracer: nop',
      ' a-1 [000] ..... 1.000001: pinbench_config: arch=x86_64',
      ' a-1 [000] ..... 1.000003: pinbench_config: cma=1',
      ' a-1 [000] ..... 1.000004: pinbench_scenario: name=s1',
      ' a-1 [000] ..... 1.000005: noise',
      '',
    ]);
  });

  it('chooses scenarios that reach at least as many target branches as the first ones, deterministically', async () => {
    const opts = {
      target: 'vma-checks',
      seed: 3,
      scenarios: 2,
      drawn: 8,
      synth: { layout: 'tracefs' as const },
      policySpecs: ['v6.1'],
      cwd: ROOT,
      jobs: 1,
    };
    const a = await synthTarget(opts);
    expect(a.chosen.scenarios).toHaveLength(2);
    expect(a.unguided.scenarios).toEqual(['synth-3-0', 'synth-3-1']);
    expect(a.chosen.total).toBe(a.unguided.total);
    expect(a.chosen.reached).toBeGreaterThanOrEqual(a.unguided.reached);
    // The written trace holds exactly the chosen scenarios and reads without errors.
    const file = join(work, 'guided.trace');
    writeFileSync(file, a.text);
    const read = await readScenarios(file, { adapters: false });
    expect(read.scenarios.map((s) => s.name)).toEqual(a.chosen.scenarios);
    expect(read.scenarios.every((s) => s.error === undefined)).toBe(true);
    const b = await synthTarget(opts);
    expect(b.text).toBe(a.text);
  }, 240_000);
});
