/**
 * GUP-fast (gupFastFallback, tryGrabFolioFast): what the lockless walk grabs per release, and the
 * partial return when the slow path fails for the rest of the range. Values from the source:
 * internal_get_user_pages_fast() returns the pages GUP-fast pinned when __gup_longterm_unlocked()
 * fails for the rest (5.10.262 mm/gup.c:2759-2777, 6.1.192 :3065-3083); the fast grab refuses
 * FOLL_PIN|FOLL_LONGTERM of a CMA page (5.10.262 :126-128) and, from v5.13, of any page that is
 * not long-term pinnable (6.1.192 :144-146, 6.12.118 :562-567).
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/model/script.ts';
import { definePolicy } from '../../define-policy.ts';
import { getPolicy, policyFromModule } from '../../index.ts';
import { A, call, VMF, vma } from '../gup-test-kit.ts';

/** Page 0 pinnable (ZONE_NORMAL anon), page 1 in CMA and failing to migrate. */
function twoPages(api: string, config = ''): string {
  return `${config}pinbench_page: pfn=0x5000 kind=anon
pinbench_page: pfn=0x5001 kind=anon mt=CMA migrate=fail
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${A + 0x1000} pfn=0x5001 write=1
${api}: start=${A} nr_pages=2 gup_flags=FOLL_LONGTERM`;
}

describe('GUP-fast: the partial return', () => {
  it('v5.13+: GUP-fast pins page 0, the slow path fails on page 1 (-ENOMEM): pin_user_pages_fast returns 1', () => {
    for (const id of ['v5.13', 'v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, twoPages('pin_user_pages_fast'));
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['0x5000']);
      expect(o.refs, id).toEqual({ '0x5000': 1024 });
      expect(o.why, id).toContain('GUP-fast grabbed 1 of 2 page(s)');
    }
  });

  it('pin_user_pages() over the same range has no fast part: -ENOMEM, nothing pinned', () => {
    for (const id of ['v5.13', 'v6.1', 'v7.2']) {
      const o = call(id, twoPages('pin_user_pages'));
      expect(o.ret, id).toBe(-12);
      expect(o.refs, id).toEqual({});
    }
  });

  it('v5.10: the fast grab refuses the CMA page, the slow path pins it in place (both returned)', () => {
    const o = call('v5.10', twoPages('pin_user_pages_fast'));
    expect(o.ret).toBe(2);
    expect(o.pages).toEqual(['0x5000', '0x5001']);
  });

  it('without pte_special the PTE walk of GUP-fast is a stub: the whole range goes slow (-ENOMEM)', () => {
    const o = call('v6.1', twoPages('pin_user_pages_fast', 'pinbench_config: pte_special=0\n'));
    expect(o.ret).toBe(-12);
  });
});

describe('GUP-fast: late binding of the fast grab', () => {
  it('a patch whose fast grab refuses everything gives the slow-path result', () => {
    const user = policyFromModule(
      definePolicy({ id: 'nofast', base: 'v6.1', override: { tryGrabFolioFast: () => false } }),
    );
    expect(runScript(user.ops, twoPages('pin_user_pages_fast')).outcomes[0]!.ret).toBe(-12);
    expect(runScript(getPolicy('v6.1').ops, twoPages('pin_user_pages_fast')).outcomes[0]!.ret).toBe(1);
  });

  it('pages GUP-fast stops at (zero page, R/O under FOLL_WRITE) reach the slow path as before', () => {
    const ro = `pinbench_page: pfn=0x5000 kind=anon mapcount=2 refcount=2
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pin_user_pages_fast: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`;
    const o = call('v6.12', ro);
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['new1']);
    expect(o.why.some((w) => w.startsWith('GUP-fast grabbed'))).toBe(false);
  });
});
