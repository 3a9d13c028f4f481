/**
 * The adapter path: an adapter's typed events are exactly what its records used to become as
 * vocabulary text parsed again, and an error in one names the recording's file, line, column and
 * field. OLD_TEXT is what the io_uring case adapter emitted as vocabulary records for TRACE (lines
 * of traces/real/tracefs-6.18/a_default_io_uring_mmap_kmem.trace) when it still emitted text:
 * parsed by the event stream, it must give the very scenarios the typed path gives.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPinbenchError } from '../../errors.ts';
import { parseFields } from '../../ingest/fields.ts';
import { ingestSource } from '../../ingest/index.ts';
import type { EventRecord, TraceRecord } from '../../ingest/trace-record.ts';
import { type AdaptedEvent, adaptedFeed, EventStream, type Scenario } from '../event-stream.ts';
import { createIoUringCasesAdapter } from './io-uring-cases.ts';
import { createPinbenchRecordingAdapter, parseRecordingPackages } from './pinbench-recording.ts';

const TRACE = [
  '# tracer: nop',
  '#',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
  '        pinbench-18642   [000] ...1.  1211.302160: tracing_mark_write: pinbench: case=zero_ro begin mapping="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only (zero page)" addr=0x7f4413571000 len=16384 described_pages=4 zero_pfn=0x3b34',
  '        pinbench-18642   [000] ...1.  1211.302165: tracing_mark_write: pinbench: case=zero_ro step=before_register page=0 addr=0x7f4413571000 present=1 pfn=0x3b34(=zero_pfn) excl=0 file_or_shared=0 kpagecount=0 kpageflags=0x101000000(zero_page|reserved)',
  '        pinbench-18642   [000] ...1.  1211.302170: tracing_mark_write: pinbench: case=zero_ro step=before_register page=1 addr=0x7f4413572000 present=1 pfn=0x3b34(=zero_pfn) excl=0 file_or_shared=0 kpagecount=0 kpageflags=0x101000000(zero_page|reserved)',
  '        pinbench-18642   [000] ...1.  1211.302180: tracing_mark_write: pinbench: case=zero_ro step=register_call op=IORING_REGISTER_BUFFERS(0) addr=0x7f4413571000 len=16384',
  '        pinbench-18642   [000] .....  1211.302186: io_uring_register: ring 00000000ced5d5ce, opcode 0, nr_user_files 0, nr_user_bufs 0, ret -14',
  '        pinbench-18642   [000] ...1.  1211.302188: tracing_mark_write: pinbench: case=zero_ro step=register_return ret=-1 errno=14(EFAULT)',
  '        pinbench-18642   [000] ...1.  1211.302217: tracing_mark_write: pinbench: case=zero_ro end',
  '        pinbench-18642   [000] ...1.  1211.302451: tracing_mark_write: pinbench: case=anon_written begin mapping="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ|PROT_WRITE, written" addr=0x7f4413571000 len=16384 described_pages=4 zero_pfn=0x3b34',
  '        pinbench-18642   [000] ...1.  1211.302456: tracing_mark_write: pinbench: case=anon_written step=before_register page=0 addr=0x7f4413571000 present=1 pfn=0x16250c excl=1 file_or_shared=0 kpagecount=1 kpageflags=0x400005808(uptodate|mmap|anon|swapbacked|mappedtodisk/anon_exclusive)',
  '        pinbench-18642   [000] ...1.  1211.302460: tracing_mark_write: pinbench: case=anon_written step=before_register page=1 addr=0x7f4413572000 present=1 pfn=0x13e98e excl=1 file_or_shared=0 kpagecount=1 kpageflags=0x400005808(uptodate|mmap|anon|swapbacked|mappedtodisk/anon_exclusive)',
  '        pinbench-18642   [000] ...1.  1211.302469: tracing_mark_write: pinbench: case=anon_written step=register_call op=IORING_REGISTER_BUFFERS(0) addr=0x7f4413571000 len=16384',
  '        pinbench-18642   [000] .....  1211.302472: io_uring_register: ring 00000000ced5d5ce, opcode 0, nr_user_files 0, nr_user_bufs 1, ret 0',
  '        pinbench-18642   [000] ...1.  1211.302473: tracing_mark_write: pinbench: case=anon_written step=register_return ret=0 errno=0(OK)',
  '        pinbench-18642   [000] .....  1211.302510: io_uring_register: ring 00000000ced5d5ce, opcode 1, nr_user_files 0, nr_user_bufs 0, ret 0',
  '        pinbench-18642   [000] ...1.  1211.302511: tracing_mark_write: pinbench: case=anon_written step=unregister ret=0 errno=0',
  '        pinbench-18642   [000] ...1.  1211.302512: tracing_mark_write: pinbench: case=anon_written end',
  '        pinbench-18642   [000] ...1.  1211.309673: tracing_mark_write: pinbench: case=thp begin mapping="MAP_PRIVATE|MAP_ANONYMOUS 2MiB-aligned + MADV_HUGEPAGE, written" addr=0x7f4413000000 len=2097152 described_pages=2 zero_pfn=0x3b34',
  '        pinbench-18642   [000] ...1.  1211.309680: tracing_mark_write: pinbench: case=thp step=before_register page=0 addr=0x7f4413000000 present=1 pfn=0x16fe00 excl=1 file_or_shared=0 kpagecount=1 kpageflags=0x40040d828(uptodate|lru|mmap|anon|compound_head|thp|swapbacked|mappedtodisk/anon_exclusive)',
  '        pinbench-18642   [000] ...1.  1211.309685: tracing_mark_write: pinbench: case=thp step=before_register page=1 addr=0x7f4413001000 present=1 pfn=0x16fe01 excl=1 file_or_shared=0 kpagecount=1 kpageflags=0x400415828(uptodate|lru|mmap|anon|compound_tail|thp|swapbacked|mappedtodisk/anon_exclusive)',
  '        pinbench-18642   [000] ...1.  1211.309686: tracing_mark_write: pinbench: case=thp step=register_call op=IORING_REGISTER_BUFFERS(0) addr=0x7f4413000000 len=2097152',
  '        pinbench-18642   [000] ...1.  1211.309698: tracing_mark_write: pinbench: case=thp step=register_return ret=0 errno=0(OK)',
  '        pinbench-18642   [000] ...1.  1211.309726: tracing_mark_write: pinbench: case=thp end',
];

/** [line, event, payload]: the vocabulary records the adapter made of TRACE's lines. */
const OLD_TEXT: [number, string, string][] = [
  [5, 'pinbench_config', 'kernel=6.18 zero_pfn=0x3b34'],
  [
    5,
    'pinbench_scenario',
    'name=zero_ro title="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ, read-faulted only (zero page)"',
  ],
  [
    5,
    'pinbench_vma',
    'mm=1 start=0x7f4413571000 end=0x7f4413575000 flags=VM_READ|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC backing=anon',
  ],
  [6, 'pinbench_page', 'pfn=zero zone=DMA32 kind=zero flags=reserved isolatable=0 migrate=fail'],
  [6, 'pinbench_pte', 'mm=1 addr=0x7f4413571000 pfn=zero level=pte special=1 write=0 dirty=0'],
  [7, 'pinbench_pte', 'mm=1 addr=0x7f4413572000 pfn=zero level=pte special=1 write=0 dirty=0'],
  [8, 'io_uring_register_buffers', 'mm=1 addr=0x7f4413571000 len=16384'],
  [9, 'io_uring_register_buffers_ret', 'ret=-14'],
  [
    12,
    'pinbench_scenario',
    'name=anon_written title="MAP_PRIVATE|MAP_ANONYMOUS PROT_READ|PROT_WRITE, written"',
  ],
  [
    12,
    'pinbench_vma',
    'mm=1 start=0x7f4413571000 end=0x7f4413575000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT backing=anon',
  ],
  [
    13,
    'pinbench_page',
    'pfn=0x16250c nr=1 zone=Normal kind=anon refcount=2 mapcount=1 flags=exclusive,swapbacked isolatable=1',
  ],
  [13, 'pinbench_pte', 'mm=1 addr=0x7f4413571000 pfn=0x16250c level=pte special=0 write=1 dirty=1'],
  [
    14,
    'pinbench_page',
    'pfn=0x13e98e nr=1 zone=Normal kind=anon refcount=2 mapcount=1 flags=exclusive,swapbacked isolatable=1',
  ],
  [14, 'pinbench_pte', 'mm=1 addr=0x7f4413572000 pfn=0x13e98e level=pte special=0 write=1 dirty=1'],
  [15, 'io_uring_register_buffers', 'mm=1 addr=0x7f4413571000 len=16384'],
  [16, 'io_uring_register_buffers_ret', 'ret=0'],
  [18, 'io_uring_unregister_buffers', 'mm=1 ret=0'],
  [
    21,
    'pinbench_scenario',
    'name=thp title="MAP_PRIVATE|MAP_ANONYMOUS 2MiB-aligned + MADV_HUGEPAGE, written"',
  ],
  [
    21,
    'pinbench_vma',
    'mm=1 start=0x7f4413000000 end=0x7f4413200000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT|VM_HUGEPAGE backing=anon',
  ],
  [
    22,
    'pinbench_page',
    'pfn=0x16fe00 nr=512 zone=Normal kind=thp refcount=1 mapcount=1 order=9 flags=lru,exclusive,swapbacked isolatable=1',
  ],
  [22, 'pinbench_pte', 'mm=1 addr=0x7f4413000000 pfn=0x16fe00 level=pmd special=0 write=1 dirty=1'],
  [24, 'io_uring_register_buffers', 'mm=1 addr=0x7f4413000000 len=2097152'],
  [25, 'io_uring_register_buffers_ret', 'ret=0'],
];

const dir = mkdtempSync(join(tmpdir(), 'pinbench-adapted-'));
function traceFile(name: string, lines: readonly string[]): string {
  const f = join(dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

type Push = (rec: TraceRecord, ev?: AdaptedEvent) => void;

interface Read {
  scenarios: Scenario[];
  stream: EventStream;
  errors: unknown[];
}

/** ingest -> `route` -> event stream, bad fields marking their scenario as replay does. */
async function read(
  file: string,
  route: (push: Push) => { push(rec: TraceRecord): void; end(): void },
): Promise<Read> {
  const stream = new EventStream(file);
  const out: Read = { scenarios: [], stream, errors: [] };
  const r = route((rec, ev) => {
    try {
      const done = stream.push(rec, ev);
      if (done) out.scenarios.push(done);
    } catch (e) {
      if (!isPinbenchError(e)) throw e;
      out.errors.push(e);
      stream.markError(e.message);
    }
  });
  await ingestSource(file, { onRecord: (rec) => r.push(rec) });
  r.end();
  const last = stream.end();
  if (last) out.scenarios.push(last);
  return out;
}

const typed = (file: string): Promise<Read> =>
  read(file, (push) => adaptedFeed([createIoUringCasesAdapter({ recordingKernel: '6.18' })], push));

/** The old path: each adapted line replaced by its vocabulary records, parsed by the stream. */
const asText = (file: string): Promise<Read> =>
  read(file, (push) => ({
    push(rec) {
      const old = rec.kind === 'event' ? OLD_TEXT.filter(([l]) => l === rec.line) : [];
      if (rec.kind !== 'event' || old.length === 0) return push(rec);
      for (const [, event, payload] of old) push({ ...rec, event, payload, fields: parseFields(payload) });
    },
    end() {},
  }));

const REC: EventRecord = {
  kind: 'event',
  line: 3,
  task: 't',
  pid: 1,
  cpu: 0,
  ts: { clock: 'ns', value: 1n, text: '0.000000001' },
  event: 'tracing_mark_write',
  payload: 'pinbench: x',
  fields: {},
  payloadCol: 40,
  text: 'x',
};

describe('adapters emit typed model events', () => {
  it('the typed events of a recording equal what its vocabulary text parsed to', async () => {
    const file = traceFile('a.trace', TRACE);
    const t = await typed(file);
    const v = await asText(file);
    expect(t.errors).toEqual([]);
    expect(t.scenarios.map((s) => s.name)).toEqual(['zero_ro', 'anon_written', 'thp']);
    expect(t.scenarios).toStrictEqual(v.scenarios);
    expect(t.stream.stats).toStrictEqual(v.stream.stats);
    // The kernel's tracepoint, the program's marker (no tracepoint for thp here), the unregister
    // marker's own ret.
    const observed = t.scenarios.flatMap((s) =>
      s.events.flatMap((e) => (e.type === 'call' ? [[e.name, e.observed?.ret, e.observed?.line]] : [])),
    );
    expect(observed).toEqual([
      ['io_uring_register_buffers', -14, 9],
      ['io_uring_register_buffers', 0, 16],
      ['io_uring_unregister_buffers', 0, 18],
      ['io_uring_register_buffers', 0, 25],
    ]);
  });

  it('an event no vocabulary line could hold names the file, line, column and field', async () => {
    // A 1 GiB hugetlb folio: order 18, so 262144 pages on one line, more than limits.ts allows.
    const begin = TRACE[4]!.replace(
      /case=zero_ro begin mapping="[^"]*"/,
      'case=huge begin mapping="MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB 1GiB, written"',
    );
    const page = TRACE[5]!
      .replace('case=zero_ro', 'case=huge')
      .replace(/pfn=\S+/, 'pfn=0x140000')
      .replace(/kpagecount=\d+ kpageflags=\S+/, 'kpagecount=1 kpageflags=0x28000(compound_head|huge)');
    const file = traceFile('huge.trace', [...TRACE.slice(0, 4), begin, page]);
    const col = page.indexOf(' pfn=') + 2;
    const message = `${file}:6:${col}: pinbench_page: nr: 262144 is more than the 16384 pages one line may hold (src/model/limits.ts) [PB_EVENT_FIELD]`;
    const t = await typed(file);
    expect(t.errors.map((e) => (e as Error).message)).toEqual([message]);
    expect(t.errors[0]).toMatchObject({ code: 'PB_EVENT_FIELD', location: { file, line: 6, col } });
    expect(t.scenarios.map((s) => [s.name, s.error])).toEqual([['huge', message]]);
  });

  it.each<[string, AdaptedEvent, string]>([
    [
      'config',
      { type: 'config', config: { kernel: 'six' } },
      "pinbench_config: kernel: 'six' is not a kernel release",
    ],
    [
      'vma',
      { type: 'vma', mm: 1, start: 0x2000, end: 0x1000, flags: new Set(), ops: [], remapped: false },
      'pinbench_vma: end 0x1000 is not above start',
    ],
    [
      'pte',
      {
        type: 'pte',
        mm: 1,
        addr: -1,
        pfn: 1,
        level: 'pte',
        special: false,
        write: false,
        dirty: false,
        col: 52,
      },
      "pinbench_pte: addr: '-1' is negative",
    ],
    [
      'call',
      {
        type: 'call',
        name: 'io_uring_register_buffers',
        args: { kind: 'io_uring', mm: 1, addr: 0.5, len: 1 },
      },
      "io_uring_register_buffers: addr: '0.5' is not a number",
    ],
  ])('a bad %s is refused at its record and column, naming the field', (_kind, ev, detail) => {
    const stream = new EventStream('r.trace');
    let err: unknown;
    try {
      stream.push(REC, ev);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'PB_EVENT_FIELD',
      location: { file: 'r.trace', line: 3, col: ev.col ?? REC.payloadCol },
    });
    expect((err as { detail: string }).detail.startsWith(detail)).toBe(true);
  });

  it("pinbench's own recordings: the recording marker is a typed event the scenarios carry, and stays context", async () => {
    const head = TRACE.slice(0, 4);
    const at = (text: string) =>
      `        pinbench-134     [001] .....    25.876405: tracing_mark_write: pinbench: ${text}`;
    const file = traceFile('rec.trace', [
      ...head,
      at(
        'recording spec=debian:sid packages="linux-binary-7.2.13+deb14-amd64=7.2.13-1,linux-modules-7.2.13+deb14-amd64=7.2.13-1"',
      ),
      at('pinbench_config kernel=7.2.13+deb14-amd64'),
      at('pinbench_scenario name=a'),
      at('pinbench_page pfn=0x1000 kind=anon'),
    ]);
    const r = await read(file, (push) => adaptedFeed([createPinbenchRecordingAdapter()], push));
    const packages = [
      { pkg: 'linux-binary-7.2.13+deb14-amd64', version: '7.2.13-1' },
      { pkg: 'linux-modules-7.2.13+deb14-amd64', version: '7.2.13-1' },
    ];
    expect(r.scenarios.map((s) => [s.name, s.recording])).toEqual([['a', { packages }]]);
    // As before it was adapted: a foreign pinbench marker, generic context.
    const plain = await read(file, (push) => adaptedFeed([], push));
    expect(r.stream.stats).toStrictEqual(plain.stream.stats);
    expect(r.stream.stats.foreignMarkers).toBe(1);
    expect(parseRecordingPackages('')).toEqual([]);
    expect(parseRecordingPackages('a=1-1,bad,=2,b=')).toEqual([{ pkg: 'a', version: '1-1' }]);
  });
});
