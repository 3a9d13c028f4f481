/**
 * remap-pfn from facts/insert-pfnmap.md §2.1 and §4: remap_pfn_range's COW rule and vm_pgoff,
 * vmf_insert_pfn's BUG_ONs and SIGBUS, the same in every release.
 */
import { describe, expect, it } from 'vitest';
import { FLAGS, last, run } from '../pte-test-kit.ts';

const RELEASES = ['v5.4', 'v6.10', 'v6.11', 'v6.12', 'v6.15', 'v6.18', 'v6.19'] as const;

describe('remap_pfn_range', () => {
  it('a COW mapping must be remapped whole: a partial range is -EINVAL and changes nothing', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private} backing=file pgoff=7
remap_pfn_range: addr=0x10000 pfn=0x90000 size=0x2000
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0]!.ret, id).toBe(-22);
      const vma = r.state.findVma(1, 0x10000)!;
      expect(vma.pgoff, id).toBe(7);
      expect(vma.flags.includes('VM_PFNMAP'), id).toBe(false);
      expect(r.state.entriesIn(1, 0x10000, 0x14000), id).toEqual([]);
    }
  });

  it('a whole COW mapping: vm_pgoff = pfn, VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP, special PTEs', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x12000 flags=${FLAGS.private} backing=file pgoff=7
remap_pfn_range: addr=0x10000 pfn=0x90000 size=0x2000
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, special: true, refs: {} });
      const vma = r.state.findVma(1, 0x10000)!;
      expect(vma.pgoff, id).toBe(0x90000);
      for (const f of ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'] as const) {
        expect(vma.flags.includes(f), `${id} ${f}`).toBe(true);
      }
      expect(
        r.state.entriesIn(1, 0x10000, 0x12000).map((e) => [e.addr, e.entry.pfn, e.entry.special]),
        id,
      ).toEqual([
        [0x10000, 0x90000, true],
        [0x11000, 0x90001, true],
      ]);
    }
  });

  it('a shared mapping may be remapped in part; vm_pgoff stays', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=file pgoff=7
remap_pfn_range: addr=0x11000 pfn=0x90000 size=0x1000
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0]!.ret, id).toBe(0);
      expect(r.state.findVma(1, 0x10000)!.pgoff, id).toBe(7);
    }
  });

  it('after remap_pfn_range of a COW mapping, vm_normal_page without pte_special sees the linear pfns as special', () => {
    const script = `
pinbench_config: pte_special=0
pinbench_vma: start=0x10000 end=0x12000 flags=${FLAGS.private} backing=file
remap_pfn_range: addr=0x10000 pfn=0x2000 size=0x2000
vm_normal_page: addr=0x11000
`;
    for (const id of RELEASES) expect(last(id, script).ret, id).toBe('NULL');
  });

  it('an already present PTE is BUG_ON(!pte_none)', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x12000 flags=${FLAGS.sharedWritable} backing=file
pinbench_pte: addr=0x11000 pfn=0x3000 special=1
remap_pfn_range: addr=0x10000 pfn=0x2000 size=0x2000
`;
    for (const id of RELEASES) {
      expect(last(id, script), id).toMatchObject({ ret: 'BUG', warn: ['BUG remap_pte_range !pte_none'] });
    }
  });
});

describe('vmf_insert_pfn', () => {
  const bugCases: [string, string, string][] = [
    [
      'neither VM_PFNMAP nor VM_MIXEDMAP',
      FLAGS.sharedWritable,
      'BUG vmf_insert_pfn_prot neither VM_PFNMAP nor VM_MIXEDMAP',
    ],
    [
      'both VM_PFNMAP and VM_MIXEDMAP',
      `${FLAGS.sharedWritable}|VM_PFNMAP|VM_MIXEDMAP`,
      'BUG vmf_insert_pfn_prot both VM_PFNMAP and VM_MIXEDMAP',
    ],
    [
      'VM_PFNMAP in a COW mapping',
      `${FLAGS.private}|VM_PFNMAP|VM_IO`,
      'BUG vmf_insert_pfn_prot VM_PFNMAP in a COW mapping',
    ],
    [
      'VM_MIXEDMAP with a pfn_valid pfn',
      `${FLAGS.sharedWritable}|VM_MIXEDMAP`,
      'BUG vmf_insert_pfn_prot VM_MIXEDMAP with pfn_valid',
    ],
  ];
  for (const [name, flags, warn] of bugCases) {
    it(`${name} -> BUG`, () => {
      const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${flags} backing=file
vmf_insert_pfn: addr=0x10000 pfn=0x2000
`;
      for (const id of RELEASES) {
        const r = run(id, script);
        expect(r.outcomes[0], id).toMatchObject({ ret: 'BUG', warn: [warn] });
        expect(r.final.bugs, id).toBe(1);
      }
    });
  }

  it('VM_MIXEDMAP with an MMIO pfn (no struct page) is fine', () => {
    const script = `
pinbench_page: pfn=0x800000 kind=mmio
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=mixedmap
vmf_insert_pfn: addr=0x10000 pfn=0x800000
`;
    for (const id of RELEASES)
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', special: true, refs: {} });
  });

  it('an address outside any VMA -> VM_FAULT_SIGBUS', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
vmf_insert_pfn: addr=0x20000 pfn=0x800000
`;
    for (const id of RELEASES) expect(last(id, script).ret, id).toBe('SIGBUS');
  });

  it('a shared VM_PFNMAP: a special PTE, no reference, NOPAGE; a second insert leaves it alone', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
vmf_insert_pfn: addr=0x11000 pfn=0x2000
vmf_insert_pfn: addr=0x11000 pfn=0x3000
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NOPAGE', special: true, refs: {} });
      expect(r.outcomes[1], id).toMatchObject({ ret: 'NOPAGE', special: false, refs: {} });
      expect(r.state.entryAt(1, 0x11000)?.pfn, id).toBe(0x2000);
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('huge: a PMD-sized insert whose aligned address starts below vm_start -> SIGBUS; aligned -> a special PMD', () => {
    const decl = `pinbench_vma: start=0x201000 end=0x800000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap`;
    for (const id of RELEASES) {
      expect(last(id, `${decl}\nvmf_insert_pfn: addr=0x201000 pfn=0x800000 size=0x200000`).ret, id).toBe(
        'SIGBUS',
      );
      const r = run(id, `${decl}\nvmf_insert_pfn: addr=0x400000 pfn=0x800000 size=0x200000`);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NOPAGE', special: true });
      expect(r.state.entryAt(1, 0x400000)?.level, id).toBe('pmd');
    }
  });

  it('huge: VM_PFNMAP in a COW mapping -> BUG', () => {
    const script = `
pinbench_vma: start=0x200000 end=0x800000 flags=${FLAGS.private}|VM_PFNMAP|VM_IO backing=pfnmap
vmf_insert_pfn: addr=0x400000 pfn=0x800000 size=0x200000
`;
    for (const id of RELEASES) {
      expect(last(id, script), id).toMatchObject({
        ret: 'BUG',
        warn: ['BUG vmf_insert_pfn_pmd VM_PFNMAP in a COW mapping'],
      });
    }
  });
});
