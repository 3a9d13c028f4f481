/**
 * normal-page, case by case from facts/insert-pfnmap.md §2.2 (vm_normal_page) and §2.3
 * (vm_normal_page_pmd / _pud), for V0 (<= v6.10), V1 (v6.11), V2 (v6.12, v6.15), V4 (v6.18,
 * v6.19) and the 2026 per-level fix, with and without pte_special / pmd / pud pfnmap support.
 */
import { describe, expect, it } from 'vitest';
import { FLAGS, last, run } from '../pte-test-kit.ts';

const V0 = ['v5.4', 'v6.10'] as const;
const V1 = ['v6.11'] as const;
const V2 = ['v6.12', 'v6.15'] as const;
const V4 = ['v6.18', 'v6.19'] as const;
const FIX = 'vm-normal-page-per-level-fix';
const ALL = [...V0, ...V1, ...V2, ...V4, FIX] as const;

/** One PTE-level lookup: config, VMA, page declarations and the entry at 0x10000. */
function pte(opts: {
  special: 0 | 1;
  vma: string;
  pfn: string;
  arch: 0 | 1;
  pages?: string;
  extra?: string;
}) {
  return `
pinbench_config: pte_special=${opts.arch}
${opts.pages ?? ''}
pinbench_vma: start=0x10000 end=0x20000 flags=${opts.vma} ${opts.extra ?? 'backing=file'}
pinbench_pte: addr=0x10000 pfn=${opts.pfn} special=${opts.special}
vm_normal_page: addr=0x10000
`;
}

describe('vm_normal_page on a pte_special architecture', () => {
  it('special PTE in VM_PFNMAP / VM_MIXEDMAP -> NULL', () => {
    for (const flags of [`${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO`, `${FLAGS.sharedWritable}|VM_MIXEDMAP`]) {
      for (const id of ALL) {
        expect(last(id, pte({ arch: 1, special: 1, vma: flags, pfn: '0x2000' })).ret, id).toBe('NULL');
      }
    }
  });

  it('special zero PTE in an ordinary VMA -> NULL', () => {
    for (const id of ALL) {
      expect(
        last(id, pte({ arch: 1, special: 1, vma: FLAGS.private, pfn: 'zero', extra: 'backing=anon' })).ret,
        id,
      ).toBe('NULL');
    }
  });

  it('special PTE of a RAM pfn in an ordinary VMA -> Bad page map, NULL', () => {
    for (const id of ALL) {
      const r = run(
        id,
        pte({ arch: 1, special: 1, vma: FLAGS.private, pfn: '0x2000', extra: 'backing=anon' }),
      );
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pte'] });
      expect(r.final.badPageMaps, id).toBe(1);
    }
  });

  it('special PTE with vm_ops->find_special_page / find_normal_page -> the hook decides (its page)', () => {
    for (const id of ALL) {
      expect(
        last(
          id,
          pte({
            arch: 1,
            special: 1,
            vma: FLAGS.sharedWritable,
            pfn: '0x2000',
            extra: 'backing=file ops=find_normal_page',
          }),
        ).ret,
        id,
      ).toBe('0x2000');
    }
  });

  it('non-special PTE above highest_memmap_pfn -> Bad page map, NULL', () => {
    for (const id of ALL) {
      const o = last(
        id,
        pte({ arch: 1, special: 0, vma: FLAGS.private, pfn: '0x2000000', extra: 'backing=anon' }),
      );
      expect(o, id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pte'] });
    }
  });

  it('non-special zero PTE -> the zero page; from v6.11 with VM_WARN_ON_ONCE', () => {
    const script = pte({ arch: 1, special: 0, vma: FLAGS.sharedNeverWritable, pfn: 'zero' });
    for (const id of V0) expect(last(id, script), id).toMatchObject({ ret: 'zero', warn: [] });
    for (const id of [...V1, ...V2, ...V4, FIX]) {
      expect(last(id, script), id).toMatchObject({ ret: 'zero', warn: ['WARN vm_normal_page zero pfn'] });
    }
  });

  it('non-special RAM PTE -> the page', () => {
    for (const id of ALL) {
      expect(
        last(
          id,
          pte({ arch: 1, special: 0, vma: FLAGS.private, pfn: '0x2000', pages: 'pinbench_page: pfn=0x2000' }),
        ).ret,
        id,
      ).toBe('0x2000');
    }
  });
});

describe('vm_normal_page without pte_special', () => {
  const mixed = `${FLAGS.sharedWritable}|VM_MIXEDMAP`;

  it('VM_MIXEDMAP, !pfn_valid -> NULL', () => {
    for (const id of ALL) {
      expect(
        last(
          id,
          pte({
            arch: 0,
            special: 0,
            vma: mixed,
            pfn: '0x2000',
            pages: 'pinbench_page: pfn=0x2000 kind=mmio',
          }),
        ).ret,
        id,
      ).toBe('NULL');
    }
  });

  it('VM_MIXEDMAP, zero pfn -> the zero page before v6.11 (refcounted scheme), NULL from v6.11', () => {
    const script = pte({ arch: 0, special: 0, vma: mixed, pfn: 'zero' });
    for (const id of V0) expect(last(id, script), id).toMatchObject({ ret: 'zero', warn: [] });
    for (const id of [...V1, ...V2, ...V4, FIX])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: [] });
  });

  it('VM_MIXEDMAP, valid pfn above highest_memmap_pfn: page before v6.18 (check skipped), Bad page map from v6.18', () => {
    const script = pte({
      arch: 0,
      special: 0,
      vma: mixed,
      pfn: '0x2000000',
      pages: 'pinbench_page: pfn=0x2000000 kind=driver',
    });
    for (const id of [...V0, ...V1, ...V2])
      expect(last(id, script), id).toMatchObject({ ret: '0x2000000', warn: [] });
    for (const id of [...V4, FIX])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pte'] });
  });

  const pfnmap = (flags: string) => `${flags}|VM_PFNMAP|VM_IO pgoff=0x5000`;

  it('VM_PFNMAP, pfn == vm_pgoff + index (remap_pfn_range linearity) -> NULL, COW or not', () => {
    for (const flags of [FLAGS.private, FLAGS.sharedWritable]) {
      for (const id of ALL) {
        // 0x10000 is index 0 of the VMA: pfn 0x5000 is linear.
        expect(last(id, pte({ arch: 0, special: 0, vma: pfnmap(flags), pfn: '0x5000' })).ret, id).toBe(
          'NULL',
        );
      }
    }
  });

  it('shared VM_PFNMAP, nonlinear pfn -> NULL everywhere (what vfio-pci creates)', () => {
    for (const id of ALL) {
      expect(
        last(id, pte({ arch: 0, special: 0, vma: pfnmap(FLAGS.sharedWritable), pfn: '0x2000' })).ret,
        id,
      ).toBe('NULL');
    }
  });

  it('COW VM_PFNMAP, nonlinear RAM pfn -> taken for a COWed anon page (bogus) in every version', () => {
    for (const id of ALL) {
      expect(last(id, pte({ arch: 0, special: 0, vma: pfnmap(FLAGS.private), pfn: '0x2000' })).ret, id).toBe(
        '0x2000',
      );
    }
  });

  it('COW VM_PFNMAP, nonlinear zero pfn -> NULL', () => {
    for (const id of ALL) {
      expect(last(id, pte({ arch: 0, special: 0, vma: pfnmap(FLAGS.private), pfn: 'zero' })).ret, id).toBe(
        'NULL',
      );
    }
  });

  it('COW VM_PFNMAP, nonlinear pfn above highest_memmap_pfn -> Bad page map, NULL', () => {
    for (const id of ALL) {
      expect(
        last(id, pte({ arch: 0, special: 0, vma: pfnmap(FLAGS.private), pfn: '0x2000000' })),
        id,
      ).toMatchObject({
        ret: 'NULL',
        warn: ['Bad page map pte'],
      });
    }
  });

  it('neither flag: zero -> NULL, above highest -> Bad page map + NULL, RAM -> page; the special flag is not read', () => {
    for (const id of ALL) {
      const base = { arch: 0 as const, vma: FLAGS.private, extra: 'backing=anon' };
      expect(last(id, pte({ ...base, special: 0, pfn: 'zero' })).ret, id).toBe('NULL');
      expect(last(id, pte({ ...base, special: 0, pfn: '0x2000000' })), id).toMatchObject({
        ret: 'NULL',
        warn: ['Bad page map pte'],
      });
      expect(last(id, pte({ ...base, special: 1, pfn: '0x2000' })).ret, id).toBe('0x2000');
    }
  });
});

/** One PMD-level lookup at 0x200000 (PMD-aligned). */
function pmd(opts: {
  config: string;
  special: 0 | 1;
  vma: string;
  pfn: string;
  pages?: string;
  backing?: string;
}) {
  return `
pinbench_config: ${opts.config}
${opts.pages ?? ''}
pinbench_vma: start=0x200000 end=0x600000 flags=${opts.vma} backing=${opts.backing ?? 'file'}
pinbench_pte: addr=0x200000 pfn=${opts.pfn} level=pmd special=${opts.special}
vm_normal_page_pmd: addr=0x200000
`;
}
const X86_64 = 'pte_special=1 pmd_pfnmap=1 pud_pfnmap=1';
const X86_32 = 'pte_special=1 pmd_pfnmap=0 pud_pfnmap=0';
const NO_SPECIAL = 'pte_special=0 pmd_pfnmap=0 pud_pfnmap=0';

describe('vm_normal_page_pmd', () => {
  it('special PMD in a COW PFNMAP with a nonlinear RAM pfn: the page before v6.12 (no pmd_special), NULL from v6.12', () => {
    const script = pmd({
      config: X86_64,
      special: 1,
      vma: `${FLAGS.private}|VM_PFNMAP|VM_IO pgoff=0x5000`,
      pfn: '0x2000',
    });
    for (const id of [...V0, ...V1]) expect(last(id, script).ret, id).toBe('0x2000');
    for (const id of [...V2, ...V4, FIX]) expect(last(id, script).ret, id).toBe('NULL');
  });

  it('special PMD in an anon VMA: a page before v6.12; NULL in v6.12; Bad page map from v6.18', () => {
    const script = pmd({ config: X86_64, special: 1, vma: FLAGS.private, pfn: '0x2000', backing: 'anon' });
    for (const id of [...V0, ...V1]) expect(last(id, script), id).toMatchObject({ ret: '0x2000', warn: [] });
    for (const id of V2) expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: [] });
    for (const id of [...V4, FIX])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pmd'] });
  });

  it('without pmd pfnmap support the special flag is not a bit: v6.12 falls through to the PFNMAP rules', () => {
    const script = pmd({
      config: X86_32,
      special: 1,
      vma: `${FLAGS.private}|VM_PFNMAP|VM_IO pgoff=0x5000`,
      pfn: '0x2000',
    });
    for (const id of [...V0, ...V1, ...V2, FIX]) expect(last(id, script).ret, id).toBe('0x2000');
    // v6.18 asks ARCH_HAS_PTE_SPECIAL: the (absent) pmd bit reads clear -> check pfn -> page.
    for (const id of V4) expect(last(id, script).ret, id).toBe('0x2000');
  });

  it('shared PFNMAP, nonlinear, special bit clear: NULL by the PFNMAP rules wherever they apply', () => {
    const shared = `${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO pgoff=0x5000`;
    for (const config of [X86_64, X86_32, NO_SPECIAL]) {
      const script = pmd({ config, special: 0, vma: shared, pfn: '0x2000' });
      for (const id of [...V0, ...V1, ...V2]) expect(last(id, script).ret, `${id} ${config}`).toBe('NULL');
    }
    // From v6.18 a pte_special arch skips the PFNMAP rules for a PMD whose (assumed) special bit is
    // clear: the page. The fix keeps that where the PMD bit exists (x86-64) and restores the rules
    // where it does not (x86-32).
    for (const id of V4) {
      expect(last(id, pmd({ config: X86_64, special: 0, vma: shared, pfn: '0x2000' })).ret, id).toBe(
        '0x2000',
      );
      expect(last(id, pmd({ config: X86_32, special: 0, vma: shared, pfn: '0x2000' })).ret, id).toBe(
        '0x2000',
      );
      expect(last(id, pmd({ config: NO_SPECIAL, special: 0, vma: shared, pfn: '0x2000' })).ret, id).toBe(
        'NULL',
      );
    }
    expect(last(FIX, pmd({ config: X86_64, special: 0, vma: shared, pfn: '0x2000' })).ret).toBe('0x2000');
    expect(last(FIX, pmd({ config: X86_32, special: 0, vma: shared, pfn: '0x2000' })).ret).toBe('NULL');
    expect(last(FIX, pmd({ config: NO_SPECIAL, special: 0, vma: shared, pfn: '0x2000' })).ret).toBe('NULL');
  });

  it('above highest_memmap_pfn: NULL silently before v6.18, Bad page map from v6.18', () => {
    const script = pmd({ config: X86_64, special: 0, vma: FLAGS.private, pfn: '0x2000000', backing: 'anon' });
    for (const id of [...V0, ...V1, ...V2])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: [] });
    for (const id of [...V4, FIX])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pmd'] });
  });

  // v5.4's is_zero_pfn() test returns the huge zero folio: the huge-zero-pmd block below.
  const V0_HUGE_ZERO = V0.filter((id) => id !== 'v5.4');

  it('the 2026 fix, x86-32-like (pte_special=1, pmd_pfnmap=0): the huge zero PMD is not special; v6.18 returns it, the fix returns NULL', () => {
    const script = pmd({ config: X86_32, special: 0, vma: FLAGS.private, pfn: 'zero', backing: 'anon' });
    for (const id of [...V0_HUGE_ZERO, ...V1, ...V2])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: [] });
    for (const id of V4) {
      expect(last(id, script), id).toMatchObject({ ret: 'zero', warn: ['WARN vm_normal_page zero pfn'] });
    }
    expect(last(FIX, script)).toMatchObject({ ret: 'NULL', warn: [] });
  });

  it('x86-64 (huge zero PMD mapped special from v6.18): NULL everywhere', () => {
    const script = pmd({ config: X86_64, special: 1, vma: FLAGS.private, pfn: 'zero', backing: 'anon' });
    for (const id of [...V0_HUGE_ZERO, ...V1, ...V2, ...V4, FIX])
      expect(last(id, script), id).toMatchObject({ ret: 'NULL', warn: [] });
  });
});

describe('vm_normal_page_pud', () => {
  const pud = (config: string, special: 0 | 1, flags: string, pfn = '0x800000') => `
pinbench_config: ${config}
pinbench_vma: start=0x40000000 end=0x80000000 flags=${flags} backing=pfnmap
pinbench_pte: addr=0x40000000 pfn=${pfn} level=pud special=${special}
vm_normal_page_pud: addr=0x40000000
`;
  const shared = `${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP`;

  it('does not exist before v6.18', () => {
    for (const id of [...V0, ...V1, ...V2])
      expect(last(id, pud(X86_64, 1, shared)).ret, id).toBe('unsupported');
  });

  it('special PUD pfnmap -> NULL from v6.18', () => {
    for (const id of [...V4, FIX]) expect(last(id, pud(X86_64, 1, shared)).ret, id).toBe('NULL');
  });

  it('arm64-like (pte_special, pmd pfnmap, no pud pfnmap): v6.18 treats the PUD as not special and returns the page; the fix applies the PFNMAP rules', () => {
    const script = pud('pte_special=1 pmd_pfnmap=1 pud_pfnmap=0', 0, shared);
    for (const id of V4) expect(last(id, script).ret, id).toBe('0x800000');
    expect(last(FIX, script).ret).toBe('NULL');
  });
});

describe('devmap PTEs (x86 fs-dax) until the pte_devmap removal', () => {
  // 5.10.262 / 6.1.192 / 6.12.118 mm/memory.c:vm_normal_page(): in the pte_special branch,
  // after the zero-pfn test, `if (pte_devmap(pte)) return NULL;` before print_bad_pte(). 7.2.13
  // has no pte_devmap() at all.
  const dax = (devmap: string, lookup = 'vm_normal_page: addr=0x10000') => `
pinbench_page: pfn=0x9000 kind=fsdax zone=Device
pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.sharedWritable}|VM_HUGEPAGE backing=fsdax fs=ext4
pinbench_pte: addr=0x10000 pfn=0x9000 special=1${devmap}
${lookup}
`;

  it('vm_normal_page: devmap -> NULL without a report on v5.10 .. v6.16', () => {
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v6.16']) {
      const o = last(id, dax(' devmap=1'));
      expect(o.ret, id).toBe('NULL');
      expect(o.warn, id).toEqual([]);
      expect(o.why.at(-1), id).toBe('vm_normal_page: pte_special, pte_devmap -> NULL');
    }
  });

  it('the bit defaults from the page kind (fs-dax), and devmap=0 overrides it', () => {
    expect(last('v6.12', dax('')).warn).toEqual([]);
    expect(last('v6.12', dax(' devmap=0')).warn).toEqual(['Bad page map pte']);
  });

  it('from v6.17 (pte_devmap gone) the same special entry is a bad page map', () => {
    for (const id of ['v6.17', 'v7.2'])
      expect(last(id, dax(' devmap=1')).warn, id).toEqual(['Bad page map pte']);
  });

  it('GUP: follow_page_pte() takes the page of a devmap PTE with FOLL_PIN (get_dev_pagemap) up to v6.16', () => {
    // 6.12.118 mm/gup.c:follow_page_pte(): `if (!page && pte_devmap(pte) && (flags & (FOLL_GET |
    // FOLL_PIN)))` -> get_dev_pagemap(), page = pte_page(pte). A short-term pin (no FOLL_LONGTERM,
    // which check_vma_flags() refuses on fs-dax).
    const pin = dax('', 'pin_user_pages: start=0x10000 nr_pages=1 gup_flags=0');
    const o = last('v6.12', pin);
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['0x9000']);
    expect(o.refs).toEqual({ '0x9000': 1024 });
    expect(last('v6.17', pin).ret).toBe(-14);
  });
});

describe('devmap PMDs (x86 fs-dax) until the pmd_devmap removal', () => {
  // 5.10.262 mm/memory.c:675, 6.1.192 :711, 6.12.118 :695 in vm_normal_page_pmd(): after the
  // PFNMAP/MIXEDMAP rules, `if (pmd_devmap(pmd)) return NULL;`, before the huge zero and
  // highest_memmap_pfn tests. An fs-dax PMD is devmap and not special on x86 (pmd_mkdevmap).
  const dax = (devmap: string, call = 'vm_normal_page_pmd: addr=0x200000') => `
pinbench_page: pfn=0x90000 kind=fsdax zone=Device
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.sharedWritable}|VM_HUGEPAGE backing=fsdax fs=ext4
pinbench_pte: addr=0x200000 pfn=0x90000 level=pmd special=0${devmap}
${call}
`;
  it('vm_normal_page_pmd: devmap -> NULL on v5.4 .. v6.16, the page once the bit is gone', () => {
    for (const id of ['v5.4', 'v5.10', 'v6.1', 'v6.11', 'v6.12', 'v6.16']) {
      const o = last(id, dax(''));
      expect(o.ret, id).toBe('NULL');
      expect(o.why.at(-1), id).toBe('vm_normal_page_pmd: pmd_devmap -> NULL');
    }
    for (const id of ['v6.17', 'v6.18', 'v7.2']) expect(last(id, dax('')).ret, id).toBe('0x90000');
  });
  it('devmap=0 makes the same PMD a normal page everywhere', () => {
    for (const id of ['v5.10', 'v6.12']) expect(last(id, dax(' devmap=0')).ret, id).toBe('0x90000');
  });
  it('munmap of a devmap PMD drops no reference up to v6.16', () => {
    const o = last('v6.12', dax('', 'munmap: addr=0x200000 len=0x400000'));
    expect(o.refs).toEqual({});
  });
});

describe('vm_normal_page_pmd of the huge zero folio: is_zero_pfn (v5.4) vs is_huge_zero_pmd (v5.6)', () => {
  // 5.4.0 mm/memory.c:vm_normal_page_pmd():657 `if (is_zero_pfn(pfn)) return NULL;` never
  // matches the huge zero folio, so it is returned as a page; 5.6.4 :675 `if
  // (is_huge_zero_pmd(pmd)) return NULL;`, the same in 5.10.262 :677 and later.
  const s = `
pinbench_vma: start=0x200000 end=0x400000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon
pinbench_pte: addr=0x200000 pfn=zero level=pmd special=0
vm_normal_page_pmd: addr=0x200000
`;
  it('v5.4 returns it as a normal page', () => {
    const o = last('v5.4', s);
    expect(o.ret).toBe('zero');
    expect(o.why).toContain(
      'vm_normal_page_pmd: is_zero_pfn() is false for the huge zero folio -> it goes on as a normal page',
    );
  });
  // From v6.18 x86-64 maps the huge zero PMD special: the x86-64 test above.
  it('v5.6 .. v6.17: NULL', () => {
    for (const id of ['v5.6', 'v5.10', 'v6.1', 'v6.10', 'v6.12', 'v6.15']) {
      expect(last(id, s).ret, id).toBe('NULL');
    }
  });
  it('fork and munmap test the huge zero PMD themselves in v5.4 too: no reference taken or dropped', () => {
    const life = `
pinbench_vma: start=0x200000 end=0x400000 flags=VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE backing=anon
pinbench_pte: addr=0x200000 pfn=zero level=pmd special=0
fork: child=2
munmap: addr=0x200000 len=0x200000
munmap: mm=2 addr=0x200000 len=0x200000
`;
    for (const id of ['v5.4', 'v5.6']) {
      const r = run(id, life);
      expect(
        r.outcomes.map((o) => o.refs),
        id,
      ).toEqual([{}, {}, {}]);
    }
  });
});
