/**
 * The real recordings end to end: every trace under traces/real/ replayed through `replayTrace`
 * with the default adapters against the policies of the two recording kernels. A release must
 * reproduce every return the kernel of its own release observed (the `observed` column): v6.1 on
 * the kprobe-6.1 recording, v6.18 on the tracefs-6.18 recordings. The counts are printed per
 * trace and per release (N/N reproduced), also for the other release, for information.
 */
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPolicy } from '../policies/index.ts';
import { findCorpusFiles, ingestSource } from '../src/ingest/index.ts';
import { adaptedFeed, EventStream, type Scenario } from '../src/model/event-stream.ts';
import type { CallEvent } from '../src/model/events.ts';
import { defaultAdapters, recordingInfo } from '../src/replay/adapters.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';

// The `pinbench record` recordings (traces/real/debian-*/) have their own test, against the release
// model of each recording kernel: test/real-recordings.test.ts.
const files = (await findCorpusFiles('traces/real')).filter((f) => !/[/\\]debian-[^/\\]+[/\\]/.test(f));
const RELEASES = ['v6.1', 'v6.18'] as const;
const policies = RELEASES.map((id) => getPolicy(id));

interface ObservedCall {
  scenario: string;
  seq: number;
  line: number;
  event: string;
  ret: number | string;
}

/** The calls of a trace that carry what the kernel returned, read with the same adapters. */
async function observedCalls(file: string): Promise<ObservedCall[]> {
  const adapters = defaultAdapters(file);
  const stream = new EventStream(file);
  const scenarios: Scenario[] = [];
  const adapted = adaptedFeed(adapters, (r, ev) => {
    const s = stream.push(r, ev);
    if (s) scenarios.push(s);
  });
  await ingestSource(file, { onRecord: (rec) => adapted.push(rec) });
  adapted.end();
  const last = stream.end();
  if (last) scenarios.push(last);
  return scenarios.flatMap((s) =>
    s.events
      .filter((e): e is CallEvent => e.type === 'call' && e.observed !== undefined)
      .map((e) => ({ scenario: s.name, seq: e.seq, line: e.line, event: e.name, ret: e.observed!.ret })),
  );
}

interface FileRun {
  file: string;
  /** The recording kernel (`6.1`), or null. */
  recording: string | null;
  observed: ObservedCall[];
  result: Awaited<ReturnType<typeof replayTrace>>;
  /** Per release: observed returns it reproduces, and the calls where it differs from the kernel. */
  byRelease: Map<string, { reproduced: number; mismatches: string[] }>;
}

const runs = new Map<string, Promise<FileRun>>();

/** Replays one recording once (shared by the per-file tests and the totals). */
function run(file: string): Promise<FileRun> {
  let p = runs.get(file);
  if (!p) {
    p = (async () => {
      const observed = await observedCalls(file);
      const result = await replayTrace(file, policies, { outcomes: true, adapters: defaultAdapters });
      const got = new Map<string, number | string>();
      for (const s of result.scenarios)
        for (const o of s.outcomes) got.set(`${o.policy}\0${s.scenario}\0${o.seq}`, o.ret);
      const byRelease = new Map<string, { reproduced: number; mismatches: string[] }>();
      for (const id of RELEASES) {
        const t = { reproduced: 0, mismatches: [] as string[] };
        for (const c of observed) {
          const ret = got.get(`${id}\0${c.scenario}\0${c.seq}`);
          if (ret === c.ret) t.reproduced++;
          else
            t.mismatches.push(
              `${c.scenario}#${c.seq} line ${c.line} ${c.event}: kernel ${c.ret}, ${id} ${ret}`,
            );
        }
        byRelease.set(id, t);
      }
      return { file, recording: recordingInfo(file).kernel, observed, result, byRelease };
    })();
    runs.set(file, p);
  }
  return p;
}

describe('real recordings replayed with the default adapters', () => {
  it('finds the six recordings (sidecars are not traces)', () => {
    expect(files.map((f) => `${basename(dirname(f))}/${basename(f)}`)).toEqual([
      'kprobe-6.1/default.kprobe.trace',
      'tracefs-6.18/a_default_io_uring_mmap_kmem.trace',
      'tracefs-6.18/c_irq_info_off.trace',
      'tracefs-6.18/f_trace_marker_only.trace',
      'tracefs-6.18/i1_overflow_trace_pipe.txt',
      'tracefs-6.18/tracecmd_extract_io_uring_mmap.report.txt',
    ]);
  });

  it('knows the recording kernel: 6.1 from the guest-info sidecar, 6.18 from the directory name', () => {
    expect(recordingInfo('traces/real/kprobe-6.1/default.kprobe.trace')).toMatchObject({
      kernel: '6.1',
      from: 'guest-info',
    });
    expect(recordingInfo('traces/real/kprobe-6.1/default.kprobe.trace').mounts).toContainEqual({
      mountPoint: '/mnt/ext4',
      fsType: 'ext4',
      options: ['rw', 'relatime'],
    });
    expect(recordingInfo('traces/real/tracefs-6.18/c_irq_info_off.trace')).toMatchObject({
      kernel: '6.18',
      from: 'directory',
      mounts: [],
    });
    expect(recordingInfo('traces/01-vfio-zero-ro.trace')).toMatchObject({ kernel: null, from: null });
    expect(recordingInfo('https://example.org/tracefs-6.18/x.trace').kernel).toBeNull();
  });

  for (const file of files) {
    const recording = recordingInfo(file).kernel;
    const own = recording ? `v${recording}` : null;

    it(`${file}: the ${own ?? '(unknown)'} policy reproduces every return the kernel observed`, async () => {
      const { observed, result, byRelease } = await run(file);
      expect(result.error).toBeUndefined();
      for (const s of result.scenarios) {
        for (const v of s.verdicts)
          expect(v.verdict, `${s.scenario} ${v.policy}: ${v.reason ?? ''}`).not.toBe('error');
      }
      // Every call of these recordings carries the kernel's return.
      expect(observed.length).toBe(result.events.calls);
      const lines = RELEASES.map((id) => {
        const t = byRelease.get(id)!;
        return `  ${id}: ${t.reproduced}/${observed.length}${id === own ? ' (recording kernel)' : ''}`;
      });
      console.log(`${file}: ${observed.length} observed call(s)\n${lines.join('\n')}`);
      if (own) {
        expect(byRelease.get(own)?.mismatches, `${own} must reproduce the ${recording} kernel`).toEqual([]);
        // the replay's own fidelity check (recording release vs observed) agrees
        expect(result.scenarios.flatMap((s) => s.fidelity)).toEqual([]);
      }
    });
  }

  it('totals: v6.1 reproduces 17/17 returns of the 6.1 recording, v6.18 48/48 of the 6.18 ones', async () => {
    const totals = new Map<string, { reproduced: number; observed: number; mismatches: string[] }>();
    for (const r of await Promise.all(files.map(run))) {
      for (const id of RELEASES) {
        const key = `${id} on ${r.recording ?? 'unknown'} recordings`;
        const t = totals.get(key) ?? { reproduced: 0, observed: 0, mismatches: [] };
        const mine = r.byRelease.get(id)!;
        t.reproduced += mine.reproduced;
        t.observed += r.observed.length;
        t.mismatches.push(...mine.mismatches.map((m) => `${basename(r.file)}: ${m}`));
        totals.set(key, t);
      }
    }
    const out = [...totals].map(([k, t]) => `${k}: ${t.reproduced}/${t.observed}`);
    console.log(`real recordings, observed returns reproduced:\n  ${out.join('\n  ')}`);
    for (const [k, t] of totals) {
      if (t.mismatches.length > 0)
        console.log(`${k} differs from the kernel:\n  ${t.mismatches.join('\n  ')}`);
    }
    expect(totals.get('v6.1 on 6.1 recordings')).toMatchObject({ reproduced: 17, observed: 17 });
    expect(totals.get('v6.18 on 6.18 recordings')).toMatchObject({ reproduced: 48, observed: 48 });
  });
});
