import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../test/support/cli-io.ts';
import { checkCommand } from '../cli/commands/check.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pinbench-coverage-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('check --coverage', () => {
  it('names the override no scenario calls and the changed branch no scenario takes', async () => {
    const file = join(work, 'fix.ts');
    writeFileSync(
      file,
      [
        `import { definePolicy } from '${resolve(ROOT, 'policies/define-policy.ts')}';`,
        'export default definePolicy({',
        "  id: 'half-reached', base: 'v6.1', subject: 'test',",
        '  override: (base) => ({',
        '    isLongtermPinnable(k, st, folio) {',
        "      if (folio.name === 'no-such-page') return false;",
        '      return base.isLongtermPinnable(k, st, folio);',
        '    },',
        '    insertPage(k, st, name, a) {',
        '      return base.insertPage(k, st, name, a);',
        '    },',
        '  }),',
        '});',
        '',
      ].join('\n'),
    );
    const cap = captureIo({ cwd: work });
    const code = await checkCommand.run(
      { candidate: file, baseline: 'v6.1', coverage: true, 'no-html': true, jobs: '1' },
      [join(ROOT, 'traces/01-vfio-zero-ro.trace')],
      cap.io,
    );
    expect(code).toBe(0);
    const out = cap.out();
    expect(out).toContain("coverage of the candidate's changes (fix.ts): functions 1/2, branches 1/2");
    expect(out).toContain('override insertPage (fix.ts:9) is never called by any scenario');
    expect(out).toContain('branches at fix.ts:6 not reached (if true in isLongtermPinnable)');
    expect(out).not.toContain('override isLongtermPinnable');

    const json = captureIo({ cwd: work });
    await checkCommand.run(
      { candidate: file, baseline: 'v6.1', coverage: true, json: true, 'no-html': true, jobs: '1' },
      [join(ROOT, 'traces/01-vfio-zero-ro.trace')],
      json.io,
    );
    const parsed = JSON.parse(json.out()) as { coverage: { unreached: { what: string; name: string }[] } };
    expect(parsed.coverage.unreached.map((u) => `${u.what} ${u.name}`)).toEqual([
      'override insertPage',
      'branches if true in isLongtermPinnable',
    ]);
  }, 240_000);

  it('stays off unless asked', async () => {
    const cap = captureIo({ cwd: ROOT });
    await checkCommand.run(
      { candidate: 'v6.2', baseline: 'v6.1', 'no-html': true, jobs: '1' },
      ['traces/01-vfio-zero-ro.trace'],
      cap.io,
    );
    expect(cap.out()).not.toContain('coverage');
  }, 120_000);
});
