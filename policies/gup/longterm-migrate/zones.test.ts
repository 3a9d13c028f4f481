/**
 * Zones and the hugetlb pool as declared state (`pinbench_zone`, `pinbench_hugetlb`): where
 * FOLL_LONGTERM faults and migration targets allocate, release by release, and the outcome when
 * nothing may be allocated. Values from the source as cited:
 * - 5.10.262 mm/gup.c:1729 memalloc_nocma_save(); mm/page_alloc.c:3784 (no ALLOC_CMA under it);
 *   mm/gup.c:1609-1612 mtc GFP_USER|__GFP_MOVABLE; mm/migrate.c:1576-1578 (ZONE_MOVABLE only for
 *   a ZONE_MOVABLE source); mm/hugetlb.c:1085 (pool skips CMA), :1932 (no gigantic target);
 * - 6.1.192 mm/gup.c:2155 memalloc_pin_save(); include/linux/sched/mm.h:217 (PIN clears
 *   __GFP_MOVABLE); mm/gup.c:2065 GFP_USER|__GFP_NOWARN; mm/hugetlb.c:1340 (pool skips
 *   unpinnable), :2488 (no gigantic target); the -ENOMEM of a failed migrate_pages();
 * - 6.12.118 mm/gup.c:2574, mm/hugetlb.c:1348, :2373; 7.2.13 mm/gup.c:2485, mm/hugetlb.c:1255,
 *   :2140 (same rules).
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

const CMA_PAGE = 'pinbench_page: pfn=0x5000 kind=anon mt=CMA';

function pinOne(state: string, page = CMA_PAGE, api = 'pin_user_pages'): string {
  return `${state}
${page}
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
${api}: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
}

describe('zones: defaults keep the old allocator', () => {
  it('without pinbench_zone a CMA page migrates to ZONE_NORMAL on every release', () => {
    for (const id of ['v5.6', 'v5.10', 'v5.13', 'v6.1', 'v6.12', 'v7.2']) {
      const r = run(id, pinOne(''));
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('new1')!.zone, id).toBe('Normal');
      expect(r.state.folio('new1')!.mt, id).toBe('Unmovable');
    }
  });
});

describe('zones: migration targets of a long-term pin', () => {
  it('a node whose free memory is all ZONE_MOVABLE has nowhere to put the page: -ENOMEM from v5.13', () => {
    const s = pinOne('pinbench_zone: zone=Movable free=1000\npinbench_zone: zone=Normal free=0');
    for (const id of ['v5.13', 'v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(-12);
      expect(o.refs, id).toEqual({});
      expect(
        o.why.some((w) => w.includes('no free page outside ZONE_MOVABLE and CMA')),
        id,
      ).toBe(true);
    }
  });

  it('v5.10: a CMA page from ZONE_NORMAL needs a ZONE_NORMAL target; failing it pins in place', () => {
    const s = pinOne('pinbench_zone: zone=Movable free=1000\npinbench_zone: zone=Normal free=0');
    const o = call('v5.10', s);
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x5000']);
  });

  it('v5.10: a CMA page in ZONE_MOVABLE may move to ZONE_MOVABLE (__GFP_MOVABLE|__GFP_HIGHMEM)', () => {
    const s = pinOne(
      'pinbench_zone: zone=Movable free=1000 cma=100\npinbench_zone: zone=Normal free=0',
      'pinbench_page: pfn=0x5000 kind=anon zone=Movable mt=CMA',
    );
    const r = run('v5.10', s);
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.folio('new1')!.zone).toBe('Movable');
    expect(r.state.folio('new1')!.mt).toBe('Movable');
    // v5.6's new_non_cma_page() asks GFP_USER: ZONE_MOVABLE is out, so the page stays in place.
    expect(call('v5.6', s).pages).toEqual(['0x5000']);
  });

  it('the target never lands in CMA pageblocks: free CMA pages alone give no target', () => {
    const s = pinOne('pinbench_zone: zone=Normal free=0 cma=4096');
    expect(call('v6.1', s).ret).toBe(-12);
    expect(call('v5.10', s).pages).toEqual(['0x5000']);
  });

  it('targets fall back to another node (no __GFP_THISNODE)', () => {
    const s = pinOne(
      'pinbench_zone: node=0 zone=Movable free=1000\npinbench_zone: node=1 zone=Normal free=1',
      'pinbench_page: pfn=0x5000 kind=anon mt=CMA node=0',
    );
    for (const id of ['v5.10', 'v6.1', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('new1')!.node, id).toBe(1);
    }
  });

  it('each target takes a free page: two pages, one free page -> -ENOMEM on v6.1', () => {
    const s = `pinbench_zone: zone=Normal free=1
pinbench_page: pfn=0x5000 nr=2 kind=anon mt=CMA
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${A + 0x1000} pfn=0x5001 write=1
pin_user_pages: start=${A} nr_pages=2 gup_flags=FOLL_LONGTERM`;
    expect(call('v6.1', s).ret).toBe(-12);
    expect(call('v6.1', s.replace('free=1', 'free=2')).pages).toEqual(['new1', 'new2']);
  });
});

describe('zones: faults inside a long-term pin', () => {
  const anonFault = (zones: string, flags = 'FOLL_LONGTERM|FOLL_WRITE') => `${zones}
${vma(VMF.privateRw)}
pin_user_pages: start=${A} nr_pages=1 gup_flags=${flags}`;

  it('PF_MEMALLOC_PIN (v5.13+): a write fault cannot take a ZONE_MOVABLE page -> -ENOMEM', () => {
    const s = anonFault('pinbench_zone: zone=Movable free=10');
    for (const id of ['v5.13', 'v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(-12);
      expect(o.why.at(-1), id).toContain('VM_FAULT_OOM, -ENOMEM');
    }
  });

  it('without FOLL_LONGTERM the same fault takes the ZONE_MOVABLE page', () => {
    const r = run('v6.1', anonFault('pinbench_zone: zone=Movable free=10', 'FOLL_WRITE'));
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.folio('new1')!.zone).toBe('Movable');
  });

  it('PF_MEMALLOC_NOCMA (v5.10): ZONE_MOVABLE is allowed, CMA is not', () => {
    const movable = run('v5.10', anonFault('pinbench_zone: zone=Movable free=10'));
    expect(movable.outcomes[0]!.pages).toEqual(['new1']);
    expect(movable.state.folio('new1')!.zone).toBe('Movable');
    expect(call('v5.10', anonFault('pinbench_zone: zone=Normal cma=10')).ret).toBe(-12);
    // Without the scope a movable fault may use the CMA pageblocks.
    const plain = run('v5.10', anonFault('pinbench_zone: zone=Normal cma=10', 'FOLL_WRITE'));
    expect(plain.state.folio('new1')!.mt).toBe('CMA');
  });
});

describe('hugetlb pool', () => {
  const HUGE_VMA = `pinbench_vma: start=${A} end=${A + 0x200000} flags=${VMF.privateRw} backing=hugetlb`;
  const hugeCma = (order: number) => `pinbench_page: pfn=0x40000 kind=hugetlb order=${order} mt=CMA`;
  const pinHuge = (pool: string, order = 9) => `${pool}
${hugeCma(order)}
${HUGE_VMA}
pinbench_pte: addr=${A} pfn=0x40000 level=${order === 18 ? 'pud' : 'pmd'} write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('v5.10+: a CMA hugetlb page migrates into a free pool page, no buddy page needed', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free=1');
    for (const id of ['v5.10', 'v6.6', 'v6.12', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('new1')!.kind, id).toBe('hugetlb');
      expect(r.state.data.hugetlb!['2M']!.nodes[0]!.free, id).toBe(0);
    }
  });

  it('v5.6 never dequeues from the pool (alloc_migrate_huge_page only): pinned in place', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free=1');
    expect(call('v5.6', s).pages).toEqual(['0x40000']);
  });

  it('v5.12 .. v6.5: the hugetlb walk refuses the grab first, whatever the pool holds', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free=1');
    const o = call('v6.1', s);
    expect(o.ret).toBe(-12);
    expect(o.warn).toEqual(['WARN follow_hugetlb_page grab refused']);
  });

  it('pool pages a long-term pin may not use are skipped: CMA (v5.10) and ZONE_MOVABLE too (v5.13+)', () => {
    const movableOnly = pinHuge(
      'pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free_movable=1',
    );
    expect(call('v5.10', movableOnly).pages).toEqual(['new1']);
    expect(call('v6.12', movableOnly).ret).toBe(-12);
    const cmaOnly = pinHuge('pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free_cma=1');
    expect(call('v5.10', cmaOnly).pages).toEqual(['0x40000']);
    expect(call('v6.12', cmaOnly).ret).toBe(-12);
  });

  it('an empty 2 MiB pool falls back to a fresh huge page from the zones (512 pages)', () => {
    const ok = pinHuge('pinbench_zone: zone=Normal free=512\npinbench_hugetlb: size=2M free=0');
    expect(call('v6.12', ok).pages).toEqual(['new1']);
    expect(call('v6.12', ok.replace('free=512', 'free=511')).ret).toBe(-12);
  });

  it('1 GiB pages are never allocated fresh: an empty 1G pool means no target', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=1000000\npinbench_hugetlb: size=1G free=0', 18);
    for (const id of ['v6.5', 'v6.12', 'v7.2']) expect(call(id, s).ret, id).toBe(-12);
    // v5.10's loop pins in place when migration fails.
    expect(call('v5.10', s).pages).toEqual(['0x40000']);
    expect(call('v6.12', s.replace('size=1G free=0', 'size=1G free=1')).pages).toEqual(['new1']);
  });

  it('a hugetlb fault takes a pool page, then a surplus page up to nr_overcommit_hugepages, then -ENOMEM', () => {
    const fault = (pool: string) => `pinbench_zone: zone=Normal free=1024
${pool}
${HUGE_VMA}
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`;
    expect(call('v6.1', fault('pinbench_hugetlb: size=2M free=1')).pages).toEqual(['new1']);
    const surplus = run('v6.1', fault('pinbench_hugetlb: size=2M free=0 overcommit=1'));
    expect(surplus.outcomes[0]!.pages).toEqual(['new1']);
    expect(surplus.state.data.hugetlb!['2M']!.surplus).toBe(1);
    const full = call('v6.1', fault('pinbench_hugetlb: size=2M free=0 surplus=1 overcommit=1'));
    expect(full.ret).toBe(-12);
  });
});

describe('zones: the unshare fault of a R/O long-term pin', () => {
  // The zero page in a private writable mapping: from v6.2 gup_must_unshare() makes the R/O
  // FOLL_LONGTERM pin fault with FAULT_FLAG_UNSHARE, and the copy is allocated inside
  // memalloc_pin_save() (6.12.118 mm/gup.c:2574): never in ZONE_MOVABLE.
  const zeroRo = (zones: string) => `${zones}
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=zero special=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('with only ZONE_MOVABLE free the unshare copy fails: -ENOMEM (v6.2, v6.12, v7.2)', () => {
    for (const id of ['v6.2', 'v6.12', 'v7.2']) {
      const o = call(id, zeroRo('pinbench_zone: zone=Movable free=8'));
      expect(o.ret, id).toBe(-12);
      expect(o.why.at(-1), id).toBe(
        'unshare fault: no free page the allocation may take -> VM_FAULT_OOM, -ENOMEM',
      );
    }
  });

  it('one free ZONE_NORMAL page is enough, and the copy lands there', () => {
    const r = run('v6.12', zeroRo('pinbench_zone: zone=Movable free=8\npinbench_zone: zone=Normal free=1'));
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.folio('new1')!.zone).toBe('Normal');
    expect(r.state.data.zones!.find((z) => z.zone === 'Normal')!.free).toBe(0);
  });

  it('v6.1 pins the zero page itself: no allocation, the zones do not matter', () => {
    expect(call('v6.1', zeroRo('pinbench_zone: zone=Movable free=0')).pages).toEqual(['zero']);
  });
});

describe('THP migration targets', () => {
  // v5.4 .. v5.9 new_non_cma_page(): `thp_gfpmask = GFP_TRANSHUGE | __GFP_NOWARN; thp_gfpmask &=
  // ~__GFP_MOVABLE;` (read in the diff that replaced it): no ZONE_MOVABLE. 5.10.262
  // alloc_migration_target() (mm/migrate.c:1567-1578): GFP_TRANSHUGE, plus __GFP_HIGHMEM for a
  // ZONE_MOVABLE source: ZONE_MOVABLE allowed under PF_MEMALLOC_NOCMA.
  const thp = `pinbench_zone: zone=Movable free=512\npinbench_zone: zone=Normal free=0
pinbench_page: pfn=0x40000 kind=thp order=9 zone=Movable mt=CMA
pinbench_vma: start=${A} end=${A + 0x200000} flags=${VMF.privateRw} backing=anon
pinbench_pte: addr=${A} pfn=0x40000 level=pmd write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('v5.6: a THP target may not use ZONE_MOVABLE -> no target, pinned in place', () => {
    expect(call('v5.6', thp).pages).toEqual(['0x40000']);
  });

  it('v5.10: a ZONE_MOVABLE THP may move within ZONE_MOVABLE (out of CMA)', () => {
    const r = run('v5.10', thp);
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.folio('new1')!.zone).toBe('Movable');
  });
});
