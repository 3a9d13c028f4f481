/**
 * The VMA tests of GUP per version (facts/pinning.md §4, §6; facts/io-uring.md §2): VM_IO and
 * VM_PFNMAP, FOLL_WRITE on a read-only VMA, fs-dax after pinning (<= v5.10) and before (v5.11+),
 * secretmem (v5.14+), writable long-term pins of shared file mappings (v6.5+, 8ac268436e6d).
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

function pin(
  vmaFlags: string,
  extra: string,
  gupFlags: string,
  api = 'pin_user_pages',
  page = 'kind=file',
): string {
  return `pinbench_page: pfn=0x5000 ${page}
${vma(vmaFlags, 1, extra)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
${api}: start=${A} nr_pages=1 gup_flags=${gupFlags}`;
}

describe('vma-checks: check_vma_flags in every version', () => {
  it('VM_IO and VM_PFNMAP -> -EFAULT', () => {
    for (const id of ['v5.4', 'v5.13', 'v6.19']) {
      expect(call(id, pin(`${VMF.sharedRw}|VM_IO`, 'backing=file', '0', 'get_user_pages')).ret, id).toBe(-14);
      expect(
        call(id, pin(`${VMF.sharedRw}|VM_PFNMAP`, 'backing=pfnmap', '0', 'get_user_pages')).ret,
        id,
      ).toBe(-14);
    }
  });

  it('FOLL_WRITE on a read-only VMA -> -EFAULT; FOLL_FORCE in a COW mapping -> COW copy', () => {
    const ro = `pinbench_page: pfn=0x5000 kind=anon flags=lru
${vma(VMF.privateRo)}
pinbench_pte: addr=${A} pfn=0x5000 write=0
pinbench_page: pfn=0x6000 kind=anon mapcount=2 flags=lru
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`;
    const o = call('v6.1', ro);
    expect(o.ret).toBe(-14);
    expect(o.why).toContain(
      `check_vma_flags: FOLL_WRITE on read-only VMA ${'0x7f0000000000'}-0x7f0000001000 -> -EFAULT`,
    );
    const shared = `pinbench_page: pfn=0x5000 kind=anon mapcount=2 flags=lru
${vma(VMF.privateRo)}
pinbench_pte: addr=${A} pfn=0x5000 write=0
get_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE|FOLL_FORCE`;
    expect(call('v6.1', shared).pages).toEqual(['new1']);
  });
});

describe('vma-checks: fs-dax and FOLL_LONGTERM', () => {
  const dax = (id: string) =>
    run(
      id,
      pin(
        VMF.sharedRw,
        'backing=fsdax fs=xfs',
        'FOLL_WRITE|FOLL_LONGTERM',
        id === 'v5.4' ? 'get_user_pages' : 'pin_user_pages',
        'kind=fsdax',
      ),
    );

  it('v5.4/v5.6: checked after pinning: -EOPNOTSUPP, every page put again', () => {
    for (const id of ['v5.4', 'v5.6']) {
      const r = dax(id);
      expect(r.outcomes[0]!.ret, id).toBe(-95);
      expect(r.outcomes[0]!.why, id).toContain(
        'check_dax_vmas: FOLL_LONGTERM on an fs-dax VMA -> put all pages, -EOPNOTSUPP',
      );
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('from v5.11 (52650c8b466b): check_vma_flags refuses before pinning', () => {
    for (const id of ['v5.13', 'v6.19']) {
      const r = dax(id);
      expect(r.outcomes[0]!.ret, id).toBe(-95);
      expect(r.outcomes[0]!.refs, id).toEqual({});
      expect(r.outcomes[0]!.why.at(-1), id).toBe(
        'check_vma_flags: FOLL_LONGTERM on an fs-dax VMA -> -EOPNOTSUPP (nothing pinned)',
      );
    }
  });
});

describe('vma-checks: secretmem', () => {
  it('-EFAULT from v5.14 (checked on v5.18)', () => {
    const s = pin(VMF.sharedRw, 'backing=secretmem', 'FOLL_WRITE', 'pin_user_pages', 'kind=anon');
    expect(call('v5.18', s).ret).toBe(-14);
    expect(call('v5.13', s).ret).toBe(1);
  });
});

describe('vma-checks: writable long-term pins of shared file mappings (8ac268436e6d, v6.5)', () => {
  const cases: [string, string, string, number, number][] = [
    // label, vma extra, page, v6.4, v6.5
    ['ext4 shared', 'backing=file fs=ext4', 'kind=file', 1, -14],
    ['xfs shared', 'backing=file fs=xfs', 'kind=file', 1, -14],
    ['ramfs shared (generic_file_vm_ops has page_mkwrite)', 'backing=file fs=ramfs', 'kind=file', 1, -14],
    ['tmpfs shared', 'backing=shmem fs=tmpfs', 'kind=shmem', 1, 1],
    ['memfd (shmem)', 'backing=shmem', 'kind=shmem', 1, 1],
    ['hugetlbfs shared', 'backing=hugetlb fs=hugetlbfs', 'kind=file', 1, 1],
  ];
  for (const [label, extra, page, v64, v65] of cases) {
    it(label, () => {
      const s = pin(VMF.sharedRw, extra, 'FOLL_WRITE|FOLL_LONGTERM', 'pin_user_pages', page);
      expect(call('v6.4', s).ret).toBe(v64);
      expect(call('v6.5', s).ret).toBe(v65);
    });
  }

  it('only FOLL_PIN|FOLL_LONGTERM with FOLL_WRITE is refused', () => {
    const ext4 = 'backing=file fs=ext4';
    expect(call('v6.5', pin(VMF.sharedRw, ext4, 'FOLL_WRITE')).ret).toBe(1);
    expect(call('v6.5', pin(VMF.sharedRw, ext4, 'FOLL_LONGTERM')).ret).toBe(1);
    expect(call('v6.5', pin(VMF.sharedRw, `${ext4} ops=page_mkwrite`, 'FOLL_WRITE|FOLL_LONGTERM')).ret).toBe(
      -14,
    );
  });
});

describe('vma-checks: FOLL_FORCE|FOLL_WRITE on a read-only private hugetlb VMA', () => {
  // f347454d0341 "mm/gup: disallow FOLL_FORCE|FOLL_WRITE on hugetlb mappings" adds, in
  // mm/gup.c:check_vma_flags(), `/* hugetlb does not support FOLL_FORCE|FOLL_WRITE. */
  // if (is_vm_hugetlb_page(vma)) return -EFAULT;` (6.1.192 :1085 via the 6.1.y backport of
  // 2022-12-28, 6.2.1, 6.3.8 .. 6.13.7, 6.12.118 :1300); absent in 5.10.262, 6.0-rc1, in
  // 5535be309971's post-image and from 6.14.0 on.
  const s = pin(VMF.privateRo, 'backing=hugetlb fs=hugetlbfs', 'FOLL_WRITE|FOLL_FORCE', 'get_user_pages');
  it('v5.10 .. v6.1 break COW (no hugetlb test; mainline v6.1 predates f347454d0341)', () => {
    for (const id of ['v5.10', 'v5.19', 'v6.0-rc1', 'v6.0', 'v6.1']) expect(call(id, s).ret, id).toBe(1);
  });
  it('Debian 6.1.192 refuses too: 6.1.y carries the backport (mm/gup.c:check_vma_flags():1085-1087)', () => {
    const o = call('v6.1.192', s);
    expect(o.ret).toBe(-14);
    expect(o.why.at(-1)).toContain('FOLL_FORCE|FOLL_WRITE on read-only hugetlb');
  });
  it('v6.2-rc1 .. v6.13 refuse with -EFAULT', () => {
    for (const id of ['v6.2', 'v6.5', 'v6.12', 'v6.13']) {
      const o = call(id, s);
      expect(o.ret, id).toBe(-14);
      expect(o.why.at(-1), id).toContain('FOLL_FORCE|FOLL_WRITE on read-only hugetlb');
    }
  });
  // "mm/hugetlb: support FOLL_FORCE|FOLL_WRITE": 6.13.7 mm/gup.c:check_vma_flags():1297-1299
  // still returns -EFAULT for a hugetlb VMA; 6.14.0 goes from `if (!(gup_flags & FOLL_FORCE))
  // return -EFAULT;` (:1295) to the is_cow_mapping() test (:1306); 6.18.2 .. 7.2.13 the same.
  it('v6.14 on (and 7.2) allow it again', () => {
    for (const id of ['v6.14', 'v6.18', 'v6.19', 'v7.0', 'v7.2']) expect(call(id, s).ret, id).toBe(1);
  });
  it('an anon private read-only VMA is unaffected in every release', () => {
    const anon = pin(VMF.privateRo, 'backing=anon', 'FOLL_WRITE|FOLL_FORCE', 'get_user_pages', 'kind=anon');
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v7.2']) expect(call(id, anon).ret, id).toBe(1);
  });
});

describe('vma-checks: VM_SHADOW_STACK (shadow-stack, v6.6)', () => {
  // mm/gup.c:check_vma_flags(): 6.5.0 :1061 `if (!(vm_flags & VM_WRITE))`; 6.6.9 :1054,
  // 6.12.118 :1297, 7.2.13 :1227 `if (!(vm_flags & VM_WRITE) || (vm_flags & VM_SHADOW_STACK))`,
  // then `if (!(gup_flags & FOLL_FORCE)) return -EFAULT;` and is_cow_mapping().
  const shstk = `${VMF.privateRw}|VM_SHADOW_STACK`;
  const s = (gupFlags: string, api = 'pin_user_pages') =>
    pin(shstk, 'backing=anon', gupFlags, api, 'kind=anon flags=lru,exclusive');
  const before = ['v5.10', 'v6.1', 'v6.5'];
  const from = ['v6.6', 'v6.12', 'v6.14', 'v6.18', 'v7.2'];

  it('a FOLL_WRITE pin succeeds before v6.6 (no such flag) and is -EFAULT from v6.6', () => {
    for (const id of before) expect(call(id, s('FOLL_WRITE')).ret, id).toBe(1);
    for (const id of from) {
      const o = call(id, s('FOLL_WRITE'));
      expect(o.ret, id).toBe(-14);
      expect(o.why.at(-1), id).toBe(
        'check_vma_flags: FOLL_WRITE on shadow-stack VMA 0x7f0000000000-0x7f0000001000 -> -EFAULT',
      );
    }
  });

  it('GUP-fast grabs nothing for a write (the PTE lacks _PAGE_RW); the slow path decides alike', () => {
    for (const id of before) expect(call(id, s('FOLL_WRITE', 'pin_user_pages_fast')).ret, id).toBe(1);
    for (const id of from) expect(call(id, s('FOLL_WRITE', 'pin_user_pages_fast')).ret, id).toBe(-14);
  });

  it('FOLL_FORCE writes through (a private VM_MAYWRITE mapping is a COW mapping), reads are unaffected', () => {
    for (const id of [...before, ...from]) {
      expect(call(id, s('FOLL_WRITE|FOLL_FORCE', 'get_user_pages')).ret, id).toBe(1);
      expect(call(id, s('0')).ret, id).toBe(1);
    }
  });

  it('the flag decodes from raw vm_flags: bit 37 (VM_HIGH_ARCH_5)', () => {
    // 0x2000000033 = VM_SHADOW_STACK (1 << 37) | VM_MAYWRITE | VM_MAYREAD | VM_WRITE | VM_READ
    const raw = pin(
      '0x2000000033',
      'backing=anon',
      'FOLL_WRITE',
      'pin_user_pages',
      'kind=anon flags=lru,exclusive',
    );
    expect(call('v6.6', raw).ret).toBe(-14);
    expect(call('v6.5', raw).ret).toBe(1);
  });
});

describe('vma-checks: FOLL_SPLIT_PMD on a hugetlb VMA (split-pmd-hugetlb, v6.15)', () => {
  // mm/gup.c:check_vma_flags(): no such test in 6.14.0 (:1270); `if ((gup_flags &
  // FOLL_SPLIT_PMD) && is_vm_hugetlb_page(vma)) return -EOPNOTSUPP;` in 6.18.2 and 7.2.13 (:1216)
  // and, backported, in Debian's 6.12.118 (:1286), after the fs-dax test, before secretmem.
  const huge = (gupFlags: string) =>
    pin(VMF.privateRw, 'backing=hugetlb fs=hugetlbfs', gupFlags, 'get_user_pages', 'kind=hugetlb');

  it('v6.14 and before walk the VMA; v6.15 on and 6.12.118 refuse with -EOPNOTSUPP', () => {
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v6.14'])
      expect(call(id, huge('FOLL_SPLIT_PMD')).ret, id).toBe(1);
    for (const id of ['v6.15', 'v6.18', 'v7.2', 'v6.12.118']) {
      const o = call(id, huge('FOLL_SPLIT_PMD'));
      expect(o.ret, id).toBe(-95);
      expect(o.why.at(-1), id).toBe('check_vma_flags: FOLL_SPLIT_PMD on a hugetlb VMA -> -EOPNOTSUPP');
    }
  });

  it('without FOLL_SPLIT_PMD, or outside hugetlb, nothing changes', () => {
    const anon = pin(
      VMF.privateRw,
      'backing=anon',
      'FOLL_SPLIT_PMD',
      'get_user_pages',
      'kind=anon flags=lru',
    );
    for (const id of ['v6.14', 'v6.15', 'v7.2', 'v6.12.118']) {
      expect(call(id, huge('0')).ret, id).toBe(1);
      expect(call(id, anon).ret, id).toBe(1);
    }
  });

  it("6.12.118 keeps v6.12's hugetlb FOLL_FORCE|FOLL_WRITE refusal (mm/gup.c:1301-1302)", () => {
    const s = pin(VMF.privateRo, 'backing=hugetlb fs=hugetlbfs', 'FOLL_WRITE|FOLL_FORCE', 'get_user_pages');
    expect(call('v6.12.118', s).ret).toBe(-14);
    expect(call('v6.15', s).ret).toBe(1);
  });
});
