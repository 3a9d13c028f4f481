/**
 * R/O pins that must unshare first (facts/pinning.md §1.5; scenario 5): none before v5.19; anon
 * pages that are not PageAnonExclusive from v5.19 (a7f226604170); anything in a COW mapping for
 * long-term pins from v6.2 (84209e87c696).
 */
import { describe, expect, it } from 'vitest';
import { A, call, VMF, vma, zeroPtes } from '../gup-test-kit.ts';

/** A R/O pin of an anon page mapped R/O by two processes (not exclusive). */
const SHARED_ANON = `pinbench_page: pfn=0x5000 kind=anon mapcount=2 refcount=2 flags=lru
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;

describe('unshare: anon pages (a7f226604170, v5.19)', () => {
  it('v5.18 pins the possibly shared page; v5.19+ unshares to a new exclusive page', () => {
    expect(call('v5.18', SHARED_ANON).pages).toEqual(['0x5000']);
    for (const id of ['v5.19', 'v6.1', 'v6.19']) {
      const o = call(id, SHARED_ANON);
      expect(o.pages, id).toEqual(['new1']);
      expect(o.why, id).toContain('0x5000: anon page not PageAnonExclusive -> must unshare (a7f226604170)');
    }
  });

  it('an exclusive anon page is pinned as it is; a writable PTE is never unshared', () => {
    const excl = SHARED_ANON.replace('mapcount=2 refcount=2 flags=lru', 'flags=lru,exclusive');
    expect(call('v6.1', excl).pages).toEqual(['0x5000']);
    expect(call('v6.1', SHARED_ANON.replace('write=0', 'write=1')).pages).toEqual(['0x5000']);
  });

  it('a non-exclusive anon page mapped only here is reused in place, marked exclusive', () => {
    const single = SHARED_ANON.replace('mapcount=2 refcount=2 flags=lru', 'mapcount=1 flags=lru');
    const o = call('v5.19', single);
    expect(o.pages).toEqual(['0x5000']);
    expect(o.why).toContain('unshare fault: anon page 0x5000 mapped only here -> reused, marked exclusive');
  });
});

describe('unshare: the zero page and page cache in COW mappings (84209e87c696, v6.2; scenario 5)', () => {
  const zero = (gupFlags: string, flags: string = VMF.privateRw) => `${vma(flags)}
${zeroPtes()}
pin_user_pages: start=${A} nr_pages=1 gup_flags=${gupFlags}`;

  it('a R/O long-term pin of the zero page: the zero page on v6.1, a new anon page from v6.2', () => {
    expect(call('v6.1', zero('FOLL_LONGTERM')).pages).toEqual(['zero']);
    const o = call('v6.2', zero('FOLL_LONGTERM'));
    expect(o.pages).toEqual(['new1']);
    expect(o.why).toContain('zero page in a COW mapping, R/O long-term pin -> must unshare (84209e87c696)');
  });

  it('not for short-term pins, and not outside COW mappings', () => {
    expect(call('v6.2', zero('0')).pages).toEqual(['zero']);
    expect(call('v6.2', zero('FOLL_LONGTERM', VMF.privateNeverWritable)).pages).toEqual(['zero']);
  });

  it('a page-cache page in a private file mapping is unshared to an anon copy', () => {
    const s = `pinbench_page: pfn=0x5000 kind=file refcount=2 flags=lru
${vma(VMF.privateRw, 1, 'backing=file fs=ext4')}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
    expect(call('v6.1', s).pages).toEqual(['0x5000']);
    expect(call('v6.2', s).pages).toEqual(['new1']);
  });
});

describe('unshare per release, against the source read', () => {
  it('v5.10 (5.10.262: no gup_must_unshare) pins the possibly shared anon page as it is', () => {
    expect(call('v5.10', SHARED_ANON).pages).toEqual(['0x5000']);
  });

  // 6.1.192 include/linux/mm.h:3196 / 6.12.118 mm/internal.h:1376: `(flags & (FOLL_WRITE |
  // FOLL_PIN)) != FOLL_PIN` -> false: get_user_pages (FOLL_GET) never unshares.
  it('FOLL_GET lookups never unshare, in any release', () => {
    const gup = SHARED_ANON.replace('pin_user_pages:', 'get_user_pages:');
    for (const id of ['v5.19', 'v6.1', 'v6.12', 'v7.2']) expect(call(id, gup).pages, id).toEqual(['0x5000']);
  });

  it('7.2.13 mm/internal.h:1678 keeps the v6.2 rule: zero page unshared for R/O long-term pins in COW mappings', () => {
    const s = `${vma(VMF.privateRw)}
${zeroPtes()}
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;
    expect(call('v6.12', s).pages).toEqual(['new1']);
    expect(call('v7.2', s).pages).toEqual(['new1']);
    expect(call('v7.2', s.replace('FOLL_LONGTERM', '0')).pages).toEqual(['zero']);
  });
});

// 17839856fd58 (v5.8): `is_cow_mapping(vma->vm_flags) && (flags & (FOLL_GET | FOLL_PIN))` forces
// FOLL_WRITE in __get_user_pages(); GUP-fast walks with `gup_flags | FOLL_WRITE`;
// can_follow_write_pte() is `pte_write(pte) || ((flags & FOLL_COW) && pte_dirty(pte))`. Gone in
// v5.9 (a308c71bf1e6). Text read in the removal's diff.
describe('should_force_cow_break (v5.8 only)', () => {
  it('a read pin of a page shared with another mm takes a COW copy on v5.8, the page on v5.7 and v5.9', () => {
    const o = call('v5.8', SHARED_ANON);
    expect(o.pages).toEqual(['new1']);
    expect(o.why).toContain('should_force_cow_break: COW mapping and FOLL_GET|FOLL_PIN -> FOLL_WRITE');
    expect(call('v5.7', SHARED_ANON).pages).toEqual(['0x5000']);
    expect(call('v5.9', SHARED_ANON).pages).toEqual(['0x5000']);
    // FOLL_GET too (get_user_pages), which the v6.x unshare rule never covers.
    expect(call('v5.8', SHARED_ANON.replace('pin_user_pages:', 'get_user_pages:')).pages).toEqual(['new1']);
  });

  it('the zero page is never returned for a read reference in a COW mapping', () => {
    const zero = (flags: string) => `${vma(flags)}
${zeroPtes()}
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;
    expect(call('v5.8', zero(VMF.privateRw)).pages).toEqual(['new1']);
    // PROT_READ private mapping: check_vma_flags() sees no FOLL_WRITE and passes; the forced
    // write COWs into a R/O, dirty PTE that FOLL_COW may follow.
    const ro = call('v5.8', zero(VMF.privateRo));
    expect(ro.ret).toBe(1);
    expect(ro.pages).toEqual(['new1']);
    expect(call('v5.9', zero(VMF.privateRo)).pages).toEqual(['zero']);
    // Not a COW mapping (no VM_MAYWRITE): nothing forced.
    expect(call('v5.8', zero(VMF.privateNeverWritable)).pages).toEqual(['zero']);
  });

  it('a read pin of a private file mapping takes an anon copy, of a shared one the page-cache page', () => {
    const file = (flags: string) => `pinbench_page: pfn=0x5000 kind=file refcount=2 flags=lru
${vma(flags, 1, 'backing=file fs=ext4')}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;
    expect(call('v5.8', file(VMF.privateRw)).pages).toEqual(['new1']);
    expect(call('v5.9', file(VMF.privateRw)).pages).toEqual(['0x5000']);
    expect(call('v5.8', file(VMF.sharedRw)).pages).toEqual(['0x5000']);
  });

  it('an unpopulated private anon page faults in as a new anon page, not the zero page', () => {
    const s = `${vma(VMF.privateRw)}
pin_user_pages: start=${A} nr_pages=1 gup_flags=0`;
    expect(call('v5.8', s).pages).toEqual(['new1']);
    expect(call('v5.9', s).pages).toEqual(['zero']);
  });

  it('GUP-fast leaves R/O entries to the slow path on v5.8 (the page is reused: exclusive)', () => {
    const excl = `pinbench_page: pfn=0x5000 kind=anon flags=lru,exclusive
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pin_user_pages_fast: start=${A} nr_pages=1 gup_flags=0`;
    const v58 = call('v5.8', excl);
    expect(v58.pages).toEqual(['0x5000']);
    expect(v58.why.some((w) => w.startsWith('GUP-fast grabbed'))).toBe(false);
    const v59 = call('v5.9', excl);
    expect(v59.pages).toEqual(['0x5000']);
    expect(v59.why).toContain('GUP-fast grabbed 1 of 1 page(s)');
    // A writable entry is GUP-fast's on v5.8 too.
    expect(call('v5.8', excl.replace('write=0', 'write=1')).why).toContain('GUP-fast grabbed 1 of 1 page(s)');
  });
});
