/**
 * The grouped lockstep (replay-scenario.ts) against stepping every policy alone: the same
 * outcomes, divergences, finals, verdicts and fidelity records, scenario by scenario, over the
 * shipped corpus, the real recordings and seeded synthetic traces, with every known policy and
 * with user policies (watched, stepped alone) and unwatched variants that differ from a release
 * in one slot (grouped, so groups must split where that slot is reached); and, as a property,
 * over random small synthetic traces (seed, layout, gaps, call-heavy) and random policy subsets.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePolicy } from '../policies/define-policy.ts';
import { allPolicies, policyFromModule, releases } from '../policies/index.ts';
import type { Policy } from '../src/model/kernel.ts';
import { defaultAdapters } from '../src/replay/adapters.ts';
import type { LockstepSteps } from '../src/replay/replay-scenario.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import { synthesize } from '../src/synth/index.ts';

function traceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...traceFiles(path));
    else if (
      /\.(trace|trace\.gz|txt)$/.test(name) &&
      !name.endsWith('guest-info.txt') &&
      !name.endsWith('probes.txt')
    )
      out.push(path);
  }
  return out;
}

/** Variants that change one slot of a release: grouped with the releases until that slot is reached. */
function oneSlotVariants(): Policy[] {
  return [
    policyFromModule(
      definePolicy({
        id: 'zero-pinnable',
        base: 'v6.1',
        override: (base) => ({
          isLongtermPinnable: (k, st, folio) =>
            folio.kind === 'zero' || base.isLongtermPinnable(k, st, folio),
        }),
      }),
    ),
    policyFromModule(
      definePolicy({
        id: 'gup-throws-on-fork',
        base: 'v5.10',
        override: (base) => ({
          fork: (k, st, a) => {
            if (st.data.counters.pinsAcquired > 2) throw new Error('boom');
            return base.fork(k, st, a);
          },
        }),
      }),
    ),
  ];
}

/** A user module's policy (a `source`): watched by the guard in workers, never grouped. */
function userPolicy(): Policy {
  return policyFromModule(
    definePolicy({
      id: 'my-fix',
      base: 'v6.11',
      override: (base) => ({
        isLongtermPinnable: (k, st, folio) => folio.kind !== 'zero' && base.isLongtermPinnable(k, st, folio),
      }),
    }),
    '/nonexistent/my-fix.ts',
    'hash',
  );
}

async function both(path: string, policies: readonly Policy[]): Promise<LockstepSteps> {
  const steps: LockstepSteps = { alone: 0, stepped: 0, rollbacks: 0, copies: 0 };
  const opts = { outcomes: true, adapters: defaultAdapters };
  const grouped = await replayTrace(path, policies, { ...opts, lockstep: true, steps });
  const alone = await replayTrace(path, policies, opts);
  expect(grouped.error).toEqual(alone.error);
  expect(grouped.scenarios.length).toBe(alone.scenarios.length);
  for (let i = 0; i < alone.scenarios.length; i++) expect(grouped.scenarios[i]).toEqual(alone.scenarios[i]);
  return steps;
}

describe('grouped lockstep against every policy stepped alone', () => {
  const corpus = traceFiles('traces');
  let dir: string;
  const synthetic: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinbench-lockstep-'));
    for (const [seed, callHeavy] of [
      [1, false],
      [7, true],
      [23, true],
      [99, false],
    ] as const) {
      const path = join(dir, `synth-${seed}.trace`);
      const out = createWriteStream(path);
      await synthesize({ seed, sizeBytes: 192 * 1024, layout: 'trace-pipe', callHeavy }, async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      });
      out.end();
      await once(out, 'finish');
      synthetic.push(path);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the corpus and the real recordings', () => {
    expect(corpus.some((p) => p.includes('real'))).toBe(true);
    expect(corpus.length).toBeGreaterThan(12);
    expect(corpus.some((p) => !p.includes('/real/'))).toBe(true);
  });

  it('gives identical results on the shipped corpus (every policy) and real recordings (the releases)', async () => {
    const every = [...allPolicies(), ...oneSlotVariants(), userPolicy()];
    const released = [...releases(), ...oneSlotVariants(), userPolicy()];
    for (const path of corpus) await both(path, path.includes('/real/') ? released : every);
  }, 300_000);

  it('gives identical results on synthetic traces, and steps fewer calls than policies', async () => {
    const policies = [...releases(), ...oneSlotVariants(), userPolicy()];
    for (const path of synthetic) {
      const steps = await both(path, policies);
      expect(steps.alone).toBeGreaterThan(0);
      expect(steps.stepped).toBeLessThan(steps.alone);
    }
  }, 300_000);

  it('gives identical results for a single policy and for one policy and its variant', async () => {
    for (const path of synthetic.slice(0, 2)) {
      await both(path, [releases()[0]!]);
      await both(path, [allPolicies().find((p) => p.id === 'v6.1')!, oneSlotVariants()[0]!]);
    }
  }, 300_000);

  it('gives identical results on random synthetic traces with random sets of policies (property)', async () => {
    const pool = [...releases(), ...oneSlotVariants(), userPolicy()];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          callHeavy: fc.boolean(),
          gaps: fc.boolean(),
          layout: fc.constantFrom('trace-pipe' as const, 'tracefs' as const),
          scenarios: fc.integer({ min: 1, max: 6 }),
          picks: fc.uniqueArray(fc.integer({ min: 0, max: pool.length - 1 }), {
            minLength: 1,
            maxLength: pool.length,
          }),
        }),
        async ({ seed, callHeavy, gaps, layout, scenarios, picks }) => {
          const path = join(dir, `property-${n++}.trace`);
          const out = createWriteStream(path);
          await synthesize({ seed, scenarios, layout, gaps, callHeavy }, async (chunk) => {
            if (!out.write(chunk)) await once(out, 'drain');
          });
          out.end();
          await once(out, 'finish');
          await both(
            path,
            picks.map((i) => pool[i]!),
          );
          rmSync(path);
        },
      ),
      { numRuns: 12 },
    );
  }, 300_000);
});
