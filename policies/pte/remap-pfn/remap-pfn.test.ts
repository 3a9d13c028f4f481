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

describe('vmf_insert_pfn_pmd / _pud and devmap entries, per release', () => {
  // 5.10.262 mm/huge_memory.c:839 / 6.12.118 :1455: BUG_ON(!(vm_flags & (VM_PFNMAP|VM_MIXEDMAP))
  // && !pfn_t_devmap(pfn)): a VM_MIXEDMAP VMA passes with any pfn.
  it('a PMD pfn into a VM_MIXEDMAP VMA is inserted (no BUG) in every release', () => {
    const script = `
pinbench_page: pfn=0x800000 kind=mmio
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=mixedmap
vmf_insert_pfn: addr=0x200000 pfn=0x800000 size=0x200000
`;
    for (const id of [...RELEASES, 'v7.2'])
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', warn: [], refs: {} });
  });

  // The same BUG_ON's devmap exception is gone in 7.2.13 mm/huge_memory.c:1717
  // (BUG_ON(!(vm_flags & (VM_PFNMAP|VM_MIXEDMAP)))).
  it('an fs-dax (devmap) PMD into a plain fs-dax VMA: a devmap PMD up to v6.16, BUG_ON from v6.17', () => {
    const script = `
pinbench_page: pfn=0x90000 kind=fsdax zone=Device
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.sharedWritable}|VM_HUGEPAGE backing=fsdax fs=ext4
vmf_insert_pfn: addr=0x200000 pfn=0x90000 size=0x200000
vm_normal_page_pmd: addr=0x200000
`;
    for (const id of ['v5.10', 'v6.1', 'v6.12', 'v6.16']) {
      const r = run(id, script);
      expect(r.outcomes[0]!.ret, id).toBe('NOPAGE');
      expect(r.state.entriesIn(1, 0x200000, 0x600000)[0]!.entry.devmap, id).toBe(true);
      // 6.12.118 mm/memory.c:695: pmd_devmap -> NULL.
      expect(r.outcomes[1]!.ret, id).toBe('NULL');
    }
    for (const id of ['v6.17', 'v7.2'])
      expect(last(id, script.split('vm_normal_page_pmd')[0]!).ret, id).toBe('BUG');
  });

  // 5.10.262 mm/memory.c:1986 / 6.12.118 insert_pfn(): a devmap pfn_t gets pte_mkdevmap()
  // (_PAGE_SPECIAL|_PAGE_DEVMAP on x86); vm_normal_page() then returns NULL at its pte_devmap test
  // instead of reporting a bad page map.
  it('vmf_insert_mixed of an fs-dax pfn writes a devmap PTE that vm_normal_page skips silently (<= v6.16)', () => {
    const script = `
pinbench_page: pfn=0x9000 kind=fsdax zone=Device
pinbench_vma: start=0x10000 end=0x20000 flags=${FLAGS.sharedWritable} backing=fsdax fs=ext4
vmf_insert_mixed: addr=0x10000 pfn=0x9000
vm_normal_page: addr=0x10000
`;
    for (const id of ['v5.10', 'v6.12', 'v6.16']) {
      const r = run(id, script);
      expect(r.outcomes[0]!.ret, id).toBe('NOPAGE');
      expect(r.outcomes[1], id).toMatchObject({ ret: 'NULL', warn: [] });
    }
    // From the pfn_t removal the fs-dax pfn fails vm_mixed_ok (7.2.13 mm/memory.c:2809).
    expect(last('v7.2', script.split('vm_normal_page')[0]!).ret).toBe('SIGBUS');
  });
});

describe('remap_pfn_range of an address that is not page aligned', () => {
  // 5.8.1 mm/memory.c:remap_pfn_range(): no test. 5.9.1 :2264 (and remap_pfn_range_internal():
  // 5.10.262 :2303, 6.12.118 :2646, 6.18.2 :2912) `if (WARN_ON_ONCE(!PAGE_ALIGNED(addr))) return
  // -EINVAL;` before the COW rule. 6.19.9 remap_pfn_range():3089 prepares the VMA first
  // (get_remap_pgoff():2901, vm_flags_set(VM_REMAP_FLAGS)), then remap_pfn_range_internal():2920
  // tests the alignment; the same in 7.2.13 (:3203, :3033).
  const shared = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=file
remap_pfn_range: addr=0x10800 pfn=0x90000 size=0x1000
`;
  const cowWhole = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private} backing=file pgoff=7
remap_pfn_range: addr=0x10800 pfn=0x90000 size=0x1000
`;
  const WARN = 'WARN remap_pfn_range !PAGE_ALIGNED(addr)';
  const alignFirst = ['v5.9', 'v5.10', 'v6.1', 'v6.12', 'v6.17', 'v6.18'];
  const prepareFirst = ['v6.19', 'v7.0', 'v7.1', 'v7.2'];

  it('v5.9 .. v6.18: WARN and -EINVAL first; the VMA is left as it was', () => {
    for (const id of alignFirst) {
      for (const script of [shared, cowWhole]) {
        const r = run(id, script);
        expect(r.outcomes[0], id).toMatchObject({ ret: -22, warn: [WARN] });
        const vma = r.state.findVma(1, 0x10000)!;
        expect(vma.flags.includes('VM_PFNMAP'), id).toBe(false);
        expect(r.state.entriesIn(1, 0x10000, 0x14000), id).toEqual([]);
      }
    }
  });

  it('v6.19 on: a COW mapping fails the COW rule first (-EINVAL, no WARN)', () => {
    for (const id of prepareFirst) {
      const r = run(id, cowWhole);
      expect(r.outcomes[0], id).toMatchObject({ ret: -22, warn: [] });
      expect(r.state.findVma(1, 0x10000)!.pgoff, id).toBe(7);
    }
  });

  it('v6.19 on: any other VMA gets VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP, then WARN and -EINVAL', () => {
    for (const id of prepareFirst) {
      const r = run(id, shared);
      expect(r.outcomes[0], id).toMatchObject({ ret: -22, warn: [WARN] });
      const vma = r.state.findVma(1, 0x10000)!;
      for (const f of ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'] as const) {
        expect(vma.flags.includes(f), `${id} ${f}`).toBe(true);
      }
      expect(r.state.entriesIn(1, 0x10000, 0x14000), id).toEqual([]);
    }
  });

  it('v5.4 .. v5.8 have no test (the model maps from the page holding the address)', () => {
    for (const id of ['v5.4', 'v5.8'])
      expect(run(id, shared).outcomes[0], id).toMatchObject({ ret: 0, warn: [] });
  });

  it('an aligned address is unaffected in every release', () => {
    const ok = shared.replace('0x10800', '0x11000');
    for (const id of ['v5.4', ...alignFirst, ...prepareFirst]) {
      expect(run(id, ok).outcomes[0], id).toMatchObject({ ret: 0, warn: [], special: true });
    }
  });
});
