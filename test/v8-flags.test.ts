import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = new URL('../bin/pinbench.js', import.meta.url).pathname;

describe('V8 flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-v8-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the CLI never tiers up a wasm-to-JS wrapper, while PGlite and the type stripper run wasm', () => {
    // V8 prints each wasm compilation with this flag: the functions prove wasm ran, and a
    // "WasmToJS wrapper" line would be the tier-up bin/pinbench.js turns off (15 of them without).
    const r = spawnSync(
      process.execPath,
      ['--trace-wasm-compilation-times', BIN, 'runs', '--db', join(dir, 'db')],
      { encoding: 'utf8', env: { ...process.env, PINBENCH_CACHE: join(dir, 'cache') } },
    );
    expect(r.status, r.stderr).toBe(0);
    const trace = r.stdout + r.stderr;
    expect(trace).toMatch(/Compiled function .* using Liftoff/);
    expect(trace).not.toContain('WasmToJS wrapper');
  });
});
