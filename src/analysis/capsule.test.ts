/**
 * Repro capsules surviving a policy change: a capsule of a divergence between v5.18 and a user's
 * module (which breaks long-term pinnability) reproduces from its own file in another directory;
 * once the module is fixed, replaying the same capsule (in a fresh process, as a user would)
 * says it no longer reproduces and names the module as the policy that answers differently and
 * whose code changed.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { pinnabilityModuleText } from '../../test/support/candidate-module.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { main } from '../cli/main.ts';
import { loadPolicyModule } from '../replay/load-policies.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { parseCapsule } from './capsule.ts';

const TRACE = resolve('traces/01-vfio-zero-ro.trace');

describe('pinbench repro', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-capsule-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exports a capsule that reproduces elsewhere, and stops reproducing when the module is fixed', async () => {
    const mod = join(dir, 'nothing-pinnable.ts');
    await writeFile(mod, pinnabilityModuleText(false));
    const policies = [getPolicy('v5.18'), await loadPolicyModule(mod)];
    const r = await replayTrace(TRACE, policies, { outcomes: false });
    const d = r.scenarios.find((s) => s.scenario === 'vfio-zero-ro-hang')!.divergences[0]!;

    // Real processes throughout: code hashes are of the source as Node loads it (vitest's own
    // transform gives other function text).
    const pinbench = (cwd: string, ...args: string[]) =>
      spawnSync(process.execPath, [resolve('bin/pinbench.js'), ...args], { cwd, encoding: 'utf8' });
    const argv = ['repro', TRACE, '--divergence', d.signature, '--policy', 'v5.18', '--policy', mod];
    const made = pinbench(dir, ...argv, '--export', 'cap.pinbench.json');
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toContain('replay it with: pinbench repro cap.pinbench.json');

    // Self-contained: replayed from another directory, with no trace beside it.
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await copyFile(join(dir, 'cap.pinbench.json'), join(elsewhere, 'x.pinbench.json'));
    const again = pinbench(elsewhere, 'repro', 'x.pinbench.json');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('reproduces with today');
    expect(again.stdout).not.toContain('changed');

    // The user fixes the module: the capsule no longer reproduces, and says why.
    await writeFile(mod, pinnabilityModuleText(true));
    const fixed = pinbench(elsewhere, 'repro', 'x.pinbench.json');
    expect(fixed.status, fixed.stderr).toBe(1);
    expect(fixed.stdout).toContain('no longer reproduces');
    expect(fixed.stdout).toContain('answer differently: nothing-pinnable');
    expect(fixed.stdout).toMatch(/code changed since the capsule: nothing-pinnable\n/);
  });

  it('refuses what is not a capsule, naming the field', async () => {
    await writeFile(join(dir, 'bad.json'), '{"format":"pinbench-capsule/1","trace":"t"}');
    const c = captureIo({ cwd: dir });
    expect(await main(['repro', 'bad.json'], c.io)).toBe(2);
    expect(c.err()).toMatch(/bad\.json: not a pinbench capsule: bad or missing 'scenario'/);
    expect(() => parseCapsule('nope', 'x.json')).toThrow(/x\.json: not JSON/);
    const usage = captureIo({ cwd: dir });
    expect(await main(['repro', TRACE, '--divergence', 'abc'], usage.io)).toBe(2);
    expect(usage.err()).toContain('add --export FILE');
  });
});
