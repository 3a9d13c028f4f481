import { describe, expect, it } from 'vitest';
import { readResultBlocks } from './result-header.ts';

describe('readResultBlocks', () => {
  it('reads named and unnamed blocks, ignores prose and stops at the first event line', () => {
    const text = [
      '# tracer: nop',
      '# Some prose about v6.1: pass or not',
      '# Result a:',
      '#   v5.4:        fail   -- leaks',
      '#                          (continued explanation)',
      '#   post-873aefb376bb: pass -- fixed',
      '#',
      '# More prose v6.2: fail here is not a cell',
      '# Result:',
      '#   v6.1: unsupported -- no API',
      '   task-1 [000] ..... 1.0: pinbench_scenario: name=a',
      '# Result b:',
      '#   v6.2: fail',
    ].join('\n');
    expect(readResultBlocks(text)).toEqual([
      { scenario: 'a', policy: 'v5.4', verdict: 'fail', line: 4 },
      { scenario: 'a', policy: 'post-873aefb376bb', verdict: 'pass', line: 6 },
      { scenario: '', policy: 'v6.1', verdict: 'unsupported', line: 10 },
    ]);
  });
  it('refuses an unknown verdict word', () => {
    expect(() => readResultBlocks('# Result:\n#   v6.1: passes\n')).toThrow(
      /line 2: unknown verdict 'passes'/,
    );
  });
});
