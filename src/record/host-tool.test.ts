import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostTool } from './host-tool.ts';

describe('hostTool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-host-tool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers a program on PATH, and skips one that is not executable', () => {
    const tool = join(dir, 'pinbench-fake-tool');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o644);
    expect(hostTool('pinbench-fake-tool', dir)).toBe('pinbench-fake-tool');
    chmodSync(tool, 0o755);
    expect(hostTool('pinbench-fake-tool', `/nonexistent:${dir}`)).toBe(tool);
  });

  it('finds mkfs.ext4 in the system directories when PATH leaves them out (a Debian user PATH)', () => {
    // CI installs e2fsprogs, whose mkfs.ext4 is in /usr/sbin (and /sbin on merged-/usr systems).
    expect(['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4']).toContain(hostTool('mkfs.ext4', '/usr/bin:/bin'));
  });
});
