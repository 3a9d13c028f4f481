/** `pinbench_zone`, `pinbench_hugetlb` and `pinbench_page node=`: fields, defaults, bad values. */
import { describe, expect, it } from 'vitest';
import { EventError } from '../errors.ts';
import { parseModelEvent } from './parse-event.ts';

function parse(event: string, payload: string) {
  const text = `${event}: ${payload}`;
  return parseModelEvent(event, payload, {
    file: 'z.trace',
    line: 4,
    text,
    payloadCol: event.length + 3,
    kernel: null,
    seq: 0,
    cpu: 0,
    pid: 1,
  });
}

function errorOf(event: string, payload: string): string {
  try {
    parse(event, payload);
  } catch (e) {
    expect(e).toBeInstanceOf(EventError);
    return (e as EventError).message;
  }
  throw new Error('no error');
}

describe('pinbench_zone', () => {
  it('reads node, zone and both free counters (defaults node 0, 0 free)', () => {
    expect(parse('pinbench_zone', 'node=1 zone=Movable free=0x100 cma=16')).toMatchObject({
      type: 'zone',
      node: 1,
      zone: 'Movable',
      free: 256,
      cma: 16,
    });
    expect(parse('pinbench_zone', 'zone=Normal')).toMatchObject({ node: 0, free: 0, cma: 0 });
  });

  it('refuses ZONE_DEVICE, a missing zone, negative and oversized values, with file:line:col', () => {
    // "pinbench_zone: " is 15 characters: the payload starts at column 16.
    expect(errorOf('pinbench_zone', 'zone=Device')).toBe(
      "z.trace:4:21: pinbench_zone: zone: unknown value 'Device' (expected one of DMA, DMA32, Normal, Movable) [PB_EVENT_FIELD]",
    );
    expect(errorOf('pinbench_zone', 'free=1')).toBe(
      'z.trace:4:16: pinbench_zone: missing required field zone= [PB_EVENT_FIELD]',
    );
    expect(errorOf('pinbench_zone', 'zone=Normal free=-1')).toBe(
      "z.trace:4:33: pinbench_zone: free: '-1' is negative [PB_EVENT_FIELD]",
    );
    expect(errorOf('pinbench_zone', 'zone=Normal cma=4294967297')).toContain(
      'z.trace:4:32: pinbench_zone: cma: 4294967297 is more than 4294967296',
    );
    expect(errorOf('pinbench_zone', 'node=1024 zone=Normal')).toBe(
      'z.trace:4:21: pinbench_zone: node: 1024 is more than 1023 (MAX_NUMNODES - 1, src/model/limits.ts) [PB_EVENT_FIELD]',
    );
    expect(errorOf('pinbench_zone', 'zone=Normal pages=3')).toContain("unknown field 'pages'");
  });
});

describe('pinbench_hugetlb', () => {
  it('reads size, per-node free pages by placement, surplus and overcommit', () => {
    expect(
      parse('pinbench_hugetlb', 'size=1G node=2 free=1 free_movable=2 free_cma=3 surplus=0 overcommit=4'),
    ).toMatchObject({
      type: 'hugetlb',
      size: '1G',
      node: 2,
      free: 1,
      freeMovable: 2,
      freeCma: 3,
      surplus: 0,
      overcommit: 4,
    });
    const ev = parse('pinbench_hugetlb', 'size=2M');
    expect(ev).toMatchObject({ size: '2M', node: 0, free: 0, freeMovable: 0, freeCma: 0 });
    expect('overcommit' in ev).toBe(false);
  });

  it('refuses an unknown size and a bad count', () => {
    expect(errorOf('pinbench_hugetlb', 'size=4M')).toBe(
      "z.trace:4:24: pinbench_hugetlb: size: unknown value '4M' (expected one of 2M, 1G) [PB_EVENT_FIELD]",
    );
    expect(errorOf('pinbench_hugetlb', 'size=2M free=x')).toBe(
      "z.trace:4:32: pinbench_hugetlb: free: 'x' is not a number [PB_EVENT_FIELD]",
    );
  });
});

describe('pinbench_page node=', () => {
  it('is optional and bounded', () => {
    expect(parse('pinbench_page', 'pfn=0x5000 node=3')).toMatchObject({ node: 3 });
    expect('node' in parse('pinbench_page', 'pfn=0x5000')).toBe(false);
    expect(errorOf('pinbench_page', 'pfn=0x5000 node=5000')).toContain('node: 5000 is more than 1023');
  });
});
