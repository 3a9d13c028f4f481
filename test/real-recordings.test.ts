/**
 * The shipped real recordings (traces/real/debian-<series>/, written by `pinbench record` on
 * Debian's kernels under qemu) replayed against the release model of each recording kernel:
 * every observed return is reproduced, except exactly the disagreements listed in
 * traces/real/known-disagreements.json (a new one fails, and so does a listed one that agrees now).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getPolicy } from '../policies/index.ts';
import { readScenarios } from '../src/analysis/read-scenarios.ts';
import {
  fidelity,
  findRecordings,
  readKnownDisagreements,
  releaseForRecording,
} from '../src/api/fidelity.ts';
import { main } from '../src/cli/main.ts';
import { defaultAdapters } from '../src/replay/adapters.ts';
import { replayTrace } from '../src/replay/replay-trace.ts';
import { captureIo } from './support/cli-io.ts';

const DIR = join('traces', 'real');
const recordings = findRecordings(DIR);

describe('real recordings against their release models', () => {
  it('ships recordings with sidecars', () => {
    expect(recordings.length).toBeGreaterThan(0);
  });

  it('reproduces every observed return except the known disagreements, which all still occur', async () => {
    const known = readKnownDisagreements(join(DIR, 'known-disagreements.json'));
    const r = await fidelity(recordings, known);
    expect(r.traces.filter((t) => t.error)).toEqual([]);
    expect(r.cells.length).toBeGreaterThan(0);
    const show = (c: { series: string; boot: string; scenario: string; seq: number; event: string }) =>
      `${c.series}/${c.boot} ${c.scenario} #${c.seq} ${c.event}`;
    expect(r.unexpected.map((c) => `${show(c)}: kernel ${c.observed}, ${c.release} ${c.model}`)).toEqual([]);
    expect(r.stale.map(show)).toEqual([]);
    expect(r.known.length).toBe(known.length);
  }, 120_000);

  it('lists no known disagreement: every shipped recording agrees with its model', async () => {
    expect(readKnownDisagreements(join(DIR, 'known-disagreements.json'))).toEqual([]);
    const r = await fidelity(recordings, []);
    expect(
      r.cells.filter((c) => !c.agree).map((c) => `${c.series}/${c.boot} ${c.scenario} #${c.seq}`),
    ).toEqual([]);
  }, 120_000);

  it('covers O_DIRECT, vmsplice and MADV_POPULATE on every kernel that can run them, and says why where not', async () => {
    const r = await fidelity(recordings, []);
    const series = [...new Set(r.traces.map((t) => t.series))].sort();
    const ran = (prefix: string) =>
      [...new Set(r.cells.filter((c) => c.scenario.startsWith(prefix)).map((c) => c.series))].sort();
    for (const api of ['odirect_read.', 'odirect_write.', 'vmsplice.']) expect(ran(api), api).toEqual(series);
    // Block O_DIRECT takes references (get_user_pages_fast) up to 6.4 and pins from 6.5.
    const dio = r.cells.filter((c) => c.scenario === 'odirect_read.anon');
    expect(new Set(dio.filter((c) => c.series === '5.10' || c.series === '6.1').map((c) => c.event))).toEqual(
      new Set(['get_user_pages_fast']),
    );
    expect(new Set(dio.filter((c) => c.series === '6.12' || c.series === '7.2').map((c) => c.event))).toEqual(
      new Set(['pin_user_pages_fast']),
    );
    // A read into a PROT_READ buffer fails in GUP with -EFAULT on every kernel.
    expect(
      new Set(r.cells.filter((c) => c.scenario === 'odirect_read.zero_ro').map((c) => c.observed)),
    ).toEqual(new Set([-14]));
    expect(ran('populate_')).toEqual(series.filter((s) => s !== '5.10'));
    const populate510 = r.skipped.filter((s) => s.series === '5.10' && s.scenario.startsWith('populate_'));
    expect(populate510.length).toBeGreaterThan(0);
    expect(populate510.every((s) => /5\.14/.test(s.reason))).toBe(true);
    // MADV_POPULATE_WRITE of a PROT_READ mapping: check_vma_flags() -> -EINVAL.
    expect(
      new Set(r.cells.filter((c) => c.scenario === 'populate_write.zero_ro').map((c) => c.observed)),
    ).toEqual(new Set([-22]));
  }, 120_000);

  it('covers /dev/mem pfnmaps through every API on every kernel, /proc/self/mem, and folio_walk_start from 6.12', async () => {
    const r = await fidelity(recordings, []);
    const series = [...new Set(r.traces.map((t) => t.series))].sort();
    const seen = (scenario: string) =>
      [...new Set(r.cells.filter((c) => c.scenario === scenario).map((c) => c.series))].sort();
    const observed = (scenario: string, event: string) =>
      new Set(r.cells.filter((c) => c.scenario === scenario && c.event === event).map((c) => c.observed));
    for (const api of ['io_uring', 'vfio_ro', 'vfio_rw', 'pvm_readv', 'odirect_read', 'vmsplice'])
      for (const map of ['devmem', 'devmem_private'])
        expect(seen(`${api}.${map}`), `${api}.${map}`).toEqual(series);
    // GUP refuses VM_IO|VM_PFNMAP (check_vma_flags()); vfio falls back to the reserved pfns, but
    // from 07956b6269d3 (in every recorded kernel) not for a WRITE map of read-only PTEs.
    expect(observed('io_uring.devmem', 'io_uring_register_buffers')).toEqual(new Set([-14]));
    expect(observed('vfio_rw.devmem', 'vfio_map_dma')).toEqual(new Set([0]));
    expect(observed('vfio_ro.devmem_private', 'vfio_map_dma')).toEqual(new Set([0]));
    expect(observed('vfio_rw.devmem_private', 'vfio_map_dma')).toEqual(new Set([-14]));
    // move_pages()'s status walk: NULL on a pfnmap (special PTEs), the zero page with FW_ZEROPAGE.
    const walked: string[] = series.filter((s) => s === '6.12' || s === '7.2');
    expect(seen('pagewalk.devmem')).toEqual(walked);
    expect(observed('pagewalk.devmem', 'folio_walk_start')).toEqual(new Set(['NULL']));
    expect(observed('pagewalk.zero_ro', 'folio_walk_start')).toEqual(new Set(['zero']));
    // /proc/self/mem: FOLL_FORCE breaks COW of a PROT_READ private page where the config forces
    // (5.10.262, 6.1.192, 6.12.118); 7.2.13 forces only for a tracer, so its write is refused.
    for (const s of series) {
      const write = r.cells.filter((c) => c.scenario === 'procmem_write.zero_ro' && c.series === s);
      expect(new Set(write.map((c) => c.observed)), s).toEqual(new Set([s === '7.2' ? -14 : 1]));
    }
    expect(observed('procmem_read.devmem', 'get_user_pages_remote')).toEqual(new Set([-14]));
    const early = r.skipped.filter((s) => s.scenario === 'pagewalk.anon');
    expect(early.map((s) => s.series).sort()).toEqual(
      series.filter((s) => !walked.includes(s)).flatMap((s) => [s, s]),
    );
    expect(early.every((s) => /6\.12/.test(s.reason))).toBe(true);
  }, 120_000);

  it('compares refcount effects beside the returns: small-page pins are +1024 in kernel and model', async () => {
    const r = await fidelity(recordings, []);
    const refcount = r.cells.flatMap((c) =>
      (c.effects ?? []).filter((e) => e.what === 'refcount').map((e) => ({ c, e })),
    );
    expect(refcount.length).toBeGreaterThan(0);
    expect(refcount.filter(({ e }) => e.kernel !== e.model)).toEqual([]);
    const pvm = refcount.find(({ c }) => c.scenario === 'pvm_writev.anon' && c.series === '6.12');
    expect(pvm?.e).toEqual({ what: 'refcount', kernel: 1024, model: 1024 });
  }, 120_000);

  it('records each kernel with the exact package version and a release model of that series', async () => {
    const r = await fidelity(recordings, []);
    for (const t of r.traces) {
      expect(t.packages).toMatch(/^linux-(image|binary)-\S+ \S+/);
      expect(t.release).toMatch(/^v\d+\.\d+/);
      expect(t.kernel.startsWith(t.series)).toBe(true);
    }
    // A package whose upstream version has a stable id replays with it (5.10.262-1, 6.1.192-3,
    // 6.12.118-1); the others with their vX.Y mainline release.
    const bySeries = Object.fromEntries(r.traces.map((t) => [t.series, t.release]));
    expect(bySeries).toEqual({ '5.10': 'v5.10.262', '6.1': 'v6.1.192', '6.12': 'v6.12.118', '7.2': 'v7.2' });
  }, 120_000);

  it('picks the stable id of the package upstream version, else the release of the series', () => {
    expect(releaseForRecording('5.10.0-46-amd64', ['5.10.262-1'])).toBe('v5.10.262');
    expect(releaseForRecording('6.1.0-57-amd64', ['6.1.192-3'])).toBe('v6.1.192');
    expect(releaseForRecording('6.1.0-40-amd64', ['6.1.158-1'])).toBe('v6.1');
    expect(releaseForRecording('6.12.118+deb13-amd64', ['6.12.118-1'])).toBe('v6.12.118');
    expect(releaseForRecording('6.12.0-30-amd64', ['6.12.41-1'])).toBe('v6.12');
    // A package of another series never names the stable id.
    expect(releaseForRecording('6.1.0-57-amd64', ['5.10.262-1'])).toBe('v6.1');
    expect(releaseForRecording('6.1.0-57-amd64', [])).toBe('v6.1');
  });
});

describe("replay's own fidelity records: the release model pinbench fidelity uses", () => {
  const REC = join(DIR, 'debian-5.10', 'plain.trace.gz');
  const fidelityRecords = async (file: string, ids: string[]) => {
    const r = await replayTrace(file, ids.map(getPolicy), { outcomes: false, adapters: defaultAdapters });
    expect(r.error).toBeUndefined();
    return r.scenarios
      .flatMap((s) => s.fidelity)
      .map((f) => `${f.scenario} #${f.seq} ${f.policy} ${f.ret}/${f.observed}`);
  };

  it('a Debian 5.10.262 recording is compared with v5.10.262 (its io_uring backport), not with mainline v5.10', async () => {
    // The trace's `pinbench: recording ... packages="linux-image-...=5.10.262-1"` marker names the
    // stable release: mainline v5.10 refuses shmem buffers (-95) where the kernel registered them,
    // and that is no finding about the model of this kernel.
    expect(await fidelityRecords(REC, ['v5.10', 'v5.10.262'])).toEqual([]);
    const read = await readScenarios(REC, { adapters: true });
    expect(read.scenarios[0]!.recording?.packages).toEqual([
      { pkg: 'linux-image-5.10.0-46-amd64', version: '5.10.262-1' },
    ]);
  }, 60_000);

  it('without the marker (and no sidecar) the same calls compare with the mainline release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-no-marker-'));
    try {
      const text = gunzipSync(readFileSync(REC)).toString('utf8');
      const file = join(dir, 'plain.trace');
      writeFileSync(file, text.replace(/^.*pinbench: recording .*\n/m, ''));
      expect(await fidelityRecords(file, ['v5.10'])).toEqual([
        'io_uring.memfd #0 v5.10 -95/0',
        'io_uring.memfd #1 v5.10 -6/0',
        'io_uring.shm #0 v5.10 -95/0',
        'io_uring.shm #1 v5.10 -6/0',
        // Mainline v5.10 predates 07956b6269d3 (v5.12), which 5.10.262 backports: it maps a
        // read-only pfnmap entry READ|WRITE where the kernel refused it.
        'vfio_rw.devmem_private #0 v5.10 0/-14',
      ]);
      // pinbench fidelity reads the packages from the marker when there is no sidecar.
      const withMarker = join(dir, 'marker.trace');
      writeFileSync(withMarker, text);
      const r = await fidelity([withMarker], []);
      expect(r.traces.map((t) => t.release)).toEqual(['v5.10.262']);
      expect(r.unexpected).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('pinbench fidelity (CLI)', () => {
  it('prints the matrix of the shipped recordings and exits 0 when only known disagreements remain', async () => {
    const c = captureIo();
    expect(await main(['fidelity'], c.io)).toBe(0);
    expect(c.out()).toMatch(/^fidelity: \d+ recordings, \d+ calls with the kernel's return/);
    expect(c.out()).toContain('io_uring.zero_ro io_uring_register_buffers');
    expect(c.out()).not.toContain('NEW disagreements');
  }, 120_000);

  it('exits 1 when a listed disagreement no longer occurs (the list is stale)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-fid-'));
    try {
      const stale = [
        {
          series: '6.12',
          boot: 'plain',
          scenario: 'io_uring.anon',
          seq: 0,
          event: 'io_uring_register_buffers',
          observed: 0,
          model: -14,
          release: 'v6.12',
          why: 'test',
          source: [],
        },
      ];
      writeFileSync(join(dir, 'known.json'), JSON.stringify(stale));
      const c = captureIo();
      const trace = join(DIR, 'debian-6.12', 'plain.trace.gz');
      expect(await main(['fidelity', '--json', '--known', join(dir, 'known.json'), trace], c.io)).toBe(1);
      const r = JSON.parse(c.out()) as { stale: unknown[]; cells: { agree: boolean }[] };
      expect(r.stale).toHaveLength(1);
      expect(r.cells.every((x) => x.agree)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
