/**
 * folio-walk from facts/insert-pfnmap.md §3.1: absent before v6.12, the mm-unstable state before
 * 10d83d7781a8 (variant pre-10d83d7781a8), 10d83d7781a8 (v6.12), 2db308160b5a (v6.18), and the
 * 2026 vm_normal_page fix as seen through folio_walk_start.
 */
import { describe, expect, it } from 'vitest';
import { FLAGS, last } from '../pte-test-kit.ts';

const BEFORE = ['v5.4', 'v6.10', 'v6.11'] as const;
const SINCE = ['v6.12', 'v6.15', 'v6.18', 'v6.19'] as const;
const PRE = 'pre-10d83d7781a8';
const X86_64 = 'pte_special=1 pmd_pfnmap=1 pud_pfnmap=1';
const VFIO = `${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP`;

describe('folio_walk_start', () => {
  it('does not exist before v6.12', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.private} backing=anon
folio_walk_start: addr=0x10000
`;
    for (const id of BEFORE) expect(last(id, script).ret, id).toBe('unsupported');
  });

  it('a special PUD pfnmap: no folio from v6.12; a bogus folio before patch 06', () => {
    const script = `
pinbench_config: ${X86_64}
pinbench_vma: start=0x40000000 end=0x80000000 flags=${VFIO} backing=pfnmap
pinbench_pte: addr=0x40000000 pfn=0x800000 level=pud special=1
folio_walk_start: addr=0x40000000
`;
    for (const id of SINCE) expect(last(id, script), id).toMatchObject({ ret: 'NULL', pages: [] });
    expect(last(PRE, script)).toMatchObject({ ret: '0x800000', pages: ['0x800000'] });
  });

  it('a special PMD pfnmap in a shared VMA: NULL everywhere it exists (before 06 by the PFNMAP rules)', () => {
    const script = `
pinbench_config: ${X86_64}
pinbench_vma: start=0x200000 end=0x600000 flags=${VFIO} backing=pfnmap pgoff=0x123
pinbench_pte: addr=0x200000 pfn=0x800000 level=pmd special=1
folio_walk_start: addr=0x200000
`;
    for (const id of [...SINCE, PRE]) expect(last(id, script).ret, id).toBe('NULL');
  });

  it('a special PMD in a COW PFNMAP with a nonlinear RAM pfn: bogus folio before 06, NULL from v6.12', () => {
    const script = `
pinbench_config: ${X86_64}
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.private}|VM_PFNMAP|VM_IO backing=pfnmap pgoff=0x123
pinbench_pte: addr=0x200000 pfn=0x2000 level=pmd special=1
folio_walk_start: addr=0x200000
`;
    for (const id of SINCE) expect(last(id, script).ret, id).toBe('NULL');
    expect(last(PRE, script).ret).toBe('0x2000');
  });

  it('the zero page is found only with FW_ZEROPAGE', () => {
    const decl = `
pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x10000 pfn=zero special=1
`;
    for (const id of [...SINCE, PRE]) {
      expect(last(id, `${decl}folio_walk_start: addr=0x10000`).ret, id).toBe('NULL');
      expect(last(id, `${decl}folio_walk_start: addr=0x10000 flags=FW_ZEROPAGE`).ret, id).toBe('zero');
    }
  });

  it('an anon page is found at PTE level', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=anon
pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x10000 pfn=0x2000
folio_walk_start: addr=0x10000
`;
    for (const id of [...SINCE, PRE])
      expect(last(id, script), id).toMatchObject({ ret: '0x2000', pages: ['0x2000'] });
  });

  it('x86-32-like: the non-special huge zero PMD is returned by v6.18 even without FW_ZEROPAGE; the 2026 fix returns NULL', () => {
    const decl = `
pinbench_config: pte_special=1 pmd_pfnmap=0 pud_pfnmap=0
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x200000 pfn=zero level=pmd special=0
`;
    for (const id of ['v6.12', 'v6.15', PRE]) {
      expect(last(id, `${decl}folio_walk_start: addr=0x200000`).ret, id).toBe('NULL');
    }
    for (const id of ['v6.18', 'v6.19']) {
      expect(last(id, `${decl}folio_walk_start: addr=0x200000`), id).toMatchObject({
        ret: 'zero',
        warn: ['WARN vm_normal_page zero pfn'],
      });
    }
    const fix = 'vm-normal-page-per-level-fix';
    expect(last(fix, `${decl}folio_walk_start: addr=0x200000`)).toMatchObject({ ret: 'NULL', warn: [] });
    expect(last(fix, `${decl}folio_walk_start: addr=0x200000 flags=FW_ZEROPAGE`).ret).toBe('zero');
  });

  it('nothing mapped, or no VMA -> NULL', () => {
    for (const id of SINCE) {
      expect(
        last(
          id,
          `pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.private}\nfolio_walk_start: addr=0x10000`,
        ).ret,
        id,
      ).toBe('NULL');
      expect(last(id, 'folio_walk_start: addr=0x10000').ret, id).toBe('NULL');
    }
  });

  it('an fs-dax (devmap) PUD: not found on v6.12 (pud_devmap, 6.12.118 mm/pagewalk.c:818); found once devmap is gone', () => {
    const script = `
pinbench_config: ${X86_64}
pinbench_page: pfn=0x80000 kind=fsdax zone=Device
pinbench_vma: start=0x40000000 end=0x80000000 flags=${FLAGS.sharedWritable} backing=fsdax fs=xfs
pinbench_pte: addr=0x40000000 pfn=0x80000 level=pud special=0
folio_walk_start: addr=0x40000000
`;
    expect(last('v6.12', script)).toMatchObject({ ret: 'NULL', pages: [] });
    expect(last('v6.12', script).why.at(-1)).toBe('folio_walk_start: pud_devmap -> NULL');
    // v6.17: pud_page() with no special bit; v6.18+: vm_normal_page_pud() (7.2.13
    // mm/pagewalk.c:950) of a non-special PUD outside PFNMAP/MIXEDMAP -> the page.
    for (const id of ['v6.17', 'v6.18', 'v7.2']) expect(last(id, script).ret, id).toBe('0x80000');
  });
});
