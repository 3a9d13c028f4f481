/**
 * The io_uring case adapter on the real recordings (traces/real/, byte-for-byte copies of
 * spec/real-traces/): records come from the real lines through the ingest stage, go through the
 * adapter and then through the event stream, exactly as the replay does.
 */
import { describe, expect, it } from 'vitest';
import { parseFields } from '../../ingest/fields.ts';
import { ingestSource } from '../../ingest/index.ts';
import type { EventRecord, TraceRecord } from '../../ingest/trace-record.ts';
import { recordingInfo } from '../../replay/adapters.ts';
import { type AdaptedEvent, EventStream, type Scenario } from '../event-stream.ts';
import type { CallEvent, PageEvent, PteEvent, VmaEvent } from '../events.ts';
import { decodeGupFlags, formatGupFlags } from '../flags.ts';
import { parseKernelVersion } from '../kernel-version.ts';
import {
  createIoUringCasesAdapter,
  type IoUringCase,
  type MountEntry,
  mappingVma,
  pageFromMarker,
} from './io-uring-cases.ts';

const KPROBE = 'traces/real/kprobe-6.1/default.kprobe.trace';
const T18 = 'traces/real/tracefs-6.18';
const DEFAULT_18 = `${T18}/a_default_io_uring_mmap_kmem.trace`;
const NO_FLAGS_18 = `${T18}/c_irq_info_off.trace`;
const MARKERS_18 = `${T18}/f_trace_marker_only.trace`;
const PIPE_18 = `${T18}/i1_overflow_trace_pipe.txt`;
const TRACECMD_18 = `${T18}/tracecmd_extract_io_uring_mmap.report.txt`;

interface Adapted {
  /** What the adapter returned, with the record each came from (null = passed through). */
  emitted: { rec: EventRecord; event: AdaptedEvent }[];
  passedThrough: number;
  scenarios: Scenario[];
  cases: readonly IoUringCase[];
  inputLines: Map<number, string>;
}

/** Reads a real trace through ingest -> adapter -> event stream. */
async function adapt(file: string): Promise<Adapted> {
  const info = recordingInfo(file);
  const adapter = createIoUringCasesAdapter({ recordingKernel: info.kernel, mounts: info.mounts });
  const stream = new EventStream(file);
  const out: Adapted = { emitted: [], passedThrough: 0, scenarios: [], cases: [], inputLines: new Map() };
  const feed = (r: TraceRecord, ev?: AdaptedEvent) => {
    const done = stream.push(r, ev);
    if (done) out.scenarios.push(done);
  };
  await ingestSource(file, {
    onRecord: (rec) => {
      if (rec.kind !== 'event') return feed(rec);
      out.inputLines.set(rec.line, rec.text);
      const got = adapter.push(rec);
      if (got === null) {
        out.passedThrough++;
        feed(rec);
        return;
      }
      for (const event of got) {
        out.emitted.push({ rec, event });
        feed(rec, event);
      }
    },
  });
  for (const { rec, event } of adapter.end()) feed(rec, event);
  const last = stream.end();
  if (last) out.scenarios.push(last);
  out.cases = adapter.cases();
  return out;
}

const cache = new Map<string, Promise<Adapted>>();
function adapted(file: string): Promise<Adapted> {
  let p = cache.get(file);
  if (!p) {
    p = adapt(file);
    cache.set(file, p);
  }
  return p;
}

function scenario(a: Adapted, name: string): Scenario {
  const s = a.scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name} (have ${a.scenarios.map((x) => x.name).join(', ')})`);
  return s;
}

function vmaOf(s: Scenario): VmaEvent {
  const v = s.events.find((e): e is VmaEvent => e.type === 'vma');
  if (!v) throw new Error(`scenario ${s.name} declares no VMA`);
  return v;
}

function calls(s: Scenario): CallEvent[] {
  return s.events.filter((e): e is CallEvent => e.type === 'call');
}

const CASES_18 = [
  'zero_ro',
  'zero_rw',
  'anon_written',
  'memfd_shared',
  'file_shared',
  'file_private',
  'shm_file',
  'thp',
];
const CASES_61 = [
  'zero_ro',
  'zero_rw',
  'anon_written',
  'memfd_shared',
  'file_shared',
  'file_private',
  'shm_file',
  'hugetlb',
  'thp',
  'file_shared.ramfs',
  'file_private.ramfs',
];

describe('io_uring case adapter: scenarios', () => {
  it.each([
    [KPROBE, CASES_61],
    [DEFAULT_18, CASES_18],
    [NO_FLAGS_18, ['zero_ro', 'zero_rw', 'file_shared', 'file_private']],
    [MARKERS_18, CASES_18],
    [TRACECMD_18, CASES_18],
    [PIPE_18, []],
  ])('%s: one scenario per case block', async (file, names) => {
    const a = await adapted(file);
    expect(a.scenarios.map((s) => s.name)).toEqual(names);
    for (const s of a.scenarios) expect(s.error).toBeUndefined();
    // the title is the program's mapping text
    if (names.length > 0)
      expect(scenario(a, 'zero_ro').title).toContain('MAP_PRIVATE|MAP_ANONYMOUS PROT_READ,');
  });

  it('emits one pinbench_config first, with the recording kernel and the zero pfn', async () => {
    const configOf = (a: Adapted) =>
      a.emitted.flatMap(({ event }) => (event.type === 'config' ? [event.config] : []));
    const k = await adapted(KPROBE);
    expect(configOf(k)).toEqual([{ kernel: '6.1', zero_pfn: 0x3310 }]);
    expect(k.emitted[0]!.event.type).toBe('config');
    expect(scenario(k, 'zero_ro').config).toMatchObject({ kernel: '6.1', zero_pfn: 0x3310 });
    expect(configOf(await adapted(MARKERS_18))).toEqual([{ kernel: '6.18', zero_pfn: 0x3b34 }]);
  });

  it('typed events sit at the line they were read from, with its text', async () => {
    const a = await adapted(DEFAULT_18);
    expect(a.emitted.length).toBeGreaterThan(0);
    for (const s of a.scenarios)
      for (const e of s.events) {
        expect(a.inputLines.get(e.line)).toBe(e.text);
        if (e.type === 'call' && e.observed) expect(a.inputLines.has(e.observed.line)).toBe(true);
      }
    const call = calls(scenario(a, 'zero_ro'))[0]!;
    expect(call.text).toContain('step=register_call op=IORING_REGISTER_BUFFERS(0)');
  });

  it('leaves every other record alone, and traces without case markers entirely', async () => {
    const a = await adapted(KPROBE);
    // kprobes, tracepoints, page allocator events and untranslated markers pass through
    expect(a.passedThrough).toBeGreaterThan(4900);
    const adapter = createIoUringCasesAdapter({ recordingKernel: '6.18' });
    let touched = 0;
    await ingestSource('traces/11-io-uring-fixed-buffers.trace', {
      onRecord: (rec) => {
        if (rec.kind === 'event' && adapter.push(rec) !== null) touched++;
      },
    });
    expect(touched).toBe(0);
    expect(adapter.cases()).toEqual([]);
  });
});

describe('io_uring case adapter: VMAs', () => {
  it('zero_ro is a private anonymous PROT_READ mapping', async () => {
    for (const file of [KPROBE, DEFAULT_18]) {
      const v = vmaOf(scenario(await adapted(file), 'zero_ro'));
      expect([...v.flags].sort()).toEqual(['VM_MAYEXEC', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_READ']);
      expect(v.backing).toBe('anon');
      expect(v.end - v.start).toBe(16384);
    }
  });

  it('zero_rw and anon_written are private writable (charged) anonymous mappings', async () => {
    const v = vmaOf(scenario(await adapted(DEFAULT_18), 'anon_written'));
    expect([...v.flags].sort()).toEqual(
      ['VM_ACCOUNT', 'VM_MAYEXEC', 'VM_MAYREAD', 'VM_MAYWRITE', 'VM_READ', 'VM_WRITE'].sort(),
    );
  });

  it('6.1 file cases: ext4 and ramfs from the guest mounts, /tmp on the tmpfs rootfs, memfd shmem', async () => {
    const k = await adapted(KPROBE);
    const ext4 = vmaOf(scenario(k, 'file_shared'));
    expect(ext4).toMatchObject({ backing: 'file', fs: 'ext4', ops: ['page_mkwrite'] });
    expect(ext4.flags.has('VM_SHARED') && ext4.flags.has('VM_MAYSHARE') && ext4.flags.has('VM_WRITE')).toBe(
      true,
    );
    const ext4Private = vmaOf(scenario(k, 'file_private'));
    expect(ext4Private).toMatchObject({ backing: 'file', fs: 'ext4' });
    expect(ext4Private.flags.has('VM_SHARED')).toBe(false);
    expect(vmaOf(scenario(k, 'file_shared.ramfs'))).toMatchObject({ backing: 'file', fs: 'ramfs' });
    expect(vmaOf(scenario(k, 'file_private.ramfs'))).toMatchObject({ backing: 'file', fs: 'ramfs' });
    expect(vmaOf(scenario(k, 'shm_file'))).toMatchObject({ backing: 'shmem', fs: 'tmpfs', ops: [] });
    expect(vmaOf(scenario(k, 'memfd_shared'))).toMatchObject({ backing: 'shmem', fs: 'tmpfs' });
    const huge = vmaOf(scenario(k, 'hugetlb'));
    expect(huge).toMatchObject({ backing: 'hugetlb', fs: 'hugetlbfs' });
    expect(huge.flags.has('VM_HUGETLB')).toBe(true);
    expect(huge.end - huge.start).toBe(0x200000);
    const thp = vmaOf(scenario(k, 'thp'));
    expect(thp.backing).toBe('anon');
    expect(thp.flags.has('VM_HUGEPAGE') && thp.flags.has('VM_WRITE')).toBe(true);
  });

  it('6.18 file cases: /dev/shm is tmpfs, a /tmp file with no mount table has an unknown filesystem', async () => {
    const t = await adapted(DEFAULT_18);
    expect(vmaOf(scenario(t, 'shm_file'))).toMatchObject({ backing: 'shmem', fs: 'tmpfs' });
    const file = vmaOf(scenario(t, 'file_shared'));
    expect(file.backing).toBe('file');
    expect(file.fs).toBeUndefined();
  });

  it('mappingVma: a noexec mount drops VM_MAYEXEC; a plain rootfs is ramfs', () => {
    const mounts: MountEntry[] = [
      { mountPoint: '/', fsType: 'rootfs', options: ['rw'] },
      { mountPoint: '/mnt/x', fsType: 'ext4', options: ['rw', 'noexec'] },
    ];
    const x = mappingVma('file_shared', 'file /mnt/x/f MAP_SHARED PROT_READ|PROT_WRITE, written', mounts);
    expect(x.flags).not.toContain('VM_MAYEXEC');
    expect(x.fs).toBe('ext4');
    expect(mappingVma('file_shared', 'file /tmp/f MAP_SHARED PROT_READ, written', mounts).fs).toBe('ramfs');
  });
});

describe('io_uring case adapter: pages and entries', () => {
  it('zero-page entries are special read-only PTEs of pfn=zero; the zero page itself is not a new page', async () => {
    const s = scenario(await adapted(KPROBE), 'zero_ro');
    const ptes = s.events.filter((e): e is PteEvent => e.type === 'pte');
    expect(ptes).toHaveLength(4);
    for (const p of ptes) expect(p).toMatchObject({ pfn: 'zero', special: true, write: false, level: 'pte' });
    const pages = s.events.filter((e): e is PageEvent => e.type === 'page');
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ pfn: 'zero', kind: 'zero', zone: 'DMA32', isolatable: false });
  });

  it('written anon pages: mapcount from kpagecount, refcount +1 for the LRU-add batch, writable PTEs', async () => {
    const s = scenario(await adapted(KPROBE), 'anon_written');
    const pages = s.events.filter((e): e is PageEvent => e.type === 'page');
    expect(pages.map((p) => p.pfn)).toEqual([0x760a, 0x69f5, 0x69ff, 0x69a9]);
    for (const p of pages) {
      expect(p).toMatchObject({ kind: 'anon', zone: 'DMA32', mapcount: 1, refcount: 2 });
      expect(p.flags).toContain('exclusive');
    }
    for (const e of s.events.filter((x): x is PteEvent => x.type === 'pte'))
      expect(e).toMatchObject({ special: false, write: true, dirty: true });
  });

  it('page kinds from kpageflags: ext4 file (private data), tmpfs/memfd shmem, ramfs file', async () => {
    const k = await adapted(KPROBE);
    const first = (name: string) => scenario(k, name).events.find((e): e is PageEvent => e.type === 'page')!;
    expect(first('file_shared')).toMatchObject({ kind: 'file', refcount: 4 });
    expect(first('file_private')).toMatchObject({ kind: 'file', refcount: 3, flags: ['lru', 'dirty'] });
    expect(first('shm_file')).toMatchObject({ kind: 'shmem', refcount: 3 });
    expect(first('memfd_shared')).toMatchObject({ kind: 'shmem', refcount: 3 });
    expect(first('file_shared.ramfs')).toMatchObject({ kind: 'file', refcount: 3 });
    // read-faulted private file pages are mapped read-only
    for (const e of scenario(k, 'file_private').events.filter((x): x is PteEvent => x.type === 'pte'))
      expect(e.write).toBe(false);
  });

  it('THP and hugetlb: one order-9 folio mapped by a PMD; the described tail page adds nothing', async () => {
    const k = await adapted(KPROBE);
    for (const [name, kind, head] of [
      ['thp', 'thp', 0x8c00],
      ['hugetlb', 'hugetlb', 0x7400],
    ] as const) {
      const s = scenario(k, name);
      const pages = s.events.filter((e): e is PageEvent => e.type === 'page');
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({ pfn: head, nr: 512, order: 9, kind, refcount: 1, mapcount: 1 });
      const ptes = s.events.filter((e): e is PteEvent => e.type === 'pte');
      expect(ptes).toHaveLength(1);
      expect(ptes[0]).toMatchObject({ pfn: head, level: 'pmd', write: true });
    }
  });

  it('pageFromMarker reads a real 6.18 marker line (Normal zone, tail of a THP)', () => {
    const line =
      'case=thp step=before_register page=1 addr=0x7f4413001000 present=1 pfn=0x16fe01 excl=1 file_or_shared=0 kpagecount=1 kpageflags=0x400415828(uptodate|lru|mmap|anon|compound_tail|thp|swapbacked|mappedtodisk/anon_exclusive)';
    const vma = mappingVma('thp', 'MAP_PRIVATE|MAP_ANONYMOUS 2MiB-aligned + MADV_HUGEPAGE, written');
    const p = pageFromMarker(parseFields(line), vma, 0x3b34)!;
    expect(p).toMatchObject({ pfn: 0x16fe00, kind: 'thp', order: 9, zone: 'Normal', tail: true });
    expect(p.entry).toMatchObject({ addr: 0x7f4413000000, level: 'pmd' });
    expect(
      pageFromMarker(parseFields('case=x step=before_register page=0 addr=0x1000 present=0'), vma, null),
    ).toBe(null);
  });
});

describe('io_uring case adapter: calls and observed returns', () => {
  const expected18: Record<string, number> = {
    zero_ro: -14,
    zero_rw: 0,
    anon_written: 0,
    memfd_shared: 0,
    file_shared: -14,
    file_private: 0,
    shm_file: 0,
    thp: 0,
  };
  const expected61: Record<string, number> = {
    zero_ro: -14,
    zero_rw: 0,
    anon_written: 0,
    memfd_shared: 0,
    file_shared: -95,
    file_private: -95,
    shm_file: 0,
    hugetlb: 0,
    thp: 0,
    'file_shared.ramfs': -95,
    'file_private.ramfs': -95,
  };

  it.each([
    [KPROBE, expected61, 'tracepoint'],
    [DEFAULT_18, expected18, 'tracepoint'],
    [NO_FLAGS_18, expected18, 'tracepoint'],
    [TRACECMD_18, expected18, 'tracepoint'],
    // markers only: the program's `step=register_return ret=-1 errno=14(EFAULT)` gives -14
    [MARKERS_18, expected18, 'marker'],
  ] as const)('%s: register returns what the kernel returned', async (file, expected, source) => {
    const a = await adapted(file);
    for (const s of a.scenarios) {
      const [register, ...rest] = calls(s);
      expect(register?.name, s.name).toBe('io_uring_register_buffers');
      expect(register!.args).toMatchObject({ kind: 'io_uring', mm: 1 });
      expect(register!.observed?.ret, s.name).toBe(expected[s.name]);
      // a successful registration is unregistered (opcode 1), which the kernel also reports
      if (expected[s.name] === 0) {
        expect(rest.map((c) => [c.name, c.observed?.ret])).toEqual([['io_uring_unregister_buffers', 0]]);
      } else expect(rest).toEqual([]);
    }
    for (const c of a.cases) {
      expect(c.register?.source, c.scenario).toBe(source);
      expect(c.register?.ret).toBe(expected[c.scenario]);
    }
  });

  it('the register call carries the buffer of the register_call marker', async () => {
    const s = scenario(await adapted(KPROBE), 'thp');
    expect(calls(s)[0]!.args).toEqual({ kind: 'io_uring', mm: 1, addr: 0x7f8cb9800000, len: 2097152 });
  });
});

describe('io_uring case adapter: the 6.1 kprobe trail', () => {
  const v61 = parseKernelVersion('6.1');

  it('gup_flags are raw hex in the 6.1 numbering: io_uring passes WRITE|LONGTERM, pin_user_pages adds PIN', async () => {
    expect(formatGupFlags(decodeGupFlags(0x10001, v61).flags)).toBe('FOLL_WRITE|FOLL_LONGTERM');
    expect(formatGupFlags(decodeGupFlags(0x50001, v61).flags)).toBe('FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN');
    expect(decodeGupFlags(0x50001, v61).unknownBits).toBe(0);
    // decoded with the renumbered (6.3+) values the same word would mean something else
    expect(formatGupFlags(decodeGupFlags(0x50001, parseKernelVersion('6.18')).flags)).toBe(
      'FOLL_WRITE|FOLL_TOUCH|FOLL_REMOTE',
    );
    const k = await adapted(KPROBE);
    for (const c of k.cases) {
      expect(
        c.evidence.gup.map((g) => [g.fn, g.rawFlags, g.flags]),
        c.scenario,
      ).toEqual([
        ['pin_user_pages', 0x10001, 'FOLL_WRITE|FOLL_LONGTERM'],
        ['__gup_longterm_locked', 0x50001, 'FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN'],
        ['__get_user_pages', 0x50001, 'FOLL_WRITE|FOLL_LONGTERM|FOLL_PIN'],
      ]);
    }
  });

  it("kretprobes pair with their entries per task, across [unknown/kretprobe'd] callers", async () => {
    const k = await adapted(KPROBE);
    const zeroRo = k.cases.find((c) => c.scenario === 'zero_ro')!;
    expect(zeroRo.evidence.gup.map((g) => g.ret)).toEqual([-14, -14, -14]);
    expect(zeroRo.evidence.checkVmaFlags).toEqual([-14]);
    expect(zeroRo.evidence.grabs).toEqual([]);
    const thp = k.cases.find((c) => c.scenario === 'thp')!;
    expect(thp.evidence.gup.map((g) => g.ret)).toEqual([512, 512, 512]);
  });

  it('the pages the kernel grabbed are the declared ones, with the declared refcount', async () => {
    const k = await adapted(KPROBE);
    for (const name of ['anon_written', 'memfd_shared', 'file_shared', 'shm_file', 'file_shared.ramfs']) {
      const c = k.cases.find((x) => x.scenario === name)!;
      expect(c.evidence.vmemmapBase).toBe(0xffd4000000000000n);
      expect(c.evidence.cowCopies).toBe(0);
      expect(c.evidence.grabs.map((g) => g.pfn)).toEqual(c.pages.map((p) => p.pfn));
      expect(
        c.evidence.grabs.map((g) => g.refcount),
        name,
      ).toEqual(c.pages.map((p) => p.refcount));
    }
  });

  it('COW cases pin fresh pages made by wp_page_copy, not the declared ones', async () => {
    const k = await adapted(KPROBE);
    for (const name of ['zero_rw', 'file_private', 'file_private.ramfs']) {
      const c = k.cases.find((x) => x.scenario === name)!;
      expect(c.evidence.cowCopies, name).toBe(4);
      const declared = new Set(c.pages.map((p) => p.pfn));
      for (const g of c.evidence.grabs) {
        expect(declared.has(g.pfn!)).toBe(false);
        expect(g.refcount).toBe(2); // a fresh anon page: its mapping + the LRU-add batch
      }
    }
  });

  it('THP: try_grab_page 512 times on the head; hugetlb: one try_grab_folio with refs=512', async () => {
    const k = await adapted(KPROBE);
    const thp = k.cases.find((c) => c.scenario === 'thp')!;
    expect(thp.evidence.grabs).toHaveLength(512);
    expect(new Set(thp.evidence.grabs.map((g) => g.pfn))).toEqual(new Set([0x8c00]));
    expect(thp.evidence.grabs.map((g) => g.refcount).slice(0, 3)).toEqual([1, 2, 3]);
    const huge = k.cases.find((c) => c.scenario === 'hugetlb')!;
    expect(huge.evidence.grabs).toEqual([
      expect.objectContaining({ fn: 'try_grab_folio', pfn: 0x7400, refs: 512, refcount: 1 }),
    ]);
  });

  it('io_uring refuses ext4 and ramfs buffers after pinning and unpins them (-95)', async () => {
    const k = await adapted(KPROBE);
    for (const name of ['file_shared', 'file_shared.ramfs']) {
      const c = k.cases.find((x) => x.scenario === name)!;
      expect(c.evidence.gup[0]!.ret).toBe(4);
      expect(c.evidence.unpins).toEqual([expect.objectContaining({ pfn: c.pages[0]!.pfn, npages: 4 })]);
    }
  });
});
