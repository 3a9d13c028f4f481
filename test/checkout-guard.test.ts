/**
 * The guard `npm test` runs around the suite (test/support/checkout-guard.global.ts): it sees a
 * report written into reports/, reports/latest re-pointed, a database under .pinbench/, an edited
 * tracked file and a stray untracked file, and nothing when nothing changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkoutChanges, checkoutState } from './support/checkout-state.ts';

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-guard-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.pinbench/\nreports/*\n!reports/.gitkeep\n');
  mkdirSync(join(dir, 'reports'));
  writeFileSync(join(dir, 'reports/.gitkeep'), '');
  writeFileSync(join(dir, 'a.ts'), 'export {};\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'init');
  mkdirSync(join(dir, 'reports/1'));
  writeFileSync(join(dir, 'reports/1/index.html'), '<p>1</p>');
  symlinkSync('1', join(dir, 'reports/latest'));
  return dir;
}

describe('checkout guard', () => {
  it('reports nothing when nothing changed, even with dependencies installed', () => {
    const dir = repo();
    const before = checkoutState(dir);
    mkdirSync(join(dir, 'node_modules/.vite'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/.vite/results.json'), '{}');
    expect(checkoutChanges(before, checkoutState(dir))).toEqual([]);
  });

  it('sees reports, a re-pointed reports/latest, a database, edits and stray files', () => {
    const dir = repo();
    const before = checkoutState(dir);
    mkdirSync(join(dir, 'reports/2'));
    writeFileSync(join(dir, 'reports/2/index.html'), '<p>2</p>');
    unlinkSync(join(dir, 'reports/latest'));
    symlinkSync('2', join(dir, 'reports/latest'));
    mkdirSync(join(dir, '.pinbench/db'), { recursive: true });
    writeFileSync(join(dir, '.pinbench/db/PG_VERSION'), '18');
    writeFileSync(join(dir, 'a.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'scratch.txt'), 'x');
    const changes = checkoutChanges(before, checkoutState(dir));
    expect(changes).toHaveLength(8);
    expect(changes).toEqual([
      expect.stringMatching(/^\.pinbench\/db\/PG_VERSION: clean or absent -> !! file 2 /),
      '.pinbench/db: clean or absent -> !! dir',
      '.pinbench: clean or absent -> !! dir',
      expect.stringMatching(/^a\.ts: clean or absent -> {2}M file 20 /),
      expect.stringMatching(/^reports\/2\/index\.html: clean or absent -> !! file 8 /),
      'reports/2: clean or absent -> !! dir',
      expect.stringMatching(/^reports\/latest: !! link -> 1 \S+ -> !! link -> 2 /),
      expect.stringMatching(/^scratch\.txt: clean or absent -> \?\? file 1 /),
    ]);
  });

  it('sees a report file rewritten in place', () => {
    const dir = repo();
    const before = checkoutState(dir);
    writeFileSync(join(dir, 'reports/1/index.html'), '<p>one</p>');
    utimesSync(join(dir, 'reports/1/index.html'), new Date(0), new Date(0));
    expect(checkoutChanges(before, checkoutState(dir))).toEqual([
      expect.stringMatching(/^reports\/1\/index\.html: !! file 8 \S+ -> !! file 10 0$/),
    ]);
  });
});
