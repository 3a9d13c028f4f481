/**
 * Freed pages go back to their zone or hugetlb pool (src/model/page-alloc.ts: freeFolio(), run
 * when a folio's refcount drops to 0), so a later allocation in the same scenario sees them; and
 * the hugetlb migration target's node rule per release. Values from the source as cited:
 * - the last put frees: folio_put_testzero() -> __folio_put(); a migrated source has only the
 *   isolation reference left and is freed by migrate_pages() (6.12.118 mm/migrate.c);
 * - free_huge_folio() (6.12.118 mm/hugetlb.c:1945-1958; 5.10.262 free_huge_page() :1479-1483;
 *   7.2.13 :1736-1740): temporary -> buddy; surplus_huge_pages_node[nid] -> buddy, surplus--;
 *   else enqueue_hugetlb_folio() on the pool's free list;
 * - alloc_migrate_huge_page() sets the temporary flag (5.10.262 :1943, 6.12.118 :2386) and
 *   move_hugetlb_state() hands it to the source (6.12.118 :7595-7600);
 * - __GFP_THISNODE for the fresh huge page of a long-term pin from v6.10 (6.12.118
 *   mm/hugetlb.c:2454-2458, 7.2.13 :2228-2232; absent in 6.1.192 :2538-2554).
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

const B = A + 0x1000;

/** Two CMA anon pages mapped at A and B, one free ZONE_NORMAL page. */
const TWO_CMA_PAGES = `pinbench_zone: zone=Normal free=1
pinbench_page: pfn=0x5000 kind=anon mt=CMA
pinbench_page: pfn=0x6000 kind=anon mt=CMA
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${B} pfn=0x6000 write=1`;

describe('freed pages return to their zone', () => {
  it('a migrated source goes back to its CMA pageblock; the target holds the free page', () => {
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v7.2']) {
      const r = run(id, `${TWO_CMA_PAGES}\npin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('0x5000')!.refcount, id).toBe(0);
      expect(r.state.data.zones, id).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 1 }]);
    }
  });

  it('unpin and munmap free the target: a second long-term pin finds the page again', () => {
    const s = `${TWO_CMA_PAGES}
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM
unpin_user_pages: of=0
munmap: addr=${A} len=0x1000
pin_user_pages: start=${B} nr_pages=1 gup_flags=FOLL_LONGTERM`;
    for (const id of ['v6.1', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[3]!.pages, id).toEqual(['new2']);
      expect(r.state.data.zones, id).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 2 }]);
    }
    // Without the unmap new1 keeps its mapping's reference: nothing to take.
    expect(call('v6.1', s.replace(`munmap: addr=${A} len=0x1000\n`, '')).ret).toBe(-12);
  });

  it('a page-cache page keeps the page cache reference: unmapping it frees nothing', () => {
    const s = `pinbench_zone: zone=Normal free=0
pinbench_page: pfn=0x5000 kind=file refcount=2
${vma(VMF.sharedRw, 1, 'backing=file')}
pinbench_pte: addr=${A} pfn=0x5000 write=1
munmap: addr=${A} len=0x1000`;
    const r = run('v6.12', s);
    expect(r.state.folio('0x5000')!.refcount).toBe(1);
    expect(r.state.data.zones).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 0 }]);
  });

  it('without pinbench_zone nothing is counted (every trace written before zones)', () => {
    const r = run(
      'v6.1',
      TWO_CMA_PAGES.replace('pinbench_zone: zone=Normal free=1\n', '') +
        `\npin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`,
    );
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.data.zones).toBeUndefined();
  });
});

describe('freed hugetlb folios: free_huge_folio()', () => {
  const HUGE_VMA = `pinbench_vma: start=${A} end=${A + 0x200000} flags=${VMF.privateRw} backing=hugetlb`;
  const pinHuge = (decl: string, page = 'pinbench_page: pfn=0x40000 kind=hugetlb order=9 mt=CMA') => `${decl}
${page}
${HUGE_VMA}
pinbench_pte: addr=${A} pfn=0x40000 level=pmd write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('target from the pool: the source is enqueued on the free list again (as a CMA pool page)', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=0\npinbench_hugetlb: size=2M free=1');
    for (const id of ['v5.10', 'v6.6', 'v6.12', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.data.hugetlb!['2M']!.nodes, id).toEqual([
        { node: 0, free: 0, freeMovable: 0, freeCma: 1 },
      ]);
      expect(r.state.folio('new1')!.temporary, id).toBeUndefined();
    }
  });

  it('fresh target: temporary, handed to the source, which goes back to the buddy allocator', () => {
    const s = pinHuge('pinbench_zone: zone=Normal free=512\npinbench_hugetlb: size=2M free=0');
    for (const id of ['v5.10', 'v6.6', 'v6.12', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      // 512 pages taken for new1, the source's 512 back in its (CMA) pageblocks.
      expect(r.state.data.zones, id).toEqual([{ node: 0, zone: 'Normal', free: 0, cma: 512 }]);
      expect(r.state.data.hugetlb!['2M']!.nodes, id).toEqual([
        { node: 0, free: 0, freeMovable: 0, freeCma: 0 },
      ]);
      expect(r.state.folio('new1')!.temporary, id).toBeUndefined();
    }
  });

  it('a surplus page unmapped goes back to the buddy allocator, surplus_huge_pages--', () => {
    const s = `pinbench_zone: zone=Normal free=512
pinbench_hugetlb: size=2M free=0 overcommit=1
${HUGE_VMA}
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE
put_page: of=0
munmap: addr=${A} len=0x200000`;
    const r = run('v6.12', s);
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.state.data.hugetlb!['2M']!.surplus).toBe(0);
    expect(r.state.data.zones).toEqual([{ node: 0, zone: 'Normal', free: 512, cma: 0 }]);
  });

  it('a pool page unmapped is enqueued again and serves the next fault', () => {
    const s = `pinbench_hugetlb: size=2M free=1
${HUGE_VMA}
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE
put_page: of=0
munmap: addr=${A} len=0x200000
${HUGE_VMA}
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`;
    const r = run('v6.12', s);
    expect(r.outcomes[3]!.pages).toEqual(['new2']);
    expect(r.state.data.hugetlb!['2M']!.nodes[0]!.free).toBe(0);
  });
});

describe('hugetlb migration targets: __GFP_THISNODE for the fresh page (v6.10+)', () => {
  const HUGE_VMA = `pinbench_vma: start=${A} end=${A + 0x200000} flags=${VMF.privateRw} backing=hugetlb`;
  const pinOn = (decl: string) => `${decl}
pinbench_page: pfn=0x40000 kind=hugetlb order=9 mt=CMA node=0
${HUGE_VMA}
pinbench_pte: addr=${A} pfn=0x40000 level=pmd write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
  const freshOnNode1 = pinOn(
    'pinbench_zone: node=0 zone=Normal free=0\npinbench_zone: node=1 zone=Normal free=512\npinbench_hugetlb: size=2M free=0',
  );

  it('v6.6 .. v6.9: an empty pool falls back to a fresh page on another node', () => {
    for (const id of ['v6.6', 'v6.9']) {
      const r = run(id, freshOnNode1);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('new1')!.node, id).toBe(1);
    }
  });

  it('v6.10 .. v7.2: the fresh page must come from the source node -> -ENOMEM', () => {
    for (const id of ['v6.10', 'v6.12', 'v7.2']) {
      const o = call(id, freshOnNode1);
      expect(o.ret, id).toBe(-12);
      expect(
        o.why.some((w) => w.includes('no fresh huge page on node 0 (__GFP_THISNODE)')),
        id,
      ).toBe(true);
    }
  });

  it('a free pool page on another node is still taken (dequeue has no __GFP_THISNODE)', () => {
    const s = pinOn('pinbench_zone: node=0 zone=Normal free=0\npinbench_hugetlb: size=2M node=1 free=1');
    for (const id of ['v6.10', 'v7.2']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.state.folio('new1')!.node, id).toBe(1);
    }
  });
});

// 5.10.262 mm/migrate.c migrate_page_move_mapping() and 6.12.118 mm/migrate.c:645
// folio_migrate_mapping(): `if (folio_ref_count(folio) != expected_count) return -EAGAIN;` -- a
// folio holding a reference beyond its mappings is retried and then counted as failed.
describe('a folio someone else holds does not migrate', () => {
  const held = `pinbench_page: pfn=0x5000 kind=anon mt=CMA
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
get_user_pages: start=${A} nr_pages=1 gup_flags=0
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('v6.1 .. v7.2: an earlier get_user_pages() reference makes the migration fail -> -ENOMEM', () => {
    for (const id of ['v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, held);
      expect(o.ret, id).toBe(-12);
      expect(
        o.why.some((w) =>
          w.includes('0x5000 holds 1 reference(s) taken in this scenario beyond its mappings'),
        ),
        id,
      ).toBe(true);
    }
  });

  it('v5.10: the failed migration pins in place; v5.10.262 (stable backport) returns -ENOMEM', () => {
    expect(call('v5.10', held).pages).toEqual(['0x5000']);
    expect(call('v5.10.262', held).ret).toBe(-12);
  });

  it('once the reference is put the page migrates; a declared refcount counts as expected', () => {
    expect(
      call('v6.1', held.replace('pin_user_pages: start', 'put_page: of=0\npin_user_pages: start')).pages,
    ).toEqual(['new1']);
    const declared = held
      .replace('kind=anon mt=CMA', 'kind=anon mt=CMA refcount=3')
      .replace(`get_user_pages: start=${A} nr_pages=1 gup_flags=0\n`, '');
    expect(call('v6.1', declared).pages).toEqual(['new1']);
  });
});
