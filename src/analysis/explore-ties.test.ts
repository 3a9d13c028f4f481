/**
 * Tie exploration on a constructed race: munmap on CPU 0 and GUP on CPU 1 at one timestamp. One
 * order pins the page, the other faults on an unmapped address; the exploration must report both
 * as Sometimes (1 of 2), leave same-CPU and distinct-timestamp events alone, and sample (the same
 * sample every run) past --max-orders.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { main } from '../cli/main.ts';
import { exploreTies } from './explore-ties.ts';

const HEADER = '# tracer: nop\n#\n';
const line = (task: string, cpu: number, ts: string, event: string): string =>
  `${task.padStart(16)}     [00${cpu}] .....   ${ts}: ${event}`;

const SETUP = [
  line('race-100', 0, '100.000001', 'pinbench_scenario: name=unmap-vs-gup'),
  line(
    'race-100',
    0,
    '100.000002',
    'pinbench_page: pfn=0x1000 zone=Normal mt=Movable kind=anon refcount=1 flags=lru',
  ),
  line(
    'race-100',
    0,
    '100.000003',
    'pinbench_vma: mm=1 start=0x7f0000000000 end=0x7f0000003000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon',
  ),
  line(
    'race-100',
    0,
    '100.000004',
    'pinbench_pte: mm=1 addr=0x7f0000000000 pfn=0x1000 level=pte special=0 write=1',
  ),
];

const RACE = `${HEADER}${[
  ...SETUP,
  line('race-100', 0, '100.000010', 'munmap: mm=1 addr=0x7f0000000000 len=0x1000'),
  line(
    'race-101',
    1,
    '100.000010',
    'get_user_pages: mm=1 start=0x7f0000000000 nr_pages=1 gup_flags=FOLL_WRITE',
  ),
  line('race-101', 1, '100.000011', 'pinbench_expect: ret=1'),
].join('\n')}\n`;

/** The same two calls on one CPU, or at two timestamps: the trace orders them. */
const ORDERED = `${HEADER}${[
  ...SETUP,
  line('race-100', 0, '100.000010', 'munmap: mm=1 addr=0x7f0000000000 len=0x1000'),
  line(
    'race-100',
    0,
    '100.000010',
    'get_user_pages: mm=1 start=0x7f0000000000 nr_pages=1 gup_flags=FOLL_WRITE',
  ),
  line(
    'race-101',
    1,
    '100.000012',
    'get_user_pages: mm=1 start=0x7f0000001000 nr_pages=1 gup_flags=FOLL_WRITE',
  ),
].join('\n')}\n`;

/** Three calls per CPU at one timestamp: 6! / (3! 3!) = 20 orders. */
const WIDE = `${HEADER}${[
  ...SETUP,
  ...[0, 1, 2].map((i) =>
    line(
      'race-100',
      0,
      '100.000010',
      `get_user_pages: mm=1 start=0x7f000000${i}000 nr_pages=1 gup_flags=FOLL_WRITE`,
    ),
  ),
  ...[0, 1, 2].map((i) =>
    line('race-101', 1, '100.000010', `munmap: mm=1 addr=0x7f000000${i}000 len=0x1000`),
  ),
].join('\n')}\n`;

describe('explore ties', () => {
  let dir: string;
  const policies = [getPolicy('v5.18'), getPolicy('v6.1')];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-ties-'));
    await writeFile(join(dir, 'race.trace'), RACE);
    await writeFile(join(dir, 'ordered.trace'), ORDERED);
    await writeFile(join(dir, 'wide.trace'), WIDE);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replays both orders of a race and says each verdict happens Sometimes', async () => {
    const [r] = await exploreTies(join(dir, 'race.trace'), { policies });
    expect(r!.groups).toEqual([{ lines: [7, 8], cpus: [0, 1] }]);
    expect(r!.orders).toBe(2);
    expect(r!.verdicts['v6.1']).toEqual({
      fail: { count: 1, label: 'Sometimes' },
      pass: { count: 1, label: 'Sometimes' },
    });
    expect(r!.orderDependent).toBe(true);
  });

  it('leaves events the trace orders alone (one CPU, or distinct timestamps)', async () => {
    const [r] = await exploreTies(join(dir, 'ordered.trace'), { policies });
    expect(r!.groups).toEqual([]);
    expect(r!.orders).toBe(1);
    expect(r!.orderDependent).toBe(false);
    expect(Object.values(r!.verdicts['v6.1']!).map((c) => c!.label)).toEqual(['Always']);
  });

  it('enumerates every interleaving up to the cap, then samples the same orders on every run', async () => {
    const [all] = await exploreTies(join(dir, 'wide.trace'), { policies });
    expect(all).toMatchObject({ orders: 20, total: 20, sampled: false });
    const [a] = await exploreTies(join(dir, 'wide.trace'), { policies, maxOrders: 5 });
    const [b] = await exploreTies(join(dir, 'wide.trace'), { policies, maxOrders: 5 });
    expect(a).toMatchObject({ orders: 5, total: 20, sampled: true });
    expect(a).toEqual(b);
  });

  it('pinbench replay --explore-ties prints herd7-style lines', async () => {
    const c = captureIo({ cwd: dir });
    const code = await main(
      ['replay', join(dir, 'race.trace'), '--explore-ties', '--policy', 'v6.1', '--policy', 'v5.18'],
      c.io,
    );
    expect(code, c.err()).toBe(0);
    expect(c.out()).toContain('1 tie group(s) (lines 7,8 on CPUs 0,1), 2 orders');
    expect(c.out()).toContain('v6.1 v5.18: fail Sometimes (1 of 2), pass Sometimes (1 of 2)');
    expect(c.out()).toContain('order-dependent');
    const shipped = captureIo();
    expect(
      await main(
        ['replay', 'traces/01-vfio-zero-ro.trace', '--explore-ties', '--policy', 'v6.1'],
        shipped.io,
      ),
    ).toBe(0);
    expect(shipped.out()).toContain('no events share a timestamp across CPUs (1 order)');
  });
});
