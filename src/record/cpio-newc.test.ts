import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpioNewc } from './cpio-newc.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cpioNewc', () => {
  it('writes an archive busybox cpio unpacks with the same names, modes and bytes', () => {
    const archive = cpioNewc([
      { path: 'bin', mode: 0o040755 },
      { path: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\necho hi\n') },
      { path: 'bin/odd', mode: 0o100644, data: Buffer.from([1, 2, 3]) },
      { path: 'bin/sh', mode: 0o120777, target: 'busybox' },
    ]);
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.length % 4).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-cpio-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.cpio'), archive);
    const listing = execFileSync('busybox', ['cpio', '-t', '-F', join(dir, 'a.cpio')], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim()
      .split('\n');
    expect(listing).toEqual(['bin', 'init', 'bin/odd', 'bin/sh']);
    execFileSync('busybox', ['cpio', '-i', '-d', '-F', join(dir, 'a.cpio')], { cwd: dir, stdio: 'ignore' });
    expect(readFileSync(join(dir, 'init'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect([...readFileSync(join(dir, 'bin/odd'))]).toEqual([1, 2, 3]);
  });
});
