/** The allocator walk of src/model/page-alloc.ts: zonelist order, CMA, nodes, pool, surplus. */
import { describe, expect, it } from 'vitest';
import {
  allocPages,
  allocSurplusHugetlb,
  dequeueHugetlb,
  freeFolio,
  movableRequest,
  withMemallocScope,
} from './page-alloc.ts';
import { State } from './state.ts';

const base = { line: 1, text: '' };

function withZones(...zones: [number, 'DMA' | 'DMA32' | 'Normal' | 'Movable', number, number][]): State {
  const st = new State();
  for (const [node, zone, free, cma] of zones)
    st.declareZone({ type: 'zone', node, zone, free, cma, ...base });
  return st;
}

describe('allocPages', () => {
  it('without zones every request succeeds in ZONE_NORMAL on the preferred node', () => {
    const st = new State();
    expect(allocPages(st, { order: 18, node: 3, movableZone: false, cma: false })).toEqual({
      node: 3,
      zone: 'Normal',
      cma: false,
    });
  });

  it('walks Movable (if allowed), Normal, DMA32, DMA; ordinary free pages before CMA ones', () => {
    const st = withZones([0, 'Movable', 1, 0], [0, 'Normal', 0, 1], [0, 'DMA32', 1, 0]);
    const req = { order: 0, node: 0, movableZone: true, cma: true };
    expect(allocPages(st, req)).toEqual({ node: 0, zone: 'Movable', cma: false });
    expect(allocPages(st, req)).toEqual({ node: 0, zone: 'Normal', cma: true });
    expect(allocPages(st, req)).toEqual({ node: 0, zone: 'DMA32', cma: false });
    expect(allocPages(st, req)).toBeNull();
  });

  it('an order-9 request needs 512 free pages in one zone', () => {
    const st = withZones([0, 'Normal', 511, 0], [0, 'DMA32', 512, 0]);
    expect(allocPages(st, { order: 9, node: 0, movableZone: false, cma: false })?.zone).toBe('DMA32');
  });

  it('the scope narrows a movable request: nocma drops CMA, pin drops ZONE_MOVABLE too', () => {
    const st = withZones([0, 'Movable', 1, 0], [0, 'Normal', 0, 1]);
    expect(withMemallocScope(st, 'nocma', () => movableRequest(st, 0))).toMatchObject({
      movableZone: true,
      cma: false,
    });
    expect(withMemallocScope(st, 'pin', () => allocPages(st, movableRequest(st, 0)))).toBeNull();
    expect(st.data.memalloc).toBeUndefined();
  });
});

describe('the hugetlb pool', () => {
  function pool(free: number, freeMovable: number, freeCma: number, surplus = 0, overcommit = 0): State {
    const st = withZones([0, 'Normal', 1024, 0]);
    st.declareHugetlb({
      type: 'hugetlb',
      size: '2M',
      node: 0,
      free,
      freeMovable,
      freeCma,
      surplus,
      overcommit,
      ...base,
    });
    return st;
  }

  it('dequeue order per node: ZONE_NORMAL, ZONE_MOVABLE, CMA; the scope skips what it forbids', () => {
    const st = pool(0, 1, 1);
    expect(withMemallocScope(st, 'pin', () => dequeueHugetlb(st, '2M', 0))).toBeNull();
    expect(withMemallocScope(st, 'nocma', () => dequeueHugetlb(st, '2M', 0))).toEqual({
      node: 0,
      zone: 'Movable',
      cma: false,
    });
    expect(dequeueHugetlb(st, '2M', 0)).toEqual({ node: 0, zone: 'Normal', cma: true });
    expect(dequeueHugetlb(st, '2M', 0)).toBeNull();
  });

  it('an undeclared size is unlimited', () => {
    expect(dequeueHugetlb(pool(0, 0, 0), '1G', 0)).toEqual({ node: 0, zone: 'Normal', cma: false });
  });

  it('surplus pages up to nr_overcommit_hugepages, none for 1 GiB', () => {
    const st = pool(0, 0, 0, 0, 1);
    expect(allocSurplusHugetlb(st, '2M', 0)).toEqual({ node: 0, zone: 'Normal', cma: false });
    expect(allocSurplusHugetlb(st, '2M', 0)).toBeNull();
    expect(st.data.hugetlb!['2M']!.surplus).toBe(1);
    // A 1 GiB hstate with room for surplus pages still gets none (hstate_is_gigantic()).
    st.declareHugetlb({
      type: 'hugetlb',
      size: '1G',
      node: 0,
      free: 0,
      freeMovable: 0,
      freeCma: 0,
      overcommit: 4,
      ...base,
    });
    expect(allocSurplusHugetlb(st, '1G', 0)).toBeNull();
  });
});

describe('__GFP_THISNODE and freeing', () => {
  it('thisNode: no fallback to another node', () => {
    const st = withZones([0, 'Normal', 0, 0], [1, 'Normal', 1, 0]);
    expect(allocPages(st, { order: 0, node: 0, movableZone: false, cma: false, thisNode: true })).toBeNull();
    expect(allocPages(st, { order: 0, node: 0, movableZone: false, cma: false })).toEqual({
      node: 1,
      zone: 'Normal',
      cma: false,
    });
  });

  it('a folio whose refcount drops to 0 is freed once, into its zone or CMA pageblocks', () => {
    const st = withZones([0, 'Normal', 0, 0]);
    const page = st.allocPage({ kind: 'anon', zone: 'Normal', mt: 'CMA' });
    st.addRef(page, 1);
    st.addRef(page, -1);
    expect(st.data.zones).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 1 }]);
    freeFolio(st, page);
    expect(st.data.zones).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 1 }]);
    // A zone the trace did not declare gets a line of its own.
    const movable = st.allocPage({ kind: 'anon', zone: 'Movable', mt: 'Movable', node: 2 });
    st.addRef(movable, 1);
    st.addRef(movable, -1);
    expect(st.data.zones![1]).toEqual({ node: 2, zone: 'Movable', free: 1, cma: 0 });
  });

  it("ZONE_DEVICE and zero pages are not the buddy allocator's", () => {
    const st = withZones([0, 'Normal', 0, 0]);
    const dev = st.allocPage({ kind: 'device_private', zone: 'Device' });
    st.addRef(dev, 1);
    st.addRef(dev, -1);
    expect(st.data.zones).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 0 }]);
  });
});
