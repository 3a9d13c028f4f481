/**
 * Tie exploration with a hostile user module: an override that never returns, on the constructed
 * race of repro-slices.test.ts (a long-term pin of the zero page and its munmap at one timestamp
 * on two CPUs). `replay --explore-ties` and a run's order-dependence check both run the module in
 * a watched worker: it is stopped after --policy-timeout-ms and is `error` in every order, the
 * releases' results are unchanged, and nothing hangs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { unmapVsPinRace } from '../../test/support/race-trace.ts';
import { pgliteTemplate } from '../../test/support/store-backends.ts';
import { storeReproSlices } from '../api/repro-slices.ts';
import { main } from '../cli/main.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { openStore, type Store } from '../store/store.ts';

const RACE = unmapVsPinRace();

describe('tie exploration of a user module that never returns', () => {
  let dir: string;
  let trace: string;
  let loop: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-ties-hostile-'));
    trace = join(dir, 'race.trace');
    await writeFile(trace, RACE);
    loop = join(dir, 'loop.ts');
    await writeFile(
      loop,
      [
        `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
        "export default definePolicy({ id: 'loop', base: 'v6.1', subject: 'hostile',",
        '  override: { isLongtermPinnable: () => { for (;;) {} } } });',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replay --explore-ties stops it and reports it as error in every order', async () => {
    const c = captureIo();
    const code = await main(
      [
        'replay',
        trace,
        '--explore-ties',
        '--policy',
        'v5.6',
        '--policy',
        'v6.1',
        '--policy',
        loop,
        '--policy-timeout-ms',
        '300',
        '--json',
      ],
      c.io,
    );
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    const [t] = JSON.parse(c.out()) as {
      scenarios: { orders: number; verdicts: Record<string, unknown>; divergences: unknown[] }[];
    }[];
    const sc = t!.scenarios[0]!;
    expect(sc.orders).toBe(2);
    expect(sc.verdicts.loop).toEqual({ error: { count: 2, label: 'Always' } });
    expect(sc.verdicts['v6.1']).toEqual({ pass: { count: 2, label: 'Always' } });
    expect(sc.divergences).toContainEqual({ line: 8, event: 'pin_user_pages', count: 1, label: 'Sometimes' });
  }, 30_000);

  it("a run's order-dependence check stops it and still marks the race", async () => {
    const store: Store = await openStore({ db: join(dir, 'db'), pgliteTemplate: await pgliteTemplate() });
    try {
      // The run's results are the releases'; the module joins the order-dependence check only,
      // which is what must not hang (the replay's own watchdog is tested elsewhere).
      const releases = [getPolicy('v5.6'), getPolicy('v6.1')];
      const runId = await store.startRun();
      await store.recordPolicies(runId, releases);
      const result = await replayTrace(trace, releases, { outcomes: false, adapters: defaultAdapters });
      await store.writeTraceResult(runId, result);
      const stored = await storeReproSlices(store, runId, trace, result, {
        adapters: true,
        policies: [...releases, { ...getPolicy('v6.1'), id: 'loop', source: loop }],
        policySpecs: ['v5.6', 'v6.1', loop],
        cwd: dir,
        policyTimeoutMs: 300,
      });
      expect(stored).toBe(1);
      const marked = await store.orderDependentDivergences(runId);
      expect(marked.map((o) => [o.line, o.diverging, o.orders])).toEqual([[8, 1, 2]]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
