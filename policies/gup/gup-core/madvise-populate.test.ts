/**
 * madvise(MADV_POPULATE_READ/WRITE) (gup-core 4ca9b3859dac, v5.14): values from 6.1.192
 * mm/madvise.c madvise_populate() and mm/gup.c faultin_vma_page_range(), and 6.12.118
 * faultin_page_range() / __get_user_pages() under FOLL_MADV_POPULATE.
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

const populate = (advice: string, pages = 4) =>
  `madvise: start=${A} len=${pages * 4096} advice=MADV_POPULATE_${advice}`;

describe('gup-core: madvise(MADV_POPULATE_*)', () => {
  it('before v5.14 the advice is unknown: -EINVAL, nothing faulted', () => {
    const r = run('v5.10', `${vma(VMF.privateRw, 4)}\n${populate('READ')}`);
    expect(r.outcomes[0]!.ret).toBe(-22);
    expect(r.state.entryAt(1, A)).toBeUndefined();
  });

  it('MADV_POPULATE_READ of private anon maps the zero page and takes no reference', () => {
    for (const id of ['v5.14', 'v6.1', 'v6.12', 'v7.2']) {
      const r = run(id, `${vma(VMF.privateRw, 4)}\n${populate('READ')}`);
      expect(r.outcomes[0]!.ret, id).toBe(0);
      expect(r.outcomes[0]!.refs, id).toEqual({});
      expect(r.state.entryAt(1, A), id).toMatchObject({ pfn: 0x1000, special: true });
    }
  });

  it('MADV_POPULATE_WRITE of a PROT_READ mapping: check_vma_flags() refuses -> -EINVAL', () => {
    for (const id of ['v6.1', 'v6.12', 'v7.2'])
      expect(call(id, `${vma(VMF.privateRo, 4)}\n${populate('WRITE')}`).ret, id).toBe(-22);
  });

  it('MADV_POPULATE_WRITE of private anon allocates writable pages, no reference kept', () => {
    const r = run('v6.12', `${vma(VMF.privateRw, 4)}\n${populate('WRITE')}`);
    expect(r.outcomes[0]!.ret).toBe(0);
    expect(r.state.entryAt(1, A)).toMatchObject({ write: true, special: false });
    expect(r.final.leaks).toEqual({});
  });

  it('a range past the VMA: -ENOMEM once the VMAs run out', () => {
    expect(call('v6.1', `${vma(VMF.privateRw, 2)}\n${populate('READ', 4)}`).ret).toBe(-12);
  });
});
