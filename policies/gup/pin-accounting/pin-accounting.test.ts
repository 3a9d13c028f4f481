/**
 * What FOLL_PIN and FOLL_GET do to refcounts per version (facts/pinning.md §2.3, §3): no pin API
 * (v5.4), pin = get (v5.6), GUP_PIN_COUNTING_BIAS (v5.7+), the zero page exempt (v6.5+); the
 * refcount overflow boundary at 2^21 pins; scenario 4 (direct I/O pins the zero page).
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/model/script.ts';
import { definePolicy } from '../../define-policy.ts';
import { getPolicy, policyFromModule } from '../../index.ts';
import { A, call, run, VMF, vma, ZERO_REFCOUNT_ONE_PIN_LEFT, zeroPtes } from '../gup-test-kit.ts';

/** Direct I/O: FOLL_PIN without FOLL_LONGTERM on a zero-page PTE, then unpin (scenario 4). */
const DIO = `${vma(VMF.privateRw)}
${zeroPtes()}
pin_user_pages_fast: start=${A} nr_pages=1 gup_flags=0
unpin_user_pages: of=0`;

describe('pin-accounting: scenario 4, direct I/O pins the zero page', () => {
  const expected: Record<string, number | undefined> = {
    'v5.6': 1,
    'v5.13': 1024,
    'v6.1': 1024,
    'v6.2': 1024,
    'v6.4': 1024,
    'v6.5': undefined,
    'v6.19': undefined,
  };
  for (const [id, refs] of Object.entries(expected)) {
    it(`${id}: the pin moves the zero page by ${refs ?? 0}, the unpin moves it back`, () => {
      const r = run(id, DIO);
      expect(r.outcomes[0]!.pages).toEqual(['zero']);
      expect(r.outcomes[0]!.refs.zero).toBe(refs);
      expect(r.outcomes[1]!.refs.zero).toBe(refs === undefined ? undefined : -refs);
      expect(r.final.leaks).toEqual({});
      expect(r.final.pinsAcquired).toBe(r.final.pinsReleased);
    });
  }

  it('v6.5 says why: a pretend pin (c8070b787519)', () => {
    expect(run('v6.5', DIO).outcomes[0]!.why).toContain(
      'FOLL_PIN on the zero page: pretend pin, refcount untouched (c8070b787519)',
    );
  });

  it('v5.4 has neither pin_user_pages*() nor unpin_user_pages()', () => {
    const r = run('v5.4', DIO);
    expect(r.outcomes.map((o) => o.ret)).toEqual(['unsupported', 'unsupported']);
  });

  it('pin_user_pages_unlocked() is missing in v5.6 and present by v5.13', () => {
    const s = `${vma(VMF.privateRw)}\n${zeroPtes()}\npin_user_pages_unlocked: start=${A} nr_pages=1 gup_flags=0`;
    expect(call('v5.6', s).ret).toBe('unsupported');
    expect(call('v5.13', s).ret).toBe(1);
  });
});

describe('pin-accounting: large folios', () => {
  const THP = `pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGEPAGE backing=anon
pinbench_page: pfn=0x40000 nr=512 kind=thp order=9 refcount=1 mapcount=1 flags=lru,exclusive
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd write=1 dirty=1
pin_user_pages: start=0x201000 nr_pages=2 gup_flags=FOLL_WRITE
unpin_user_pages: of=0`;

  it('v5.13: +1 refcount and +1 pincount per page on a THP; v5.6: +1 refcount, no pincount', () => {
    const r = run('v5.13', THP);
    expect(r.outcomes[0]!.pages).toEqual(['0x40001', '0x40002']);
    expect(r.outcomes[0]!.refs).toEqual({ '0x40000': 2 });
    expect(r.outcomes[0]!.pins).toEqual({ '0x40000': 2 });
    expect(r.outcomes[1]!.pins).toEqual({ '0x40000': -2 });
    const v56 = run('v5.6', THP);
    expect(v56.outcomes[0]!.refs).toEqual({ '0x40000': 2 });
    expect(v56.outcomes[0]!.pins).toEqual({});
  });
});

describe('pin-accounting: the refcount overflow boundary (2^21 pins of 1024 from refcount 1)', () => {
  const twoPins = (page: string) => `pinbench_page: ${page}
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=${page.includes('zero') ? 'zero special=1' : '0x5000 write=1'}
pin_user_pages: start=${A} nr_pages=1 gup_flags=0
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;

  it('zero page on v5.13..v6.4: pin #2^21 succeeds (and wraps), the next WARNs with -ENOMEM', () => {
    const s = twoPins(`pfn=zero refcount=${ZERO_REFCOUNT_ONE_PIN_LEFT} flags=reserved`);
    for (const id of ['v5.13', 'v6.0-rc3', 'v6.4']) {
      const r = run(id, s);
      expect(r.outcomes[0]!.ret, id).toBe(1);
      expect(r.state.folio('zero')!.refcount, id).toBe(-2147483647);
      expect(r.outcomes[1]!.ret, id).toBe(-12);
      expect(r.outcomes[1]!.warn, id).toEqual(['WARN try_grab_page refcount overflow']);
      expect(r.final.warnings, id).toBe(1);
    }
  });

  it('zero page on v6.5+: pinning does not touch it, so no overflow', () => {
    const r = run('v6.5', twoPins(`pfn=zero refcount=${ZERO_REFCOUNT_ONE_PIN_LEFT} flags=reserved`));
    expect(r.outcomes.map((o) => o.ret)).toEqual([1, 1]);
    expect(r.final.warnings).toBe(0);
  });

  it('an anon page on v6.5 still overflows at the same boundary', () => {
    const r = run(
      'v6.5',
      twoPins(`pfn=0x5000 kind=anon refcount=${ZERO_REFCOUNT_ONE_PIN_LEFT} flags=lru,exclusive`),
    );
    expect(r.outcomes.map((o) => o.ret)).toEqual([1, -12]);
    expect(r.outcomes[1]!.warn).toEqual(['WARN try_grab_page refcount overflow']);
  });

  it('FOLL_GET: refcount 2^31-1 takes one more get (wrapping), the next WARNs (v5.4 try_get_page)', () => {
    const s = `pinbench_page: pfn=0x5000 kind=anon refcount=2147483647 flags=lru,exclusive
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
get_user_pages: start=${A} nr_pages=1 gup_flags=0
get_user_pages: start=${A} nr_pages=1 gup_flags=0`;
    for (const id of ['v5.4', 'v6.19']) {
      const r = run(id, s);
      expect(
        r.outcomes.map((o) => o.ret),
        id,
      ).toEqual([1, -12]);
      expect(r.state.folio('0x5000')!.refcount, id).toBe(-2147483648);
    }
  });
});

describe('pin-accounting: the Debian 6.1.192 stable id', () => {
  // 6.1.192 mm/gup.c:try_grab_page(): `if (is_zero_page(page)) return true;` under FOLL_PIN and
  // gup_put_folio(): `if (is_zero_folio(folio)) return;`: c8070b787519 backported to 6.1.y.
  const s = `pinbench_vma: start=${A} end=${A + 0x1000} flags=VM_READ|VM_MAYREAD|VM_MAYWRITE backing=anon
pinbench_pte: addr=${A} pfn=zero special=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;
  it('v6.1 pins the zero page (+1024), v6.1.192 pretends to', () => {
    expect(call('v6.1', s).refs).toEqual({ zero: 1024 });
    const o = call('v6.1.192', s);
    expect(o.ret).toBe(1);
    expect(o.refs).toEqual({});
    expect(getPolicy('v6.1.192').scopeRelease).toBe('v6.1');
  });
});

/**
 * The grab on the hugetlb walk (`hugetlb-walk` path): a written private MAP_HUGETLB 2 MiB page,
 * pinned FOLL_WRITE|FOLL_LONGTERM as io_uring and vfio do. Literal values from the source read:
 * - 5.10.262 mm/hugetlb.c:follow_hugetlb_page():4983 `WARN_ON_ONCE(!try_grab_page(pages[i], flags))`
 *   and mm/gup.c:try_grab_page():197-233 (no long-term test): the pin succeeds and the page is
 *   migrated out of ZONE_MOVABLE (the 5.10 movablecore recording: io_uring.hugetlb ret=0);
 * - v5.12 (0fa5bc4023c1): 5.12.9 mm/hugetlb.c:4980 `WARN_ON_ONCE(!try_grab_compound_head(pages[i],`
 *   whose `if (unlikely(flags & FOLL_LONGTERM) && is_migrate_cma_page(page)) return NULL;`
 *   (5.12.9 mm/gup.c:93-94) refuses CMA only; 5.11.0 mm/hugetlb.c:4932 still try_grab_page();
 * - 6.1.192 mm/gup.c:try_grab_folio():144-146 `if (unlikely((flags & FOLL_LONGTERM) &&
 *   !is_longterm_pinnable_page(page))) return NULL;` and mm/hugetlb.c:6629-6633 `if
 *   (WARN_ON_ONCE(!try_grab_folio(pages[i], refs, flags))) { ... err = -ENOMEM;`: -12 and one
 *   WARN (the 6.1 movablecore recording: io_uring.hugetlb ret=-12, vfio_*.hugetlb -12);
 * - 6.3.8 mm/hugetlb.c:6612, 6.4.4 :6675, 6.5.0 :6695: the same try_grab_folio() grab, whose test is
 *   `!folio_is_longterm_pinnable(folio)` in 6.5.0 mm/gup.c:157-158: -12 through v6.5;
 * - 6.6.9: no follow_hugetlb_page(); hugetlb_follow_page_mask() grabs with try_grab_page()
 *   (mm/hugetlb.c:6541), so the page is migrated (pin-accounting retire-follow-hugetlb-page);
 * - 6.12.118 mm/gup.c:try_grab_folio():146-175 (no long-term test on the slow path) and
 *   follow_huge_pmd():748: the pin succeeds (the 6.12 movablecore recording: ret=0).
 */
describe('pin-accounting: the grab on the hugetlb walk (FOLL_LONGTERM|FOLL_PIN)', () => {
  const hugetlb = (
    page: string,
    api = 'pin_user_pages',
    flags = 'FOLL_WRITE|FOLL_LONGTERM',
  ) => `pinbench_config: migration=1 cma=1
pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGETLB backing=hugetlb fs=hugetlbfs
pinbench_page: pfn=0x20400 nr=512 kind=hugetlb order=9 refcount=1 mapcount=1 flags=exclusive isolatable=1 ${page}
pinbench_pte: addr=0x200000 pfn=0x20400 level=pmd write=1 dirty=1
${api}: start=0x200000 nr_pages=1 gup_flags=${flags}`;
  const MOVABLE = hugetlb('zone=Movable');
  const CMA = hugetlb('mt=CMA');

  // pages: where the pin landed. Before v5.13 ZONE_MOVABLE is long-term pinnable (5.10.262
  // mm/gup.c:check_and_migrate_cma_pages() moves CMA pages only): pinned in place. v6.5 still
  // refuses (6.5.0 mm/gup.c:__get_user_pages():1233-1236 calls follow_hugetlb_page(), whose
  // try_grab_folio() fails at :157-158 -> mm/hugetlb.c:6531 WARN, -ENOMEM). From v6.6 (6.6.9: no
  // follow_hugetlb_page(); hugetlb_follow_page_mask() grabs with try_grab_page()) the page is
  // migrated out (check_and_migrate_movable_pages()) and the copy is pinned.
  const movable: Record<string, { ret: number; warnings: number; pages?: string[] }> = {
    'v5.10': { ret: 1, warnings: 0, pages: ['0x20400'] },
    'v5.10.262': { ret: 1, warnings: 0, pages: ['0x20400'] },
    'v5.12': { ret: 1, warnings: 0, pages: ['0x20400'] },
    'v5.13': { ret: -12, warnings: 1 },
    'v6.1': { ret: -12, warnings: 1 },
    'v6.1.192': { ret: -12, warnings: 1 },
    'v6.4': { ret: -12, warnings: 1 },
    'v6.5': { ret: -12, warnings: 1 },
    'v6.6': { ret: 1, warnings: 0, pages: ['new1'] },
    'v6.12': { ret: 1, warnings: 0, pages: ['new1'] },
    'v7.2': { ret: 1, warnings: 0, pages: ['new1'] },
  };
  for (const [id, want] of Object.entries(movable)) {
    it(`${id}: a ZONE_MOVABLE huge page -> ${want.ret}, ${want.warnings} WARN`, () => {
      const o = run(id, MOVABLE).outcomes[0]!;
      expect(o.ret).toBe(want.ret);
      expect(o.warnings).toBe(want.warnings);
      if (want.ret < 0) {
        expect(o.warn).toEqual(['WARN follow_hugetlb_page grab refused']);
        expect(o.pins).toEqual({});
      } else {
        expect(o.pages).toEqual(want.pages);
      }
    });
  }

  const cma: Record<string, number> = {
    'v5.10': 1,
    'v5.12': -12,
    'v5.13': -12,
    'v6.4': -12,
    'v6.5': -12,
    'v6.6': 1,
  };
  for (const [id, ret] of Object.entries(cma)) {
    it(`${id}: a huge page in a CMA pageblock -> ${ret}`, () => {
      expect(call(id, CMA).ret).toBe(ret);
    });
  }

  it('v6.1: only FOLL_PIN with FOLL_LONGTERM is refused; a short-term pin or a get passes', () => {
    expect(call('v6.1', hugetlb('zone=Movable', 'pin_user_pages', 'FOLL_WRITE')).ret).toBe(1);
    expect(call('v6.1', hugetlb('zone=Movable', 'get_user_pages', 'FOLL_WRITE')).ret).toBe(1);
  });

  it('v6.1: the same page outside ZONE_MOVABLE is pinned in place', () => {
    const r = run('v6.1', hugetlb(''));
    expect(r.outcomes[0]!.ret).toBe(1);
    expect(r.outcomes[0]!.pins).toEqual({ '0x20400': 1 });
  });

  it('v6.1 says why: follow_hugetlb_page refuses and no migration is tried', () => {
    const why = run('v6.1', MOVABLE).outcomes[0]!.why.join('\n');
    expect(why).toContain('follow_hugetlb_page: try_grab_folio(');
    expect(why).not.toMatch(/migrat/);
  });
});

/**
 * The PMD path (`follow-pmd`): a PMD-mapped THP in a CMA pageblock. follow_trans_huge_pmd()
 * grabs with try_grab_page() (5.10.262 mm/huge_memory.c:1364, 6.1.192 :1481) and follow_huge_pmd()
 * with the slow try_grab_folio() (6.12.118 mm/gup.c:748, 7.2.13 :731); none tests FOLL_LONGTERM,
 * so the page reaches check_and_migrate_*() and is migrated, where the same page behind a
 * hugetlb VMA is refused on the hugetlb walk of v5.12 .. v6.5.
 */
describe('pin-accounting: the grab on the PMD path', () => {
  const thp = `pinbench_page: pfn=0x40000 kind=thp mt=CMA
pinbench_vma: start=${A} end=${A + 0x200000} flags=${VMF.privateRw} backing=anon
pinbench_pte: addr=${A} pfn=0x40000 level=pmd write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

  it('is told `follow-pmd` for a PMD entry of an anonymous VMA, `follow-page` for a PTE', () => {
    const seen: string[] = [];
    const user = policyFromModule(
      definePolicy({
        id: 'paths',
        base: 'v6.1',
        override: (base) => ({
          tryGrabPage(k, st, folio, flags, path) {
            seen.push(path);
            return base.tryGrabPage(k, st, folio, flags, path);
          },
        }),
      }),
    );
    runScript(user.ops, thp);
    expect(seen[0]).toBe('follow-pmd');
    seen.length = 0;
    runScript(
      user.ops,
      `${vma(VMF.privateRw)}
pinbench_page: pfn=0x5000 kind=anon
pinbench_pte: addr=${A} pfn=0x5000 write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`,
    );
    expect(seen).toEqual(['follow-page']);
  });

  it('no release refuses a FOLL_LONGTERM THP there: v6.1 migrates it (the hugetlb walk would refuse)', () => {
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, thp);
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['new1']);
      expect(o.warn, id).toEqual([]);
    }
  });
});

/**
 * The GUP-fast grab (slot tryGrabFolioFast) of a FOLL_LONGTERM page in a CMA pageblock that could
 * be migrated. Literal values from the source:
 * - 5.4.0 mm/gup.c:gup_pte_range():1833-1835 refuses FOLL_LONGTERM on a devmap PTE only, then
 *   `head = try_get_compound_head(page, 1);` (:1847): the page is grabbed where it is, and
 *   check_and_migrate_cma_pages() never sees it (5.6.4 :1897, :1911 the same, FOLL_PIN included);
 * - 5.7.14 mm/gup.c:try_grab_compound_head():95-96 `if (unlikely(flags & FOLL_LONGTERM) &&
 *   is_migrate_cma_page(page)) return NULL;` under FOLL_PIN only (5.10.262 :126-128): the slow
 *   path takes the page and migrates it; a FOLL_GET grab has no such test;
 * - 5.10.262 mm/gup.c:get_user_pages_fast() refuses FOLL_LONGTERM outright (is_valid_gup_flags(),
 *   gup-args 447f3e45c18a).
 */
describe('pin-accounting: the GUP-fast grab of a long-term CMA page', () => {
  const cma = (api: string) => `pinbench_config: cma=1
pinbench_page: pfn=0x5001 kind=anon mt=CMA
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5001 write=1
${api}: start=${A} nr_pages=1 gup_flags=FOLL_WRITE|FOLL_LONGTERM`;

  it('v5.4 get_user_pages_fast(): try_get_compound_head() grabs it in CMA (no migration)', () => {
    const o = call('v5.4', cma('get_user_pages_fast'));
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x5001']);
    expect(o.why.join('\n')).toContain('GUP-fast grabbed 1 of 1');
  });

  it('v5.6 pin_user_pages_fast(): still no long-term test, pinned in CMA (+1)', () => {
    const o = call('v5.6', cma('pin_user_pages_fast'));
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x5001']);
    expect(o.refs).toEqual({ '0x5001': 1 });
  });

  it('v5.7 .. v5.12 pin_user_pages_fast(): the fast grab refuses, the slow path migrates it', () => {
    for (const id of ['v5.7', 'v5.10', 'v5.12']) {
      const o = call(id, cma('pin_user_pages_fast'));
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['new1']);
    }
  });

  it('v5.7 .. v5.9 get_user_pages_fast(): a FOLL_GET grab is not tested, grabbed in CMA', () => {
    for (const id of ['v5.7', 'v5.9'])
      expect(call(id, cma('get_user_pages_fast')).pages, id).toEqual(['0x5001']);
  });

  it('v5.10: get_user_pages_fast(FOLL_LONGTERM) is refused before any walk (WARN, -EINVAL)', () => {
    expect(call('v5.10', cma('get_user_pages_fast')).ret).toBe(-22);
  });
});
