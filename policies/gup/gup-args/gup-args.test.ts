/**
 * Which flag and `locked` combinations each API accepts, per version (facts/pinning.md §4, §5.1;
 * scenario 6): get_user_pages_remote(FOLL_LONGTERM, locked=NULL), the v6.3 is_valid_gup_args()
 * and its 0 return from pin_user_pages_remote(), the 6.3 flag renumbering, FOLL_HONOR_NUMA_FAULT.
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

/** One anon page of another process (mm=2) in a CMA pageblock, as mdev pinning sees it. */
function remote(api: string, flags: string, locked = 'null', page = 'kind=anon mt=CMA'): string {
  return `pinbench_page: pfn=0x5000 ${page}
pinbench_vma: mm=2 start=${A} end=${A + 0x1000} flags=${VMF.privateRw} backing=anon
pinbench_pte: mm=2 addr=${A} pfn=0x5000 write=1
${api}: mm=2 start=${A} nr_pages=1 gup_flags=${flags} locked=${locked}`;
}

describe('gup-args: get_user_pages_remote(FOLL_LONGTERM, locked=NULL) (scenario 6)', () => {
  it('v5.4: WARN and -EINVAL before any VMA check', () => {
    const o = call('v5.4', remote('get_user_pages_remote', 'FOLL_LONGTERM'));
    expect(o.ret).toBe(-22);
    expect(o.warn).toEqual(['WARN get_user_pages_remote FOLL_LONGTERM']);
    expect(o.refs).toEqual({});
  });

  it('v5.6: accepted, through __gup_longterm_locked (the CMA page is migrated)', () => {
    const o = call('v5.6', remote('get_user_pages_remote', 'FOLL_LONGTERM'));
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['new1']);
  });

  it('v5.6 with a locked pointer: WARN, -EINVAL', () => {
    const o = call('v5.6', remote('get_user_pages_remote', 'FOLL_LONGTERM', '1'));
    expect(o.ret).toBe(-22);
    expect(o.warn).toEqual(['WARN FOLL_LONGTERM with locked']);
  });

  it('v5.13 (from 447f3e45c18a, v5.10): FOLL_LONGTERM belongs to pin_user_pages_remote', () => {
    const o = call('v5.13', remote('get_user_pages_remote', 'FOLL_LONGTERM'));
    expect(o.ret).toBe(-22);
    expect(o.warn).toEqual(['WARN get_user_pages_remote FOLL_LONGTERM']);
    expect(call('v5.13', remote('pin_user_pages_remote', 'FOLL_LONGTERM')).pages).toEqual(['new1']);
  });

  it('without FOLL_LONGTERM the remote path pins the CMA page in place (v5.4)', () => {
    expect(call('v5.4', remote('get_user_pages_remote', '0')).pages).toEqual(['0x5000']);
  });

  it('pin_user_pages_remote(FOLL_LONGTERM) with locked=1: -EINVAL on v6.1, accepted from v6.2', () => {
    expect(call('v6.1', remote('pin_user_pages_remote', 'FOLL_LONGTERM', '1')).ret).toBe(-22);
    expect(call('v6.2', remote('pin_user_pages_remote', 'FOLL_LONGTERM', '1')).ret).toBe(1);
    expect(call('v6.3', remote('pin_user_pages_remote', 'FOLL_LONGTERM', '1')).ret).toBe(1);
  });

  it('*locked == 0: BUG_ON in __get_user_pages_locked up to v6.2, a WARN and 0 from v6.3', () => {
    const bug = call('v6.2', remote('pin_user_pages_remote', '0', '0'));
    expect(bug.ret).toBe('BUG');
    expect(bug.warn).toEqual(['BUG __get_user_pages_locked *locked != 1']);
    const warn = call('v6.3', remote('pin_user_pages_remote', '0', '0'));
    expect(warn.ret).toBe(0);
    expect(warn.warn).toEqual(['WARN is_valid_gup_args']);
  });
});

describe('gup-args: bad arguments from v6.3 (is_valid_gup_args)', () => {
  it('pin_user_pages_remote returns 0 (not -EINVAL) on v6.3+, -EINVAL before', () => {
    for (const id of ['v6.3', 'v6.5', 'v6.19']) {
      const o = call(id, remote('pin_user_pages_remote', 'FOLL_GET'));
      expect(o.ret, id).toBe(0);
      expect(o.warn, id).toEqual(['WARN is_valid_gup_args']);
      expect(o.warnings, id).toBe(1);
    }
    const old = call('v6.2', remote('pin_user_pages_remote', 'FOLL_GET'));
    expect(old.ret).toBe(-22);
    expect(old.warn).toEqual(['WARN pin_user_pages_remote FOLL_GET']);
  });

  it('get_user_pages_remote and pin_user_pages_fast return -EINVAL on the same refusal', () => {
    expect(call('v6.3', remote('get_user_pages_remote', 'FOLL_LONGTERM')).ret).toBe(-22);
    const fast = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\npin_user_pages_fast: start=${A} nr_pages=1 gup_flags=FOLL_GET`;
    expect(call('v6.3', fast).ret).toBe(-22);
  });

  it('get_user_pages(FOLL_LONGTERM) works with FOLL_GET on v5.6 only', () => {
    const s = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
    expect(call('v5.4', s).ret).toBe(1);
    expect(call('v5.6', s).ret).toBe(1);
    expect(call('v5.13', s).ret).toBe(-22);
    expect(call('v6.3', s).why).toContain('is_valid_gup_args: FOLL_LONGTERM without FOLL_PIN -> WARN');
  });
});

describe('gup-args: the v6.3 flag renumbering (facts/pinning.md §5.1)', () => {
  /** pin_user_pages with raw gup_flags=0x10000 recorded on `kernel`, on a CMA page. */
  function raw(kernel: string): string {
    return `pinbench_config: kernel=${kernel}
pinbench_page: pfn=0x5000 kind=anon mt=CMA
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pin_user_pages: start=${A} nr_pages=1 gup_flags=0x10000`;
  }

  it('0x10000 recorded on 6.1 is FOLL_LONGTERM: the CMA page is migrated (v6.1 and v6.3 alike)', () => {
    for (const id of ['v6.1', 'v6.3']) {
      const o = call(id, raw('6.1'));
      expect(o.pages, id).toEqual(['new1']);
      expect(o.why[0], id).toBe('gup_flags 0x10000 decoded with the 6.1 numbering = FOLL_LONGTERM');
    }
  });

  it('0x10000 recorded on 6.3 is FOLL_TOUCH: v6.3 refuses an internal flag (pin_user_pages -> 0)', () => {
    const o = call('v6.3', raw('6.3'));
    expect(o.why[0]).toBe('gup_flags 0x10000 decoded with the 6.3 numbering = FOLL_TOUCH');
    expect(o.ret).toBe(0);
    expect(o.warn).toEqual(['WARN is_valid_gup_args']);
    // v6.1 takes FOLL_TOUCH from a caller: a plain pin of the CMA page in place.
    expect(call('v6.1', raw('6.3')).pages).toEqual(['0x5000']);
  });
});

describe('gup-args: FOLL_HONOR_NUMA_FAULT forced in v6.5 only', () => {
  const s = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\npin_user_pages: start=${A} nr_pages=1 gup_flags=0`;
  it('v6.5 forces it, v6.4 and v6.6+ do not', () => {
    expect(call('v6.5', s).why).toContain('is_valid_gup_args: FOLL_HONOR_NUMA_FAULT forced (d74943a2f3cd)');
    expect(call('v6.5', s).why).toContain('pin_user_pages: gup_flags FOLL_PIN|FOLL_HONOR_NUMA_FAULT');
    for (const id of ['v6.4', 'v6.9', 'v6.19']) {
      expect(
        call(id, s).why.some((w) => w.includes('HONOR_NUMA')),
        id,
      ).toBe(false);
    }
  });
});

describe('gup-args: v5.4 specifics', () => {
  it('get_user_pages_fast accepts only FOLL_WRITE|FOLL_LONGTERM in v5.4', () => {
    const s = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\nget_user_pages_fast: start=${A} nr_pages=1 gup_flags=FOLL_FORCE`;
    const o = call('v5.4', s);
    expect(o.ret).toBe(-22);
    expect(o.warn).toEqual(['WARN gup_fast flags']);
    expect(call('v5.6', s).ret).toBe(1);
  });

  it('a flag the release does not define is ignored, with a note', () => {
    const s = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_PCI_P2PDMA`;
    const r = run('v5.4', s);
    expect(r.outcomes[0]!.ret).toBe(1);
    expect(r.outcomes[0]!.why[0]).toBe('FOLL_PCI_P2PDMA is not defined in the v5.4+ numbering: ignored');
  });
});

describe("gup-args: the numbering is the replayed release's, not the family version's", () => {
  // gup-args v6.6 is reused by every release from v6.6 on. FOLL_MADV_POPULATE = 1 << 22 is in
  // INTERNAL_GUP_FLAGS in 6.12.118 and 7.2.13 mm/internal.h; is_valid_gup_args() there:
  // `if (WARN_ON_ONCE(gup_flags & INTERNAL_GUP_FLAGS)) return false;` and pin_user_pages()
  // `return 0;` on false.
  const s = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\npin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_MADV_POPULATE`;
  it('v6.12 and v7.2 refuse FOLL_MADV_POPULATE from a caller: WARN, 0', () => {
    for (const id of ['v6.12', 'v6.19', 'v7.2']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(0);
      expect(o.warn, id).toEqual(['WARN is_valid_gup_args']);
      expect(o.warnings, id).toBe(1);
    }
  });
  it('v6.6 (same family version) does not define the flag: dropped, the pin proceeds', () => {
    const o = call('v6.6', s);
    expect(o.ret).toBe(1);
    expect(o.why[0]).toBe('FOLL_MADV_POPULATE is not defined in the v6.5+ numbering: ignored');
  });
  it('FOLL_SPLIT (0x80) is defined in 5.10.262 include/linux/mm.h, not after the v5.13 boundary', () => {
    const g = `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=0x5000 write=1\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_SPLIT`;
    expect(call('v5.10', g).why.some((w) => w.includes('FOLL_SPLIT is not defined'))).toBe(false);
    expect(call('v5.13', g).why[0]).toBe('FOLL_SPLIT is not defined in the v5.13+ numbering: ignored');
  });
});
