/**
 * mm-core: munmap drops what the release's vm_normal_page* returns, fork duplicates it, and a
 * user's policy that replaces vm_normal_page changes what munmap does (late binding).
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/model/script.ts';
import { definePolicy } from '../../define-policy.ts';
import { policyFromModule } from '../../index.ts';
import { FLAGS, last, run } from '../pte-test-kit.ts';

const RELEASES = ['v5.4', 'v6.10', 'v6.11', 'v6.12', 'v6.15', 'v6.18', 'v6.19'] as const;

describe('munmap', () => {
  it('drops the reference, mapcount and rss of a normal page, and removes the VMA', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=anon refcount=1 mapcount=1
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x10000 pfn=0x2000
munmap: addr=0x10000 len=0x4000
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, refs: { '0x2000': -1 } });
      expect(r.state.folio('0x2000')?.mapcount, id).toBe(0);
      expect(r.state.findVma(1, 0x10000), id).toBeUndefined();
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('splits a VMA unmapped in the middle and keeps vm_pgoff right for the tail', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=file pgoff=0x10
munmap: addr=0x11000 len=0x1000
`;
    const r = run('v6.11', script);
    expect(r.state.data.mms.get(1)!.vmas.map((v) => [v.start, v.end, v.pgoff])).toEqual([
      [0x10000, 0x11000, 0x10],
      [0x12000, 0x14000, 0x12],
    ]);
  });

  it('vm_insert_page then munmap is balanced (pte_special): the zero page too before v6.11, where it is refcounted', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedNeverWritable} backing=file
vm_insert_pages: addr=0x10000 pfns=0x2000,zero
munmap: addr=0x10000 len=0x4000
`;
    for (const id of ['v6.10']) {
      const r = run(id, script);
      expect(r.outcomes[1], id).toMatchObject({ refs: { '0x2000': -1, zero: -1 } });
      expect(r.final.leaks, id).toEqual({});
    }
    for (const id of ['v6.11', 'v6.12', 'v6.15', 'v6.18']) {
      const r = run(id, script);
      expect(r.outcomes[1], id).toMatchObject({ refs: { '0x2000': -1 } });
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('the fs-dax imbalance: refcounted at insert, NULL at unmap, before v6.11 (scenario 8)', () => {
    const script = `
pinbench_config: pte_special=0
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=fsdax fs=ext4 ops=pfn_mkwrite
vmf_insert_mixed: addr=0x10000 pfn=zero
munmap: addr=0x10000 len=0x4000
`;
    for (const id of ['v5.4', 'v6.10']) {
      const r = run(id, script);
      expect(r.outcomes[1], id).toMatchObject({ ret: 0, refs: {} });
      expect(r.final.leaks, id).toEqual({ zero: 1 });
    }
    for (const id of ['v6.11', 'v6.18']) expect(run(id, script).final.leaks, id).toEqual({});
  });

  it('with VM_MIXEDMAP the refcounted zero page is put again at unmap before v6.11; from v6.11 never taken, never put', () => {
    const script = `
pinbench_config: pte_special=0
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=fsdax fs=fuse ops=pfn_mkwrite
vmf_insert_mixed: addr=0x10000 pfn=zero
munmap: addr=0x10000 len=0x4000
`;
    const v610 = run('v6.10', script);
    expect(v610.outcomes.map((o) => o.refs)).toEqual([{ zero: 1 }, { zero: -1 }]);
    expect(v610.final.leaks).toEqual({});
    const v611 = run('v6.11', script);
    expect(v611.outcomes.map((o) => o.refs)).toEqual([{}, {}]);
    expect(v611.final.leaks).toEqual({});
  });
});

describe('fork', () => {
  it('duplicates normal pages into the child and write-protects writable COW entries in both', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=anon refcount=1 mapcount=1
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x10000 pfn=0x2000 write=1
fork: mm=1 child=2
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, refs: { '0x2000': 1 } });
      expect(r.state.entryAt(1, 0x10000)?.write, id).toBe(false);
      expect(r.state.entryAt(2, 0x10000)?.write, id).toBe(false);
      expect(r.state.mm(2).rss.anon, id).toBe(1);
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('copies special pfnmap entries without references and skips VM_DONTCOPY VMAs', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
pinbench_vma: start=0x20000 end=0x24000 flags=${FLAGS.private}|VM_DONTCOPY backing=anon
pinbench_pte: addr=0x10000 pfn=0x800000 special=1
fork: mm=1 child=2
`;
    for (const id of RELEASES) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, refs: {} });
      expect(r.state.entryAt(2, 0x10000)?.pfn, id).toBe(0x800000);
      expect(r.state.data.mms.get(2)!.vmas.length, id).toBe(1);
    }
  });

  it('a COW pfnmap without pte_special duplicates a nonlinear RAM pfn as if it were a COWed anon page (scenario 9)', () => {
    const script = `
pinbench_config: pte_special=0
pinbench_page: pfn=0x2000 kind=driver
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private}|VM_PFNMAP|VM_IO backing=pfnmap pgoff=0x90000
pinbench_pte: addr=0x10000 pfn=0x2000 special=1
fork: mm=1 child=2
`;
    for (const id of RELEASES) expect(run(id, script).outcomes[0]!.refs, id).toEqual({ '0x2000': 1 });
  });
});

describe('late binding', () => {
  it('a user policy replacing vmNormalPage changes what munmap drops', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=anon refcount=1 mapcount=1
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x10000 pfn=0x2000
munmap: addr=0x10000 len=0x4000
`;
    const base = run('v6.11', script);
    expect(base.outcomes[0]!.refs).toEqual({ '0x2000': -1 });
    const user = policyFromModule(
      definePolicy({
        id: 't',
        base: 'v6.11',
        override: {
          vmNormalPage(_k, st) {
            st.why('t: every entry is special');
            return null;
          },
        },
      }),
    );
    const r = runScript(user.ops, script);
    expect(r.outcomes[0]).toMatchObject({ ret: 0, refs: {} });
    expect(r.outcomes[0]!.why).toContain('t: every entry is special');
    expect(r.final.leaks).toEqual({ '0x2000': 1 });
  });

  it('a user policy replacing vmMixedZeropageAllowed changes vm_insert_pages (through validate_page_before_insert)', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedNeverWritable} backing=file
vm_insert_pages: addr=0x10000 pfns=zero
`;
    const user = policyFromModule(
      definePolicy({ id: 'no-zero', base: 'v6.11', override: { vmMixedZeropageAllowed: () => false } }),
    );
    expect(runScript(user.ops, script).outcomes[0]).toMatchObject({ ret: -22, left: 1 });
  });
});

describe('munmap of huge entries, per release (zap_huge_pmd / zap_huge_pud / hugetlb)', () => {
  // 5.10.262 mm/hugetlb.c:__unmap_hugepage_range() drops every present hugetlb page's rmap and
  // reference, whatever vm_normal_page* says (before v6.18 there is no vm_normal_page_pud).
  it('a 1 GiB hugetlb PUD loses its mapping in every release', () => {
    const script = `
pinbench_page: pfn=0x40000 kind=hugetlb order=18 refcount=1 mapcount=1
pinbench_vma: start=0x40000000 end=0x80000000 flags=${FLAGS.sharedWritable}|VM_HUGETLB backing=hugetlb
pinbench_pte: addr=0x40000000 pfn=0x40000 level=pud write=1
munmap: addr=0x40000000 len=0x40000000
`;
    for (const id of ['v5.10', 'v6.12', 'v6.19', 'v7.2']) {
      const o = last(id, script);
      expect(o.refs, id).toEqual({ '0x40000': -1 });
      expect(o.why, id).toContain(
        '__unmap_hugepage_range 0x40000000: 0x40000 put, rmap and rss dropped (pud)',
      );
    }
  });

  // 6.12.118 mm/huge_memory.c:zap_huge_pmd(): outside a special huge VMA and not the huge zero
  // PMD, pmd_page() is dropped without asking vm_normal_page_pmd(); 7.2.13 (d80a9cb1a64a, v7.1)
  // asks vm_normal_folio_pmd(), which reports a special PMD in an anon VMA as a bad page map.
  it('a special PMD in an anonymous VMA: pmd_page dropped up to v7.0, a bad page map and nothing dropped from v7.1', () => {
    const script = `
pinbench_page: pfn=0x80000 kind=driver refcount=1
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x200000 pfn=0x80000 level=pmd special=1
munmap: addr=0x200000 len=0x400000
`;
    for (const id of ['v5.10', 'v6.12', 'v7.0']) expect(last(id, script).refs, id).toEqual({ '0x80000': -1 });
    for (const id of ['v7.1', 'v7.2']) {
      expect(last(id, script), id).toMatchObject({ refs: {}, warn: ['Bad page map pmd'] });
    }
  });

  it('a huge pfnmap PMD in a driver (file) VMA: vma_is_special_huge, nothing dropped, every release', () => {
    const script = `
pinbench_page: pfn=0x80000 kind=mmio
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
pinbench_pte: addr=0x200000 pfn=0x80000 level=pmd special=1
munmap: addr=0x200000 len=0x400000
`;
    for (const id of ['v5.10', 'v6.12', 'v7.2'])
      expect(last(id, script), id).toMatchObject({ refs: {}, warn: [] });
  });

  // 6.12.118 zap_huge_pud(): not special huge -> BUG(); 7.2.13: pud_page dropped (folio PUDs).
  it('a PUD outside a special huge VMA: BUG() up to v6.14, dropped from v6.15 (vmf_insert_folio_pud)', () => {
    const script = `
pinbench_page: pfn=0x40000 kind=file order=18 refcount=1 mapcount=1
pinbench_vma: start=0x40000000 end=0x80000000 flags=${FLAGS.sharedWritable} backing=shmem
pinbench_pte: addr=0x40000000 pfn=0x40000 level=pud
munmap: addr=0x40000000 len=0x40000000
`;
    for (const id of ['v5.10', 'v6.12']) expect(last(id, script).warn, id).toEqual(['BUG zap_huge_pud']);
    for (const id of ['v6.15', 'v7.2']) expect(last(id, script).refs, id).toEqual({ '0x40000': -1 });
  });
});

describe('fork of huge entries, per release (copy_huge_pmd / copy_huge_pud)', () => {
  const pfnmapPmd = `
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
pinbench_pte: addr=0x200000 pfn=0x800000 level=pmd special=1 write=1
fork: mm=1 child=2
`;
  // 5.10.262 copy_huge_pmd(): !vma_is_anonymous(dst_vma) -> return 0; 6.12.118: a pmd_special()
  // PMD is copied first (bc02afbd4d73).
  it('a huge pfnmap PMD: refilled on fault (not copied) before v6.12, copied as is from v6.12', () => {
    for (const id of ['v5.10', 'v6.11'])
      expect(run(id, pfnmapPmd).state.entryAt(2, 0x200000), id).toBeUndefined();
    for (const id of ['v6.12', 'v7.2']) {
      const r = run(id, pfnmapPmd);
      expect(r.state.entryAt(2, 0x200000)?.pfn, id).toBe(0x800000);
      expect(r.outcomes[0]!.refs, id).toEqual({});
    }
  });

  // 5.10.262 copy_huge_pud(): always write-protected in both; 6.12.118: only COW && writable.
  it('a huge pfnmap PUD of a shared VMA: write-protected in both on v5.10, left writable from v6.12', () => {
    const script = `
pinbench_vma: start=0x40000000 end=0x80000000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=pfnmap
pinbench_pte: addr=0x40000000 pfn=0x800000 level=pud special=1 write=1
fork: mm=1 child=2
`;
    const old = run('v5.10', script);
    expect(old.state.entryAt(1, 0x40000000)?.write).toBe(false);
    expect(old.state.entryAt(2, 0x40000000)?.write).toBe(false);
    const cur = run('v6.12', script);
    expect(cur.state.entryAt(1, 0x40000000)?.write).toBe(true);
    expect(cur.state.entryAt(2, 0x40000000)?.write).toBe(true);
    expect(cur.outcomes[0]!.refs).toEqual({});
  });

  it('an anon THP PMD is copied with its reference in every release', () => {
    const script = `
pinbench_page: pfn=0x80000 kind=thp order=9 refcount=1 mapcount=1
pinbench_vma: start=0x200000 end=0x600000 flags=${FLAGS.private} backing=anon
pinbench_pte: addr=0x200000 pfn=0x80000 level=pmd write=1
fork: mm=1 child=2
`;
    for (const id of ['v5.10', 'v6.12', 'v7.2'])
      expect(run(id, script).outcomes[0]!.refs, id).toEqual({ '0x80000': 1 });
  });
});
