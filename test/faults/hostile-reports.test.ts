/**
 * Report directories and symlinks: `reports/latest` or `reports/<run>` linked to a directory
 * elsewhere is refused (exit 2, nothing written there), and `report --out` never replaces a
 * directory holding files a report does not consist of, even when it carries a marker.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli-io.ts';

const TRACE = resolve('traces/01-vfio-zero-ro.trace');

describe('report directories never follow symlinks', { timeout: 60_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pinbench-hostile-reports-'));
  const db = join(tmp, 'db');
  const pinbench = async (...args: string[]) => {
    const c = captureIo({ cwd: tmp });
    const code = await main(args, c.io);
    return { code, out: c.out(), err: c.err() };
  };
  /** A directory outside reports/ with a file of the user's in it. */
  const victim = (name: string) => {
    const dir = join(tmp, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    return dir;
  };

  beforeAll(async () => {
    const r = await pinbench('run', '--db', db, '-j', '0', '--no-report', '--policy', 'v5.19', TRACE);
    expect(r.code).toBe(0);
  });

  it('reports/latest as a symlink to a directory elsewhere: refused, nothing written there', async () => {
    const outside = victim('outside-latest');
    mkdirSync(join(tmp, 'reports'), { recursive: true });
    symlinkSync(outside, join(tmp, 'reports', 'latest'));
    const r = await pinbench('report', '--db', db);
    expect(r.code).toBe(2);
    expect(r.err).toContain('reports/latest is a symbolic link');
    expect(r.err).toContain('[PB_UNSAFE_PATH]');
    expect(readdirSync(outside)).toEqual(['precious.txt']);
    // And so a later `report --out` there has no marker to trust: refused, the file stays.
    const again = await pinbench('report', '--db', db, '--out', outside);
    expect(again.code).toBe(2);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('reports/<run> as a symlink is refused; --out through a symlink is refused', async () => {
    const outside = victim('outside-run');
    const reports = join(tmp, 'r2');
    mkdirSync(reports);
    symlinkSync(outside, join(reports, '1'));
    const r = await pinbench('report', '--db', db, '--out', join(reports, '1'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a symbolic link');
    expect(readdirSync(outside)).toEqual(['precious.txt']);
  });

  it('a marker alone does not make a directory replaceable when it holds other files', async () => {
    const forged = victim('forged');
    writeFileSync(join(forged, '.pinbench-report'), '{"run":1}\n');
    const r = await pinbench('report', '--db', db, '--out', forged);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds files a pinbench report does not (precious.txt)');
    expect(readFileSync(join(forged, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('a report it wrote is still replaced, and reports/latest still points at the newest', async () => {
    const out = join(tmp, 'mine');
    expect((await pinbench('report', '--db', db, '--out', out)).code).toBe(0);
    expect((await pinbench('report', '--db', db, '--out', out)).code).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    const fresh = mkdtempSync(join(tmpdir(), 'pinbench-hostile-reports-cwd-'));
    const c = captureIo({ cwd: fresh });
    expect(await main(['report', '--db', db], c.io)).toBe(0);
    expect(await main(['report', '--db', db], captureIo({ cwd: fresh }).io)).toBe(0);
    expect(readFileSync(join(fresh, 'reports/latest/index.html'), 'utf8')).toContain('../1/index.html');
  });
});
