/** `pinbench replay` as a user meets it: the summary, the NDJSON contract, and bad input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';

async function replay(...args: string[]) {
  const c = captureIo();
  const code = await main(['replay', '-j', '0', ...args], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('pinbench replay', () => {
  it('prints the verdict matrix and the first root divergence with its why paths', async () => {
    const r = await replay('traces/01-vfio-zero-ro.trace', '--policy', 'v5.19', '--policy', 'v6.0-rc1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('01-vfio-zero-ro.trace vfio-zero-ro-hang');
    expect(r.out).toMatch(/\{v6\.0-rc1\}: ret=livelock/);
    expect(r.out).toContain('zero pfn -> not longterm pinnable (f25cbb7a95a2)');
  });

  it('--json writes only contract records, the same bytes twice', async () => {
    const a = await replay('traces/03-vfio-zero-leak.trace', '--json');
    const b = await replay('traces/03-vfio-zero-leak.trace', '--json');
    expect(a.out).toBe(b.out);
    const types = new Set(
      a.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    );
    expect([...types].sort()).toEqual(['divergence', 'final', 'outcome', 'verdict']);
  });

  it('an invalid field makes its scenario an error naming file:line:col, and the exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-replay-'));
    const file = join(dir, 'bad.trace');
    writeFileSync(
      file,
      '# tracer: nop\n  t-1 [000] ..... 1.000: pinbench_vma: start=0x1000 end=0x2000 flags=VM_READ|VM_FOO\n',
    );
    const r = await replay(file, '--policy', 'v6.1');
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${file}:2:70: pinbench_vma: flags: unknown flag VM_FOO [PB_EVENT_FIELD]`);
    const strict = await replay(file, '--policy', 'v6.1', '--strict');
    expect(strict.code).toBe(2);
    expect(strict.err).toContain('unknown flag VM_FOO [PB_EVENT_FIELD]');
  });
});
