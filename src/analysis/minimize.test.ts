/**
 * Minimisation on the shipped corpus: every scenario's first root divergence, in the trace as
 * shipped and in a copy with irrelevant events added to each scenario (a page, a VMA and a PTE
 * in a memory map nothing else uses, a call on it, and other tasks' records). The slice of the
 * noisy copy keeps none of the noise and is no larger than the scenario without it; minimising a
 * slice again removes nothing (1-minimal); the slice reads back as a valid trace that diverges
 * the same way.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releases } from '../../policies/index.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { main } from '../cli/main.ts';
import { findCorpusFiles } from '../ingest/index.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import type { DivergenceRecord } from '../replay/results.ts';
import { ddmin } from './ddmin.ts';
import { minimize } from './minimize.ts';

const NOISE_MARK = /mm=977|pfn=0xfff000|noise-4242/;

/** After every pinbench_scenario line, irrelevant events with the scenario line's own prefix and form. */
function addNoise(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    out.push(line);
    const m = /^(.*?): (tracing_mark_write: pinbench: )?pinbench_scenario[: ]/.exec(line);
    if (!m) continue;
    const event = (name: string, fields: string): string =>
      m[2] ? `${m[1]}: ${m[2]}${name} ${fields}` : `${m[1]}: ${name}: ${fields}`;
    out.push(
      event('pinbench_page', 'pfn=0xfff000 zone=Normal mt=Movable kind=anon refcount=1 flags=lru'),
      '      noise-4242    [000] d..2.  1.000000: sched_switch: prev_comm=noise prev_pid=4242 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
      event(
        'pinbench_vma',
        'mm=977 start=0x100000000 end=0x100002000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon',
      ),
      event('pinbench_pte', 'mm=977 addr=0x100000000 pfn=0xfff000 level=pte special=0 write=1'),
      event('get_user_pages', 'mm=977 start=0x100000000 nr_pages=1 gup_flags=FOLL_WRITE'),
    );
  }
  return out.join('\n');
}

async function firstRootDivergences(file: string): Promise<DivergenceRecord[]> {
  const r = await replayTrace(file, releases(), { outcomes: false, adapters: defaultAdapters });
  return r.scenarios.flatMap((s) => s.divergences.filter((d) => d.root).slice(0, 1));
}

describe('ddmin', () => {
  it('finds a 1-minimal subset and keeps order', async () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // Interesting while 3 and 7 are both in, in order.
    const calls: number[][] = [];
    const got = await ddmin(items, (xs) => {
      calls.push([...xs]);
      return xs.includes(3) && xs.includes(7) && xs.indexOf(3) < xs.indexOf(7);
    });
    expect(got).toEqual([3, 7]);
    expect(new Set(calls.map((c) => c.join())).size).toBe(calls.length);
    expect(await ddmin(items, () => true)).toEqual([]);
    expect(await ddmin([1], (xs) => xs.length === 1)).toEqual([1]);
  });
});

describe('minimize', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-minimize-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shrinks every shipped scenario, with and without noise, to the same-size 1-minimal slice', async () => {
    // The scenario corpus; the real recordings have a test of their own below.
    const files = (await findCorpusFiles('traces')).filter((f) => !f.includes('/real/'));
    let cases = 0;
    let noisyCases = 0;
    for (const file of files) {
      const noisy = join(dir, file.replace(/.*\//, 'noisy-'));
      await writeFile(noisy, addNoise(await readFile(file, 'utf8')));
      const noisyDivergences = await firstRootDivergences(noisy);
      for (const d of await firstRootDivergences(file)) {
        const label = `${file} ${d.scenario} line ${d.line}`;
        const plain = await minimize(file, { policies: releases(), divergence: d.signature });
        expect(plain.events.after, label).toBeLessThanOrEqual(plain.events.before);
        // The same call in the noisy copy: the same text (the noise shifts lines and signatures).
        const twin = noisyDivergences.find((x) => x.scenario === d.scenario && x.text === d.text);
        if (twin) {
          const small = await minimize(noisy, { policies: releases(), divergence: twin.signature });
          expect(small.events.before, label).toBe(plain.events.before + 4);
          expect(small.text, label).not.toMatch(NOISE_MARK);
          expect(small.events.after, label).toBeLessThanOrEqual(plain.events.before);
          noisyCases++;
        }
        // 1-minimal: the slice, minimised again, loses nothing.
        const slice = join(dir, 'slice.trace');
        await writeFile(slice, plain.text);
        const again = await minimize(slice, { policies: releases(), divergence: plain.newSignature });
        expect(again.events.removed, label).toBe(0);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(10);
    expect(noisyCases).toBe(cases);
  }, 120_000);

  it('minimises divergences of the real recordings (kprobes, trace-cmd report) into slices that read back', async () => {
    for (const file of [
      'traces/real/kprobe-6.1/default.kprobe.trace',
      'traces/real/tracefs-6.18/tracecmd_extract_io_uring_mmap.report.txt',
    ]) {
      const [d] = await firstRootDivergences(file);
      const r = await minimize(file, { policies: releases(), divergence: d!.signature });
      expect(r.events.removed, file).toBeGreaterThan(0);
      // Written elsewhere (no sidecar, no telling directory), the slice still diverges the same way.
      const slice = join(dir, 'real-slice.trace');
      await writeFile(slice, r.text);
      const back = await replayTrace(slice, releases(), { outcomes: false, adapters: defaultAdapters });
      expect(back.error, file).toBeUndefined();
      expect(
        back.scenarios.flatMap((s) => s.divergences).some((x) => x.text === d!.text),
        file,
      ).toBe(true);
    }
    // A register call the io_uring-cases adapter makes only once its pages' markers are read: the
    // in-memory slice drops markers it needs, so ddmin runs again on slices read back from bytes.
    const kprobe = 'traces/real/kprobe-6.1/default.kprobe.trace';
    const r = await replayTrace(kprobe, releases(), { outcomes: false, adapters: defaultAdapters });
    const shared = r.scenarios.find((s) => s.scenario === 'file_shared')!.divergences[0]!;
    const m = await minimize(kprobe, { policies: releases(), divergence: shared.signature });
    expect(m.events.after).toBeLessThan(m.events.before);
    expect(m.text).toContain(shared.text);
  });

  it('keeps final.* expectations only while every verdict stays as it was', async () => {
    const sig = async (file: string, scenario: string, seq: number): Promise<string> => {
      const r = await replayTrace(file, releases(), { outcomes: false });
      return r.scenarios.find((s) => s.scenario === scenario)!.divergences.find((d) => d.seq === seq)!
        .signature;
    };
    // The unmap divergence keeps the map before it: the end state is the same, the finals stay.
    const unmap = await minimize('traces/01-vfio-zero-ro.trace', {
      policies: releases(),
      divergence: await sig('traces/01-vfio-zero-ro.trace', 'vfio-zero-ro', 1),
    });
    expect(unmap.verdictsKept).toBe(true);
    expect(unmap.text).toContain('final.leaks=0');
    // The memfd pin's slice drops the unpin after it: "no leaks at the end" would no longer hold.
    const pin = await minimize('traces/05-cow-ro-longterm.trace', {
      policies: releases(),
      divergence: await sig('traces/05-cow-ro-longterm.trace', 'cow-ro-pin-memfd', 0),
    });
    expect(pin.verdictsKept).toBe(false);
    expect(pin.text).not.toContain('final.');
    expect(pin.text).toContain('pinbench_expect ret=1 page0=new');
  });

  it('pinbench minimize writes the slice with -o and says what it removed', async () => {
    const r = await replayTrace('traces/01-vfio-zero-ro.trace', releases(), { outcomes: false });
    const d = r.scenarios.find((s) => s.scenario === 'vfio-zero-ro-hang')!.divergences[0]!;
    const c = captureIo({ cwd: dir });
    const small = join(dir, 'small.trace');
    const trace = join(process.cwd(), 'traces/01-vfio-zero-ro.trace');
    expect(
      await main(['minimize', trace, '--divergence', d.signature.slice(0, 10), '-o', 'small.trace'], c.io),
    ).toBe(0);
    expect(c.out()).toMatch(
      /^vfio-zero-ro-hang: removed \d+ of 8 declarations and calls \(\d+ kept\) in \d+ replays/,
    );
    const text = await readFile(join(dir, 'small.trace'), 'utf8');
    expect(text).toContain('pinbench_scenario: name=vfio-zero-ro-hang');
    expect(text).toContain('vfio_map_dma:');
    expect(text).toContain('pinbench_expect: ret=0 ret!=livelock');
    // The slice is a trace pinbench replays with the same expectations failing where they did.
    const back = captureIo({ cwd: dir });
    expect(await main(['replay', small, '--policy', 'v5.19-rc1', '--policy', 'v5.19'], back.io)).toBe(0);

    const bad = captureIo({ cwd: dir });
    expect(await main(['minimize', trace, '--divergence', 'ffffffff'], bad.io)).toBe(2);
    expect(bad.err()).toMatch(/no divergence of .* has this signature/);
    const none = captureIo({ cwd: dir });
    expect(await main(['minimize', trace], none.io)).toBe(2);
    expect(none.err()).toMatch(/--divergence ID is required/);
  });
});
