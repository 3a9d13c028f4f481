/**
 * Slots renamed after the kernel functions they model keep their old names as deprecated
 * aliases (src/model/kernel.ts: DEPRECATED_SLOT_NAMES): a user module written against an old
 * name overrides and calls the renamed slot.
 */
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../src/errors.ts';
import { DEPRECATED_SLOT_NAMES, type Kernel, kernelHash } from '../src/model/kernel.ts';
import { runScript } from '../src/model/script.ts';
import { SlotTracker } from '../src/model/slot-tracker.ts';
import { definePolicy } from './define-policy.ts';
import { A, VMF, vma, zeroPtes } from './gup/gup-test-kit.ts';
import { allPolicies, getPolicy, policyFromModule } from './index.ts';

const ZERO_PIN = `${vma(VMF.privateRw)}
${zeroPtes()}
pin_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_LONGTERM`;

const OLD_TO_NEW = Object.entries(DEPRECATED_SLOT_NAMES) as [keyof Kernel, keyof Kernel][];

describe('deprecated slot names', () => {
  it('every table answers each old name with the renamed slot, invisible to Object.keys', () => {
    for (const p of allPolicies()) {
      const ops = p.ops as unknown as Record<string, unknown>;
      for (const [old, now] of OLD_TO_NEW) {
        expect(ops[old], `${p.id} ${old}`).toBe(ops[now]);
        expect(Object.keys(p.ops), p.id).not.toContain(old);
      }
    }
  });

  it('an override by the old name replaces the new slot, and calls by either name reach it', () => {
    const seen: string[] = [];
    const user = policyFromModule(
      definePolicy({
        id: 'old-name',
        base: 'v6.0-rc3',
        override: (base) => ({
          isLongtermPinnable(k, st, f) {
            seen.push(f.name);
            return f.kind !== 'zero' && base.isLongtermPinnable(k, st, f);
          },
        }),
      }),
    );
    expect(user.overrides).toEqual(['folioIsLongtermPinnable']);
    expect(user.ops.isLongtermPinnable).toBe(user.ops.folioIsLongtermPinnable);
    // v6.0-rc3 pins the zero page in place (1); refusing it sends the pin round the migration
    // loop, which cannot isolate the zero page: livelock (define-policy.test.ts, same scenario).
    expect(runScript(getPolicy('v6.0-rc3').ops, ZERO_PIN).outcomes[0]!.ret).toBe(1);
    expect(runScript(user.ops, ZERO_PIN).outcomes[0]!.ret).toBe('livelock');
    expect(seen[0]).toBe('zero');
  });

  it('naming a slot by both names is a PolicyError', () => {
    expect(() =>
      policyFromModule(
        definePolicy({
          id: 'both',
          base: 'v6.12',
          override: { isLongtermPinnable: () => true, folioIsLongtermPinnable: () => true },
        }),
      ),
    ).toThrow(PolicyError);
  });

  it('a name that is no slot is still refused (prototype members included)', () => {
    expect(() =>
      policyFromModule(
        definePolicy({ id: 'proto', base: 'v6.12', override: { constructor: () => 1 } as never }),
      ),
    ).toThrow("override 'constructor' is not a kernel function");
  });

  it("the slot tracker's recording table answers the old names too", () => {
    const tracker = new SlotTracker();
    const k = tracker.kernel(getPolicy('v6.1').ops) as unknown as Record<string, unknown>;
    for (const [old, now] of OLD_TO_NEW) expect(k[old], old).toBe(k[now]);
  });

  it('the aliases do not enter the kernel hash', () => {
    const ops = getPolicy('v6.1').ops;
    const copy = { ...ops } as Kernel;
    expect(Object.keys(copy)).not.toContain('isLongtermPinnable');
    expect(kernelHash(copy)).toBe(kernelHash(ops));
  });
});
