/**
 * The late-bound table as users see it: an override may receive the base release's table and
 * call the function it replaces; a slot the base lacks is an explicit stub; `of=` bookkeeping
 * survives a patch that replaces the GUP entry point.
 */
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../src/errors.ts';
import { runScript } from '../src/model/script.ts';
import { definePolicy } from './define-policy.ts';
import { A, VMF, vma, zeroPtes } from './gup/gup-test-kit.ts';
import { getPolicy, policyFromModule } from './index.ts';

/** vfio's pin: R/O FOLL_LONGTERM of one zero-page PTE in a private anon mapping, then its unpin. */
const ZERO_PIN = `${vma(VMF.privateRw)}
${zeroPtes()}
pin_user_pages_remote: mm=1 start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM locked=null
unpin_user_pages: of=0`;

describe('override(base): the base table is handed to the patch', () => {
  it('a patch refusing the zero page and deferring the rest to the base spins on v6.0-rc3', () => {
    const calls: string[] = [];
    const user = policyFromModule(
      definePolicy({
        id: 'no-zero',
        base: 'v6.0-rc3',
        override: (base) => ({
          isLongtermPinnable(k, st, folio) {
            calls.push(folio.name);
            if (folio.kind === 'zero') return false;
            return base.isLongtermPinnable(k, st, folio);
          },
        }),
      }),
    );
    expect(runScript(getPolicy('v6.0-rc3').ops, ZERO_PIN).outcomes[0]!.ret).toBe(1);
    expect(runScript(user.ops, ZERO_PIN).outcomes[0]!.ret).toBe('livelock');
    expect(calls[0]).toBe('zero');
    // The deprecated name overrides the slot it was renamed to (slot-aliases.test.ts).
    expect(user.overrides).toEqual(['folioIsLongtermPinnable']);
  });

  it('a patch that only defers to the base behaves as the base (late binding kept)', () => {
    const user = policyFromModule(
      definePolicy({
        id: 'same',
        base: 'v5.19-rc1',
        override: (base) => ({ isLongtermPinnable: (k, st, f) => base.isLongtermPinnable(k, st, f) }),
      }),
    );
    expect(runScript(user.ops, ZERO_PIN).outcomes[0]!.ret).toBe('livelock');
  });

  it('the object form keeps working', () => {
    const user = policyFromModule(
      definePolicy({ id: 'obj', base: 'v6.0-rc3', override: { isLongtermPinnable: () => false } }),
    );
    expect(runScript(user.ops, ZERO_PIN).outcomes[0]!.ret).toBe('livelock');
  });

  it('override(base) returning something else than an object is a PolicyError', () => {
    expect(() =>
      policyFromModule(
        definePolicy({ id: 'bad', base: 'v6.1', override: (() => null) as unknown as () => object }),
      ),
    ).toThrow(PolicyError);
  });
});

describe('a kernel function the base release does not have', () => {
  it('is a stub that fails with a PolicyError naming the function and where it first appears', () => {
    const v610 = getPolicy('v6.10').ops;
    expect(typeof v610.vmMixedZeropageAllowed).toBe('function');
    let thrown: unknown;
    try {
      (v610.vmMixedZeropageAllowed as (...a: unknown[]) => unknown)();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expect((thrown as Error).message).toBe(
      'kernel function vmMixedZeropageAllowed() does not exist in this release (first provided by zeropage-insert fce831c92092, v6.11) [PB_POLICY]',
    );
    expect(() => (getPolicy('v6.2').ops.isValidGupArgs as (...a: unknown[]) => unknown)()).toThrow(
      /isValidGupArgs\(\) does not exist in this release \(first provided by gup-args d64e2dbc33a1, v6.3\)/,
    );
  });

  it('a patch may add it: the override replaces the stub', () => {
    const user = policyFromModule(
      definePolicy({ id: 'add', base: 'v6.10', override: { vmMixedZeropageAllowed: () => true } }),
    );
    expect((user.ops.vmMixedZeropageAllowed as () => boolean)()).toBe(true);
  });
});

describe('replay bookkeeping lives in the dispatcher', () => {
  it('unpin of=0 releases what call 0 returned even when a patch replaces the gup entry point', () => {
    const user = policyFromModule(
      definePolicy({
        id: 'wrap-gup',
        base: 'v6.1',
        // A patch that re-implements the entry point without any bookkeeping of its own.
        override: (base) => ({ gup: (k, st, name, a) => base.gupApi(k, st, name, a) }),
      }),
    );
    const r = runScript(user.ops, ZERO_PIN);
    expect(r.outcomes[0]!.refs).toEqual({ zero: 1024 });
    expect(r.outcomes[1]!.refs).toEqual({ zero: -1024 });
    expect(r.final.leaks).toEqual({});
  });
});
