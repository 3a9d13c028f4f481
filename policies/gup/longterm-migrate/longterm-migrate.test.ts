/**
 * FOLL_LONGTERM migration per version (facts/pinning.md §1.4): CMA only (v5.4), "0 = retry"
 * (v5.13), "-EAGAIN = retry" (v6.1); the livelock windows of scenario 1; the livelock produced by
 * the retry loop itself (not a special case of the zero page); late binding of the predicate.
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/model/script.ts';
import { definePolicy } from '../../define-policy.ts';
import { getPolicy, policyFromModule } from '../../index.ts';
import { A, call, run, VMF, vma, zeroPtes } from '../gup-test-kit.ts';
import { LONGTERM_RETRY_ROUNDS } from './d1e153fea2a8.ts';

/** vfio's pin: R/O FOLL_LONGTERM of one zero-page PTE in a private anon mapping. */
const ZERO_RO_LONGTERM = `${vma(VMF.privateRw)}
${zeroPtes()}
pin_user_pages_remote: mm=1 start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM locked=null`;

function onePage(page: string, gupFlags = 'FOLL_LONGTERM', api = 'pin_user_pages'): string {
  return `pinbench_page: pfn=0x5000 ${page}
${vma(VMF.privateRw)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
${api}: start=${A} nr_pages=1 gup_flags=${gupFlags}`;
}

describe('longterm-migrate: the zero-page livelock windows (scenario 1)', () => {
  it('v5.19-rc1 and v6.0-rc1 spin on a R/O long-term pin of the zero page', () => {
    for (const id of ['v5.19-rc1', 'v6.0-rc1']) {
      const o = call(id, ZERO_RO_LONGTERM);
      expect(o.ret, id).toBe('livelock');
      expect(o.refs, id).toEqual({});
      expect(o.why.at(-1), id).toBe(`retry #${LONGTERM_RETRY_ROUNDS} made no progress -> livelock`);
    }
  });

  it('the rounds come from the retry loop: isolation fails, 0 = retry', () => {
    const why = call('v5.19-rc1', ZERO_RO_LONGTERM).why;
    expect(why).toContain('zero pfn -> not longterm pinnable (1c563432588d)');
    expect(why).toContain('isolation fails -> unpinned all, return 0 = retry');
    // Every round but the last ends in a retry; the why path folds the identical rounds.
    expect(why).toContain('check_and_migrate_movable_pages returned 0: retry #1');
    expect(why).toContain(`(the 8 steps above repeated ${LONGTERM_RETRY_ROUNDS - 1} times)`);
    expect(why.at(-1)).toBe(`retry #${LONGTERM_RETRY_ROUNDS} made no progress -> livelock`);
  });

  it('v5.19-rc4 and v6.0-rc3 pin the zero page itself', () => {
    for (const id of ['v5.18', 'v5.19-rc4', 'v5.19', 'v6.0-rc3', 'v6.1']) {
      const o = call(id, ZERO_RO_LONGTERM);
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['zero']);
      expect(o.refs, id).toEqual({ zero: 1024 });
    }
  });

  it('from v6.2 the zero page in a COW mapping is unshared first: a new page is pinned', () => {
    for (const id of ['v6.2', 'v6.5', 'v6.19']) {
      const o = call(id, ZERO_RO_LONGTERM);
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['new1']);
    }
  });
});

describe('longterm-migrate: pages that can never be isolated', () => {
  const stuck = onePage('kind=anon zone=Movable mt=Movable isolatable=0');

  it('a non-zero ZONE_MOVABLE page with isolatable=0 livelocks from v5.13 (0 and -EAGAIN alike)', () => {
    expect(call('v5.13', stuck).ret).toBe('livelock');
    expect(call('v6.0-rc3', stuck).ret).toBe('livelock');
    const v61 = call('v6.1', stuck);
    expect(v61.ret).toBe('livelock');
    expect(v61.why).toContain('check_and_migrate_movable_pages returned -EAGAIN: retry #1');
  });

  it('v5.4/v5.6 pin ZONE_MOVABLE pages in place (CMA only)', () => {
    const o = call('v5.6', stuck);
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x5000']);
  });

  it('a CMA page that cannot be isolated stays pinned in CMA on v5.6 (failure ignored)', () => {
    const o = call('v5.6', onePage('kind=anon mt=CMA isolatable=0'));
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x5000']);
    expect(run('v5.6', onePage('kind=anon mt=CMA isolatable=0')).final.longtermUnpinnable).toBe(1);
  });
});

describe('longterm-migrate: migration', () => {
  it('a CMA page is migrated and the new page pinned (v5.6, v5.13, v6.1)', () => {
    for (const id of ['v5.6', 'v5.13', 'v6.1', 'v6.19']) {
      const r = run(id, onePage('kind=anon mt=CMA'));
      const o = r.outcomes[0]!;
      expect(o.ret, id).toBe(1);
      expect(o.pages, id).toEqual(['new1']);
      expect(r.state.entryAt(1, A)?.pfn, id).toBe(r.state.folio('new1')!.pfn);
      expect(r.final.longtermUnpinnable, id).toBe(0);
    }
  });

  it('a CMA page with migrate=fail: pinned in place on v5.6, -ENOMEM from v5.13', () => {
    const s = onePage('kind=anon mt=CMA migrate=fail');
    expect(call('v5.6', s).pages).toEqual(['0x5000']);
    expect(call('v5.13', s).ret).toBe(-12);
    const o = call('v6.1', s);
    expect(o.ret).toBe(-12);
    expect(o.refs).toEqual({});
  });

  it('ZONE_MOVABLE pages are migrated from v5.13', () => {
    expect(call('v5.13', onePage('kind=anon zone=Movable')).pages).toEqual(['new1']);
  });

  it('a device-coherent page is migrated on v6.0-rc3 and v6.1; failure -> -EBUSY', () => {
    const ok = onePage('kind=device_coherent zone=Device');
    expect(call('v6.0-rc3', ok).pages).toEqual(['new1']);
    expect(call('v6.1', ok).pages).toEqual(['new1']);
    expect(call('v5.19', ok).pages).toEqual(['0x5000']);
    expect(call('v6.1', onePage('kind=device_coherent zone=Device migrate=fail')).ret).toBe(-16);
  });

  it('-EBUSY unpins every page still in the array, a later device-coherent folio too', () => {
    // Two device-coherent folios; the first fails migrate_device_coherent_page(). 6.1.192
    // mm/gup.c:migrate_longterm_unpinnable_pages(): pages[0] = NULL, folio_get(), the pin
    // dropped, then -EBUSY and `err: for (i = 0; i < nr_pages; i++) if (pages[i])
    // unpin_user_page(pages[i]);`: page 2 (pinned, not yet handled) is unpinned. The failed
    // folio keeps the reference folio_get() took (dropped by the migrate code in the kernel,
    // not modelled: the model's migrate failure returns it untouched).
    const s = `pinbench_page: pfn=0x5000 kind=device_coherent zone=Device migrate=fail
pinbench_page: pfn=0x5001 kind=device_coherent zone=Device
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${A + 0x1000} pfn=0x5001 write=1
pin_user_pages: start=${A} nr_pages=2 gup_flags=FOLL_LONGTERM`;
    for (const id of ['v6.0-rc3', 'v6.1', 'v6.12', 'v7.2']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(-16);
      expect(o.refs['0x5001'] ?? 0, id).toBe(0);
      expect(o.pins, id).toEqual({});
    }
  });

  it('v5.4 has no pin API; get_user_pages(FOLL_LONGTERM) migrates CMA pages with FOLL_GET', () => {
    expect(call('v5.4', onePage('kind=anon mt=CMA')).ret).toBe('unsupported');
    const o = call('v5.4', onePage('kind=anon mt=CMA', 'FOLL_LONGTERM', 'get_user_pages'));
    expect(o.pages).toEqual(['new1']);
    expect(o.refs).toEqual({ '0x5000': -1, new1: 2 });
  });
});

describe('longterm-migrate: late binding of the predicate', () => {
  it('a user policy whose predicate refuses everything makes v6.0-rc3 spin on the zero page', () => {
    const user = policyFromModule(
      definePolicy({ id: 't', base: 'v6.0-rc3', override: { folioIsLongtermPinnable: () => false } }),
    );
    expect(call('v6.0-rc3', ZERO_RO_LONGTERM).ret).toBe(1);
    expect(runScript(user.ops, ZERO_RO_LONGTERM).outcomes[0]!.ret).toBe('livelock');
  });

  it('overriding isolation instead lets the same loop spin on an ordinary CMA page', () => {
    const user = policyFromModule(
      definePolicy({ id: 'u', base: 'v6.1', override: { isolateFolio: () => false } }),
    );
    expect(runScript(user.ops, onePage('kind=anon mt=CMA')).outcomes[0]!.ret).toBe('livelock');
    expect(runScript(getPolicy('v6.1').ops, onePage('kind=anon mt=CMA')).outcomes[0]!.ret).toBe(1);
  });
});

describe('longterm-migrate: Debian 5.10.262 (stable backports of the v5.13 fixes)', () => {
  // 5.10.262 mm/gup.c:check_and_migrate_cma_pages(): `return ret > 0 ? -ENOMEM : ret;`
  // (:1668-1674) and `goto check_again` with isolation errors (:1631-1688).
  it('a CMA page that fails to migrate: v5.10 pins it in place, v5.10.262 returns -ENOMEM with nothing pinned', () => {
    const s = onePage('kind=anon mt=CMA migrate=fail');
    expect(call('v5.10', s).pages).toEqual(['0x5000']);
    const o = call('v5.10.262', s);
    expect(o.ret).toBe(-12);
    expect(o.refs).toEqual({});
    expect(o.why).toContain('migrate_pages failed -> putback, -ENOMEM (stable backport)');
  });

  it('a CMA page that can never be isolated: v5.10 pins it in place, v5.10.262 spins', () => {
    const s = onePage('kind=anon mt=CMA isolatable=0');
    expect(call('v5.10', s).pages).toEqual(['0x5000']);
    const o = call('v5.10.262', s);
    expect(o.ret).toBe('livelock');
    expect(o.why.at(-1)).toBe(`check_again #${LONGTERM_RETRY_ROUNDS} made no progress -> livelock`);
  });

  it('a CMA page that migrates: both pin the new page', () => {
    const s = onePage('kind=anon mt=CMA');
    expect(call('v5.10', s).pages).toEqual(['new1']);
    expect(call('v5.10.262', s).pages).toEqual(['new1']);
  });
});
