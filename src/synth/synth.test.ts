/**
 * The synthesizer and, through it, the engine's invariants over random scenarios:
 * - the same seed and options give the same bytes, different seeds differ, sized output streams;
 * - every synthesized trace ingests with no skipped line and parses with no event error, in all
 *   three layouts, and the layouts carry the same model events;
 * - 200 seeds x 3 scenarios replayed against every release: no policy throws (a throw is a bug in
 *   the policy: the failure names the seed and the stack), lockstep replay equals replaying each
 *   policy alone, and divergence signatures are the same on a second run. No particular verdict
 *   is asserted: the expectations the synthesizer writes may fail anywhere.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releases } from '../../policies/index.ts';
import { tokenizeBytes } from '../ingest/index.ts';
import type { TokenizeSummary } from '../ingest/trace-tokenizer.ts';
import { applyDeclaration, callPolicy } from '../model/dispatch.ts';
import { EventStream, type Scenario } from '../model/event-stream.ts';
import { DEFAULT_CONFIG, type ModelEvent } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { State } from '../model/state.ts';
import { traceIdentity } from '../replay/divergence-identity.ts';
import { OBSERVED, replayScenario, type ScenarioResult } from '../replay/replay-scenario.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { type SynthLayout, type SynthOptions, synthesize, synthesizeText } from './index.ts';
import { Prng } from './prng.ts';

const LAYOUTS: SynthLayout[] = ['tracefs', 'trace-pipe', 'trace-cmd'];
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Parsed {
  summary: TokenizeSummary;
  scenarios: Scenario[];
  errors: string[];
  calls: number;
}

/** Ingest + EventStream, the way replayTrace reads a trace, keeping every scenario. */
function parse(text: string, file = 'synth.trace'): Parsed {
  const stream = new EventStream(file);
  const scenarios: Scenario[] = [];
  const errors: string[] = [];
  const summary = tokenizeBytes(Buffer.from(text, 'utf8'), {
    file,
    onRecord: (r) => {
      try {
        const done = stream.push(r);
        if (done) scenarios.push(done);
      } catch (e) {
        errors.push((e as Error).message);
        stream.markError((e as Error).message);
      }
    },
  });
  const last = stream.end();
  if (last) scenarios.push(last);
  return { summary, scenarios, errors, calls: stream.stats.calls };
}

/** A model event without where it was written (line numbers and text differ between layouts). */
function bare(ev: ModelEvent): unknown {
  const { line: _l, text: _t, ...rest } = ev as ModelEvent & { context?: unknown };
  delete (rest as { context?: unknown }).context;
  if (rest.type === 'call' && rest.observed) rest.observed = { ...rest.observed, line: 0 };
  if (rest.type === 'expect') rest.assertions = rest.assertions.map((a) => ({ ...a, col: 0 }));
  return JSON.parse(JSON.stringify(rest, (_k, v) => (v instanceof Set ? [...v].sort() : v)));
}

describe('prng', () => {
  it('is a fixed sequence per seed (integer arithmetic only)', () => {
    const r = new Prng(42);
    const first = Array.from({ length: 5 }, () => r.next());
    const again = new Prng(42);
    expect(Array.from({ length: 5 }, () => again.next())).toEqual(first);
    expect(new Prng(43).next()).not.toBe(first[0]);
    // Pinned values: a change here changes every synthesized trace.
    expect(first).toEqual([3398404915, 1005869237, 3374281156, 3607449440, 1027529781]);
    const big = new Prng(2 ** 40 + 7);
    expect(big.next()).not.toBe(new Prng(7).next());
    for (let i = 0; i < 1000; i++) {
      const v = r.int(10);
      expect(v >= 0 && v < 10 && Number.isInteger(v)).toBe(true);
    }
  });
});

describe('synthesize', () => {
  it('gives byte-identical output for the same seed and options, and different output for another seed', async () => {
    for (const layout of LAYOUTS) {
      for (const gaps of [false, true]) {
        const opts: SynthOptions = { seed: 12345, scenarios: 4, layout, gaps };
        const a = await synthesizeText(opts);
        const b = await synthesizeText(opts);
        expect(b.text).toBe(a.text);
        expect(b.stats).toEqual(a.stats);
        const c = await synthesizeText({ ...opts, seed: 12346 });
        expect(c.text).not.toBe(a.text);
      }
    }
    const heavy: SynthOptions = {
      seed: 9,
      sizeBytes: 200_000,
      layout: 'tracefs',
      callHeavy: true,
      gaps: true,
    };
    expect((await synthesizeText(heavy)).text).toBe((await synthesizeText(heavy)).text);
  });

  it('writes the same bytes on every machine (a pinned digest of one trace per layout)', async () => {
    // If the synthesizer is changed on purpose, print the new digests and update them here.
    const digests: Record<string, string> = {};
    for (const layout of LAYOUTS)
      digests[layout] = sha((await synthesizeText({ seed: 1, scenarios: 3, layout, gaps: true })).text).slice(
        0,
        16,
      );
    expect(digests).toEqual(PINNED_DIGESTS);
  });

  it('streams sized output in bounded chunks and reaches the size', async () => {
    let max = 0;
    let total = 0;
    let chunks = 0;
    const stats = await synthesize(
      { seed: 3, sizeBytes: 4 * 1024 * 1024, layout: 'trace-pipe', callHeavy: true },
      async (chunk) => {
        max = Math.max(max, chunk.length);
        total += chunk.length;
        chunks++;
        await Promise.resolve();
      },
    );
    expect(total).toBe(stats.bytes);
    expect(total).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(total).toBeLessThan(4 * 1024 * 1024 + 512 * 1024);
    expect(chunks).toBeGreaterThan(10);
    expect(max).toBeLessThan(512 * 1024);
  });

  it('call-heavy traces are at least half call events, as ingest and the event stream count them', async () => {
    for (const layout of LAYOUTS) {
      const { text, stats } = await synthesizeText({
        seed: 77,
        sizeBytes: 1 << 20,
        layout,
        callHeavy: true,
        gaps: true,
      });
      const p = parse(text);
      expect(p.errors).toEqual([]);
      expect(p.calls).toBe(stats.calls);
      expect(p.calls / p.summary.lines).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('every trace ingests with no skipped line and parses with no event error in all three layouts, which carry the same events', async () => {
    for (let seed = 0; seed < 60; seed++) {
      const gaps = seed % 2 === 0;
      let reference: unknown[] | undefined;
      for (const layout of LAYOUTS) {
        const { text, stats } = await synthesizeText({ seed, scenarios: 3, layout, gaps });
        const p = parse(text);
        const where = `seed ${seed} ${layout}${gaps ? ' --gaps' : ''}`;
        expect(p.summary.skipped, where).toEqual({});
        expect(p.errors, where).toEqual([]);
        expect(p.summary.layout, where).toBe(layout === 'trace-cmd' ? 'trace-cmd-report' : layout);
        expect(
          {
            lines: p.summary.lines,
            records: p.summary.records,
            headers: p.summary.headers,
            integrity: p.summary.integrity,
          },
          where,
        ).toEqual({
          lines: stats.lines,
          records: stats.records,
          headers: stats.headers,
          integrity: stats.integrity,
        });
        expect(
          p.scenarios.map((s) => s.name),
          where,
        ).toEqual([`synth-${seed}-0`, `synth-${seed}-1`, `synth-${seed}-2`]);
        expect(p.calls, where).toBe(stats.calls);
        if (!gaps) expect(p.summary.integrityEvents, where).toEqual([]);
        const events = p.scenarios.flatMap((s) => s.events.map(bare));
        if (reference === undefined) reference = events;
        else expect(events, where).toEqual(reference);
      }
    }
  });

  it('draws from every family of the vocabulary', async () => {
    const seen = new Set<string>();
    const values = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const p = parse((await synthesizeText({ seed, scenarios: 3, layout: 'trace-pipe' })).text);
      for (const s of p.scenarios) {
        for (const ev of s.events) {
          seen.add(ev.type === 'call' ? ev.name : ev.type);
          if (s.name.startsWith('synth-')) seen.add('scenario');
          if (ev.type === 'page') values.add(`kind=${ev.kind}`).add(`zone=${ev.zone}`).add(`mt=${ev.mt}`);
          if (ev.type === 'vma') {
            values.add(`backing=${ev.backing}`).add(`fs=${ev.fs}`);
            for (const f of ['VM_IO', 'VM_PFNMAP', 'VM_MIXEDMAP', 'VM_HUGETLB', 'VM_SHARED'])
              if (ev.flags.has(f as never)) values.add(f);
          }
          if (ev.type === 'pte') values.add(`level=${ev.level}`);
          if (ev.type === 'call' && ev.args.kind === 'gup') {
            values.add(`locked=${ev.args.locked}`);
            if (ev.args.rawFlags !== undefined) values.add('raw-flags');
          }
          if (ev.type === 'call' && ev.observed) values.add('observed');
        }
      }
    }
    const calls = [
      'get_user_pages',
      'get_user_pages_fast',
      'get_user_pages_remote',
      'pin_user_pages',
      'pin_user_pages_fast',
      'pin_user_pages_remote',
      'pin_user_pages_unlocked',
      'unpin_user_page',
      'unpin_user_pages',
      'unpin_user_pages_dirty_lock',
      'put_page',
      'vfio_map_dma',
      'vfio_unmap_dma',
      'io_uring_register_buffers',
      'io_uring_unregister_buffers',
      'vm_insert_page',
      'vm_insert_pages',
      'vm_map_pages',
      'vmf_insert_mixed',
      'vmf_insert_mixed_mkwrite',
      'vmf_insert_pfn',
      'remap_pfn_range',
      'vm_normal_page',
      'vm_normal_page_pmd',
      'vm_normal_page_pud',
      'folio_walk_start',
      'munmap',
      'fork',
    ];
    for (const c of [...calls, 'config', 'scenario', 'page', 'vma', 'pte', 'expect'])
      expect(seen, c).toContain(c);
    for (const v of [
      'kind=zero',
      'kind=anon',
      'kind=file',
      'kind=shmem',
      'kind=thp',
      'kind=hugetlb',
      'kind=fsdax',
      'kind=mmio',
      'kind=driver',
      'kind=device_private',
      'zone=Movable',
      'zone=Device',
      'mt=CMA',
      'mt=Isolate',
      'backing=fsdax',
      'backing=pfnmap',
      'backing=mixedmap',
      'backing=hugetlb',
      'backing=secretmem',
      'fs=ext4',
      'fs=tmpfs',
      'fs=ramfs',
      'VM_IO',
      'VM_PFNMAP',
      'VM_MIXEDMAP',
      'VM_HUGETLB',
      'level=pmd',
      'level=pud',
      'locked=null',
      'locked=0',
      'locked=1',
      'raw-flags',
      'observed',
    ])
      expect(values, v).toContain(v);
  });
});

/** Replays `sc` against `p` alone with no try/catch, to get the stack of a policy that throws. */
function throwStack(sc: Scenario, p: Policy): string {
  const st = new State({ ...DEFAULT_CONFIG, ...sc.config });
  try {
    for (const ev of sc.events) {
      if (ev.type === 'call') callPolicy(p.ops, st, ev);
      else applyDeclaration(st, ev);
    }
  } catch (e) {
    return (e as Error).stack ?? String(e);
  }
  return '(did not throw when replayed alone)';
}

function byPolicy(r: ScenarioResult, id: string): string {
  const pick = <T extends { policy: string }>(xs: T[]): T[] => xs.filter((x) => x.policy === id);
  return JSON.stringify([pick(r.outcomes), pick(r.finals), pick(r.verdicts), pick(r.fidelity)]);
}

describe('engine invariants over random scenarios (200 seeds x 3 scenarios, every release)', () => {
  const all = releases();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-synth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const SEEDS = 200;
  const PER_TEST = 50;
  for (let from = 0; from < SEEDS; from += PER_TEST) {
    it(`seeds ${from}..${from + PER_TEST - 1}: no policy throws; lockstep = alone; signatures stable`, async () => {
      const crashes: string[] = [];
      let divergences = 0;
      for (let seed = from; seed < from + PER_TEST; seed++) {
        const layout = LAYOUTS[seed % 3]!;
        const { text } = await synthesizeText({ seed, scenarios: 3, layout, gaps: seed % 4 === 0 });
        const p = parse(text, `synth-${seed}.trace`);
        expect(p.errors).toEqual([]);
        for (const sc of p.scenarios) {
          const opts = { trace: traceIdentity(`synth-${seed}.trace`), outcomes: true };
          const together = replayScenario(sc, all, opts);
          for (const v of together.verdicts) {
            if (v.verdict !== 'error') continue;
            const policy = all.find((x) => x.id === v.policy)!;
            crashes.push(
              `seed ${seed} (${layout}) scenario ${sc.name}: ${v.reason}\n${throwStack(sc, policy)}`,
            );
          }
          for (const policy of all) {
            const alone = replayScenario(sc, [policy], opts);
            expect(byPolicy(alone, policy.id), `seed ${seed} ${sc.name} ${policy.id}`).toBe(
              byPolicy(together, policy.id),
            );
          }
          const again = replayScenario(sc, all, opts);
          expect(again.divergences.map((d) => d.signature)).toEqual(
            together.divergences.map((d) => d.signature),
          );
          expect(JSON.stringify(again)).toBe(JSON.stringify(together));
          // The identity does not depend on which policies hold the classes: one policy per class
          // gives the first divergence the same signature.
          const first = together.divergences[0];
          if (first) {
            const ids = new Set(first.classes.map((c) => c.policies.find((x) => x !== OBSERVED)));
            const fewer = replayScenario(
              sc,
              all.filter((x) => ids.has(x.id)),
              opts,
            ).divergences.find((d) => d.seq === first.seq);
            expect(fewer?.signature, `seed ${seed} ${sc.name} #${first.seq}`).toBe(first.signature);
          }
          divergences += together.divergences.length;
        }
        if (seed % 10 === 0) {
          // The file path gives the same verdicts as the scenarios replayed one by one.
          const file = join(dir, `synth-${seed}.trace`);
          await writeFile(file, text);
          const a = await replayTrace(file, all, { outcomes: true });
          const b = await replayTrace(file, all, { outcomes: true });
          expect(a.ingest.skipped).toEqual({});
          const sigs = (r: typeof a) => r.scenarios.flatMap((s) => s.divergences.map((d) => d.signature));
          expect(sigs(b)).toEqual(sigs(a));
          expect(a.scenarios.map((s) => s.verdicts.map((v) => v.verdict))).toEqual(
            p.scenarios.map((sc) =>
              replayScenario(sc, all, { trace: traceIdentity(file), outcomes: false }).verdicts.map(
                (v) => v.verdict,
              ),
            ),
          );
        }
      }
      expect(crashes, `policies threw:\n${crashes.join('\n\n')}`).toEqual([]);
      expect(divergences).toBeGreaterThan(0);
    });
  }
});

const PINNED_DIGESTS: Record<string, string> = {
  tracefs: '6b0624a3b35841f2',
  'trace-pipe': '49cc70339e63af1d',
  'trace-cmd': '6918bb3f89d55eb9',
};
