/**
 * A replay worker that loads the policies itself (startPolicyWorker) is watched as the probe is:
 * the same messages for a module that throws, loops or exits at load, naming the module whose
 * code was running; and once loaded it tells the ids and which tables are the same.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probePolicyModule, startPolicyWorker, startPolicyWorkers } from './module-probe.ts';

const DIR = mkdtempSync(join(tmpdir(), 'pinbench-module-probe-'));

/** A module built on v6.11: `override` its overrides, `body` run at load. */
function module(name: string, override: string, body = ''): string {
  writeFileSync(
    join(DIR, name),
    [
      `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
      body,
      `export default definePolicy({ id: '${name.replace('.ts', '')}', base: 'v6.11', override: { ${override} } });`,
      '',
    ].join('\n'),
  );
  return `./${name}`;
}

/** The error a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

describe('startPolicyWorker', { timeout: 30_000 }, () => {
  it('loads the specs in the thread and tells their ids and which tables are the same', async () => {
    const fix = module('fix.ts', 'isLongtermPinnable: () => false');
    const same = module('same.ts', '');
    const w = await startPolicyWorker(['v6.11', fix, same], DIR, 5000);
    try {
      expect(w.policies).toEqual({ ids: ['v6.11', 'fix', 'same'], tables: [0, 1, 0] });
      expect(w.ended).toBe(false);
    } finally {
      await w.close();
    }
  });

  it('fails as the probe fails, naming the module whose code was running', async () => {
    const ok = module('ok.ts', '');
    const loops = module('loops.ts', '', 'for (;;) {}');
    const e = await failure(startPolicyWorker(['v6.11', ok, loops], DIR, 300));
    expect(e.message).toBe(
      `policy module ${loops}: did not finish loading within 300 ms (--policy-timeout-ms) [PB_POLICY_LOAD]`,
    );
    const throws = module('throws.ts', '', "throw new Error('not today');");
    const exits = module('exits.ts', '', 'process.exit(3);');
    const pollutes = module('pollutes.ts', '', '(Object.prototype as any).polluted = 1;');
    for (const bad of [throws, exits, pollutes]) {
      const probed = await failure(probePolicyModule(bad, DIR, 5000));
      const loaded = await failure(startPolicyWorker(['v6.11', bad], DIR, 5000));
      expect(loaded.message).toBe(probed.message);
    }
    const unknown = await failure(startPolicyWorker(['v9.99', ok], DIR, 5000));
    expect(unknown.message).toContain("unknown policy 'v9.99'");
  });

  it('several side by side: all load, or the first failure in order is thrown', async () => {
    const fix = module('fix2.ts', 'isLongtermPinnable: () => false');
    const ws = await startPolicyWorkers(['v6.11', fix], DIR, 5000, 2);
    expect(ws.map((w) => w.policies.ids)).toEqual([
      ['v6.11', 'fix2'],
      ['v6.11', 'fix2'],
    ]);
    await Promise.all(ws.map((w) => w.close()));
    const throws = module('throws2.ts', '', "throw new Error('no');");
    const e = await failure(startPolicyWorkers(['v6.11', throws], DIR, 5000, 2));
    expect(e.message).toContain('no [PB_POLICY_LOAD]');
  });
});
