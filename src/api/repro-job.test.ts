/**
 * `pinbench repro <identity>` from the store, surviving a policy change: a run of a trace
 * against v5.18 and a user's module (which breaks long-term pinnability) keeps the diverging
 * scenario's slice and the module's source. With the trace file gone, repro by an identity
 * prefix reproduces; once the module is fixed it no longer does, naming the module whose code
 * changed, how its outcome moved, and that the module as the run had it still reproduces; the
 * exported capsule replays elsewhere with the module gone (from the source the run kept).
 * Real processes throughout: identity hashes are of the source as Node loads it.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { pinnabilityModuleText } from '../../test/support/candidate-module.ts';
import { parseCapsule } from '../analysis/capsule.ts';
import { loadPolicyModule } from '../replay/load-policies.ts';
import { replayTrace } from '../replay/replay-trace.ts';

const TRACE = resolve('traces/01-vfio-zero-ro.trace');
const BIN = resolve('bin/pinbench.js');

describe('pinbench repro <identity>', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-repro-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replays the stored slice after the trace is gone, and survives a change of the module', async () => {
    const mod = join(dir, 'nothing-pinnable.ts');
    await writeFile(mod, pinnabilityModuleText(false));
    const trace = join(dir, 'zero.trace');
    await copyFile(TRACE, trace);
    const policies = [getPolicy('v5.18'), await loadPolicyModule(mod)];
    const r = await replayTrace(trace, policies, { outcomes: false });
    const d = r.scenarios.find((s) => s.scenario === 'vfio-zero-ro-hang')!.divergences[0]!;
    const prefix = d.signature.slice(0, 8);

    const pinbench = (cwd: string, ...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
    const db = join(dir, 'db');
    const run = pinbench(dir, 'run', '--db', db, '--no-report', '--policy', 'v5.18', '--policy', mod, trace);
    expect(run.status, run.stderr).toBe(1); // the module's failures are unexpected ones
    await rm(trace); // repro replays what the run stored, not the file

    const same = pinbench(dir, 'repro', '--db', db, prefix);
    expect(same.stderr).toBe('');
    expect(same.stdout).toContain(
      `divergence ${d.signature} (vfio-zero-ro-hang in ${trace}, run 1, vfio_map_dma) reproduces with today's policies`,
    );
    expect(same.stdout).not.toContain('changed');
    expect(same.status).toBe(0);

    // The user fixes the module: today it no longer reproduces; as the run had it, it does.
    await writeFile(mod, pinnabilityModuleText(true));
    const fixed = pinbench(dir, 'repro', '--db', db, prefix, '--run', '1');
    expect(fixed.stdout).toContain('no longer reproduces');
    expect(fixed.stdout).toContain('answer differently: nothing-pinnable\n');
    expect(fixed.stdout).toContain('nothing-pinnable: ret=livelock -> ret=0 refs zero+4096');
    expect(fixed.stdout).toContain('code changed since the capsule: nothing-pinnable\n');
    expect(fixed.stdout).toContain('with the changed module(s) as recorded: reproduces');
    expect(fixed.status).toBe(1);

    const json = pinbench(dir, 'repro', '--db', db, prefix, '--json');
    const got = JSON.parse(json.stdout) as { today: { reproduces: boolean; changedCode: string[] } };
    expect(got.today).toMatchObject({ reproduces: false, changedCode: ['nothing-pinnable'] });

    // A self-contained capsule: replayed in another directory with the module gone, from the
    // source the run kept.
    const made = pinbench(dir, 'repro', '--db', db, prefix, '--export', 'x.pinbench.json');
    expect(made.status, made.stderr).toBe(0);
    const capsule = parseCapsule(await readFile(join(dir, 'x.pinbench.json'), 'utf8'), 'x');
    expect(capsule.run).toBe(1);
    expect(capsule.policies.find((p) => p.id === 'nothing-pinnable')?.moduleText).toBe(
      pinnabilityModuleText(false),
    );
    await rm(mod);
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await copyFile(join(dir, 'x.pinbench.json'), join(elsewhere, 'x.pinbench.json'));
    const again = pinbench(elsewhere, 'repro', 'x.pinbench.json');
    expect(again.stdout).toContain('reproduces with today');
    expect(again.stdout).toContain("replayed from the capsule's copy of their source: nothing-pinnable");
    expect(again.status, again.stderr).toBe(0);

    const unknown = pinbench(dir, 'repro', '--db', db, '0000');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no divergence 0000 in any run');
    const notHex = pinbench(dir, 'repro', '--db', db, 'zz-top');
    expect(notHex.status).toBe(2);
    expect(notHex.stderr).toContain('is not a divergence identity');
  }, 400_000); // eight processes, each opening PGlite
});
