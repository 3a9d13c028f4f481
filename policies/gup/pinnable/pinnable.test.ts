/**
 * The long-term pinnability predicate, branch by branch for every version (facts/pinning.md
 * §1.2-1.3: P513, P519rc, P519, P60rc, P60, P615), then through GUP: the order-of-checks cases of
 * scenarios.md 1-2 (zero page in a CMA pageblock, zero page in ZONE_MOVABLE).
 */
import { describe, expect, it } from 'vitest';
import type { PageEvent, TraceConfig } from '../../../src/model/events.ts';
import { DEFAULT_CONFIG } from '../../../src/model/events.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { State } from '../../../src/model/state.ts';
import { getPolicy } from '../../index.ts';
import { A, call, VMF, vma, zeroPtes } from '../gup-test-kit.ts';
import { pinnable1c563432588d } from './1c563432588d.ts';
import { pinnable8e3560d963d2 } from './8e3560d963d2.ts';
import { pinnable034e5afad921 } from './034e5afad921.ts';
import { pinnableF25cbb7a95a2 } from './f25cbb7a95a2.ts';
import { pinnableFcab34b433e2 } from './fcab34b433e2.ts';
import { pinnableFsdaxV6_15 } from './fsdax-v6-15.ts';
import { pinnableNone } from './none.ts';

const VERSIONS: Record<string, FamilyVersion> = {
  none: pinnableNone,
  '8e3560d963d2': pinnable8e3560d963d2,
  '1c563432588d': pinnable1c563432588d,
  '034e5afad921': pinnable034e5afad921,
  f25cbb7a95a2: pinnableF25cbb7a95a2,
  fcab34b433e2: pinnableFcab34b433e2,
  'fsdax-v6.15': pinnableFsdaxV6_15,
};

/** Evaluates one version's predicate on one declared page. */
function pinnable(
  version: string,
  page: Omit<PageEvent, 'type' | 'line' | 'text' | 'nr'>,
  config: Partial<TraceConfig> = {},
): boolean {
  const st = new State({ ...DEFAULT_CONFIG, ...config });
  st.declarePage({ type: 'page', nr: 1, line: 0, text: '', ...page });
  const folio = st.folioOf(st.resolvePfn(page.pfn))!;
  const k = getPolicy('v6.1').ops;
  return VERSIONS[version]!.ops.folioIsLongtermPinnable!(k, st, folio);
}

type Row = [label: string, page: Omit<PageEvent, 'type' | 'line' | 'text' | 'nr'>, expected: boolean[]];
// Columns: none, 8e3560d963d2, 1c563432588d, 034e5afad921, f25cbb7a95a2, fcab34b433e2, fsdax-v6.15
const ROWS: Row[] = [
  [
    'anon in ZONE_NORMAL',
    { pfn: 0x5000, kind: 'anon', zone: 'Normal', mt: 'Movable' },
    [true, true, true, true, true, true, true],
  ],
  [
    'anon in ZONE_MOVABLE',
    { pfn: 0x5000, kind: 'anon', zone: 'Movable', mt: 'Movable' },
    [true, false, false, false, false, false, false],
  ],
  [
    'anon in a CMA pageblock',
    { pfn: 0x5000, kind: 'anon', zone: 'Normal', mt: 'CMA' },
    [false, false, false, false, false, false, false],
  ],
  [
    'anon in an ISOLATE pageblock',
    { pfn: 0x5000, kind: 'anon', zone: 'Normal', mt: 'Isolate' },
    [true, true, false, false, false, false, false],
  ],
  [
    'zero page in ZONE_NORMAL',
    { pfn: 'zero', zone: 'Normal', mt: 'Unmovable' },
    [true, true, false, true, false, true, true],
  ],
  [
    'zero page in ZONE_MOVABLE',
    { pfn: 'zero', zone: 'Movable', mt: 'Movable' },
    [true, true, false, true, false, true, true],
  ],
  [
    'zero page in a CMA pageblock',
    { pfn: 'zero', zone: 'Normal', mt: 'CMA' },
    [false, true, false, false, false, false, false],
  ],
  [
    'zero page in an ISOLATE pageblock',
    { pfn: 'zero', zone: 'Normal', mt: 'Isolate' },
    [true, true, false, false, false, false, false],
  ],
  [
    'device-coherent page',
    { pfn: 0x9000, kind: 'device_coherent', zone: 'Device', mt: 'Unmovable' },
    [true, true, true, true, false, false, false],
  ],
  [
    'fs-dax page',
    { pfn: 0x9000, kind: 'fsdax', zone: 'Normal', mt: 'Unmovable' },
    [true, true, true, true, true, true, false],
  ],
];

describe('pinnable: the predicate per version', () => {
  const ids = Object.keys(VERSIONS);
  for (const [label, page, expected] of ROWS) {
    it(label, () => {
      expect(ids.map((id) => pinnable(id, page))).toEqual(expected);
    });
  }

  it('without CONFIG_MIGRATION every version from 8e3560d963d2 says pinnable', () => {
    const movable = { pfn: 0x5000, kind: 'anon', zone: 'Movable', mt: 'CMA' } as const;
    expect(ids.slice(1).map((id) => pinnable(id, movable, { migration: false }))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('without CONFIG_CMA a CMA/ISOLATE pageblock is not rejected (ZONE_NORMAL anon)', () => {
    const isolate = { pfn: 0x5000, kind: 'anon', zone: 'Normal', mt: 'Isolate' } as const;
    const cma = { pfn: 0x5000, kind: 'anon', zone: 'Normal', mt: 'CMA' } as const;
    expect(ids.map((id) => pinnable(id, isolate, { cma: false }))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(ids.map((id) => pinnable(id, cma, { cma: false }))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('fcab34b433e2 says why in kernel terms', () => {
    const st = new State({ ...DEFAULT_CONFIG });
    st.beginCall();
    st.declarePage({ type: 'page', pfn: 'zero', nr: 1, line: 0, text: '', mt: 'CMA' });
    pinnableFcab34b433e2.ops.folioIsLongtermPinnable!(getPolicy('v6.1').ops, st, st.folio('zero')!);
    expect(st.endCall().why).toEqual(['zero pfn: mt CMA -> not longterm pinnable (1c563432588d)']);
  });
});

/** A R/O FOLL_LONGTERM pin of one zero-page PTE in a mapping that is not a COW mapping (no unshare). */
function roLongtermZeroPin(zone: string, mt: string): string {
  return `pinbench_page: pfn=zero zone=${zone} mt=${mt} kind=zero refcount=1 flags=reserved
${vma(VMF.privateNeverWritable)}
${zeroPtes()}
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
}

describe('pinnable: order of checks through GUP (scenarios 1-2)', () => {
  it('zero page in a CMA pageblock: pinned on v5.13..v5.18, spins from v5.19 (CMA test first)', () => {
    const s = roLongtermZeroPin('Normal', 'CMA');
    for (const id of ['v5.13', 'v5.18']) expect(call(id, s).ret, id).toBe(1);
    for (const id of ['v5.19-rc1', 'v5.19-rc4', 'v5.19', 'v6.0-rc1', 'v6.0-rc3', 'v6.1', 'v6.5', 'v6.19']) {
      expect(call(id, s).ret, id).toBe('livelock');
    }
  });

  it('zero page in ZONE_MOVABLE: pinned without migration except in the two windows', () => {
    const s = roLongtermZeroPin('Movable', 'Movable');
    for (const id of ['v5.13', 'v5.18', 'v5.19-rc4', 'v5.19', 'v6.0-rc3', 'v6.1', 'v6.5', 'v6.15', 'v6.19']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['zero']);
      expect(
        o.why.some((w) => w.startsWith('migrate_pages')),
        id,
      ).toBe(false);
    }
    for (const id of ['v5.19-rc1', 'v6.0-rc1']) expect(call(id, s).ret, id).toBe('livelock');
  });
});
