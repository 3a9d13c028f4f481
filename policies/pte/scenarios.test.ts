/**
 * Scenarios 7-10 of spec/scenarios.md against every release and the page-table variants, with
 * the expected outcome of each written out per release (from facts/insert-pfnmap.md).
 */
import { describe, expect, it } from 'vitest';
import { RELEASE_IDS } from '../index.ts';
import { FLAGS, last, run } from './pte-test-kit.ts';

const BEFORE_V5_7 = ['v5.4', 'v5.6'] as const;
const V5_7_TO_V6_10 = RELEASE_IDS.slice(RELEASE_IDS.indexOf('v5.10'), RELEASE_IDS.indexOf('v6.10') + 1);
const FROM_V6_11 = RELEASE_IDS.slice(RELEASE_IDS.indexOf('v6.11'));
const BEFORE_V6_11 = RELEASE_IDS.slice(0, RELEASE_IDS.indexOf('v6.11'));
const BEFORE_V6_12 = RELEASE_IDS.slice(0, RELEASE_IDS.indexOf('v6.12'));
const FROM_V6_12 = RELEASE_IDS.slice(RELEASE_IDS.indexOf('v6.12'));
const VARIANTS = ['fce831c92092-v1', 'pre-10d83d7781a8', 'vm-normal-page-per-level-fix'] as const;

describe('the release groups cover every release', () => {
  it('partition', () => {
    expect([...BEFORE_V5_7, ...V5_7_TO_V6_10, ...FROM_V6_11]).toEqual([...RELEASE_IDS]);
    expect(V5_7_TO_V6_10[0]).toBe('v5.10');
    expect(FROM_V6_11).toEqual(['v6.11', 'v6.12', 'v6.15', 'v6.18', 'v6.19', 'v7.1']);
  });
});

describe('scenario 7: vm_insert_pages() of the zero page into a MAP_SHARED never-writable VMA (ring-buffer padding)', () => {
  const s7 = (config = '', flags: string = FLAGS.sharedNeverWritable, ops = '') => `
pinbench_config: pte_special=1 ${config}
pinbench_vma: start=0x10000 end=0x14000 flags=${flags} backing=file ${ops}
vm_insert_pages: addr=0x10000 pfns=zero
munmap: addr=0x10000 len=0x4000
`;

  it('before v5.7 there is no vm_insert_pages()', () => {
    for (const id of BEFORE_V5_7) expect(run(id, s7()).outcomes[0]!.ret, id).toBe('unsupported');
  });

  it('v5.7..v6.10: mapped refcounted and non-special (balanced at unmap with pte_special)', () => {
    for (const id of V5_7_TO_V6_10) {
      const r = run(id, s7());
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, left: 0, special: false, refs: { zero: 1 } });
      expect(r.outcomes[1]!.refs, id).toEqual({ zero: -1 });
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('v6.11+: mapped special and unrefcounted', () => {
    for (const id of [...FROM_V6_11, 'pre-10d83d7781a8', 'vm-normal-page-per-level-fix']) {
      const r = run(id, s7());
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, left: 0, special: true, refs: {} });
      expect(r.outcomes[1]!.refs, id).toEqual({});
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('the v1 posting: -EINVAL ("Shouldn\'t we return true here?"), nothing mapped', () => {
    const r = run('fce831c92092-v1', s7());
    expect(r.outcomes[0]).toMatchObject({ ret: -22, left: 1, special: false, refs: {} });
    expect(r.outcomes[0]!.why).toContain('zero pfn in never-writable shared VMA -> not allowed (v1 posting)');
  });

  it('s390 mm_forbids_zeropage: -EINVAL from v6.11, accepted (refcounted) before', () => {
    for (const id of V5_7_TO_V6_10) expect(last(id, s7('forbids_zeropage=1')).ret, id).toBe(0);
    for (const id of FROM_V6_11) {
      const o = run(id, s7('forbids_zeropage=1')).outcomes[0]!;
      expect(o, id).toMatchObject({ ret: -22, left: 1, refs: {} });
      expect(o.why, id).toContain('zero pfn, mm_forbids_zeropage -> not allowed (fce831c92092)');
    }
  });

  it('a shared writable VMA without pfn_mkwrite: -EINVAL from v6.11, accepted before', () => {
    for (const id of V5_7_TO_V6_10) {
      expect(run(id, s7('', FLAGS.sharedWritable)).outcomes[0], id).toMatchObject({
        ret: 0,
        refs: { zero: 1 },
      });
    }
    for (const id of FROM_V6_11) {
      expect(run(id, s7('', FLAGS.sharedWritable)).outcomes[0], id).toMatchObject({
        ret: -22,
        left: 1,
        refs: {},
      });
    }
  });

  it('the same on an arch without pte_special', () => {
    const script = s7().replace('pte_special=1', 'pte_special=0');
    for (const id of V5_7_TO_V6_10) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, special: false, refs: { zero: 1 } });
      // vm_insert_pages made the VMA VM_MIXEDMAP: vm_normal_page returns the zero page at unmap.
      expect(r.final.leaks, id).toEqual({});
    }
    for (const id of FROM_V6_11) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 0, special: true, refs: {} });
      expect(r.final.leaks, id).toEqual({});
    }
  });
});

describe('scenario 8: vmf_insert_mixed() of the zero pfn, !pte_special, fs-dax without VM_MIXEDMAP', () => {
  const s8 = `
pinbench_config: pte_special=0
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=fsdax fs=ext4 ops=pfn_mkwrite
vmf_insert_mixed: addr=0x10000 pfn=zero
munmap: addr=0x10000 len=0x4000
`;
  it('before v6.11: refcounted at insert, vm_normal_page() NULL at unmap -> leak {zero: 1}', () => {
    for (const id of BEFORE_V6_11) {
      const r = run(id, s8);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NOPAGE', special: false, refs: { zero: 1 } });
      expect(r.outcomes[1], id).toMatchObject({ ret: 0, refs: {} });
      expect(r.final.leaks, id).toEqual({ zero: 1 });
    }
  });
  it('v6.11+: special, unrefcounted, no leak', () => {
    for (const id of [...FROM_V6_11, ...VARIANTS]) {
      const r = run(id, s8);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NOPAGE', special: true, refs: {} });
      expect(r.final.leaks, id).toEqual({});
    }
  });
});

describe('scenario 9: COW VM_PFNMAP without pte_special, entries not from remap_pfn_range', () => {
  const s9 = (flags: string, pfn: string, pages = '') => `
pinbench_config: pte_special=0
${pages}
pinbench_vma: start=0x10000 end=0x14000 flags=${flags}|VM_PFNMAP|VM_IO backing=pfnmap pgoff=0x90000
pinbench_pte: addr=0x10000 pfn=${pfn} special=1
vm_normal_page: addr=0x10000
munmap: addr=0x10000 len=0x4000
`;
  const all = [...RELEASE_IDS, ...VARIANTS];

  it('a RAM pfn (nonlinear) is taken for a COWed anon page in every version: munmap puts a reference it never took', () => {
    for (const id of all) {
      const r = run(id, s9(FLAGS.private, '0x2000', 'pinbench_page: pfn=0x2000 kind=driver'));
      expect(r.outcomes[0], id).toMatchObject({ ret: '0x2000', pages: ['0x2000'] });
      expect(r.outcomes[1]!.refs, id).toEqual({ '0x2000': -1 });
      expect(r.final.leaks, id).toEqual({ '0x2000': -1 });
    }
  });

  it('a shared VM_PFNMAP (what vfio-pci creates) returns NULL everywhere', () => {
    for (const id of all) {
      const r = run(id, s9(FLAGS.sharedWritable, '0x2000', 'pinbench_page: pfn=0x2000 kind=driver'));
      expect(r.outcomes[0]!.ret, id).toBe('NULL');
      expect(r.final.leaks, id).toEqual({});
    }
  });

  it('a pfn above highest_memmap_pfn: "Bad page map" and NULL', () => {
    for (const id of all) {
      const r = run(id, s9(FLAGS.private, '0x2000000'));
      expect(r.outcomes[0], id).toMatchObject({ ret: 'NULL', warn: ['Bad page map pte'] });
      expect(r.final.badPageMaps, id).toBe(2);
    }
  });

  it('with pte_special the same entries are special: NULL everywhere', () => {
    for (const id of all) {
      const script = s9(FLAGS.private, '0x2000', 'pinbench_page: pfn=0x2000 kind=driver').replace(
        'pte_special=0',
        'pte_special=1',
      );
      expect(last(id, script.replace(/munmap.*\n/, '')).ret, id).toBe('NULL');
    }
  });
});

describe('scenario 10: folio_walk_start() over special PUD/PMD pfnmap entries', () => {
  const s10 = (addr: string) => `
pinbench_config: pte_special=1 pmd_pfnmap=1 pud_pfnmap=1
pinbench_vma: start=0x40000000 end=0xc0000000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP backing=pfnmap
pinbench_pte: addr=0x40000000 pfn=0x800000 level=pud special=1
pinbench_pte: addr=0x80200000 pfn=0x900000 level=pmd special=1
folio_walk_start: addr=${addr}
`;
  it("before v6.12: 'unsupported'", () => {
    for (const id of [...BEFORE_V6_12, 'fce831c92092-v1']) {
      expect(last(id, s10('0x40000000')).ret, id).toBe('unsupported');
      expect(last(id, s10('0x80200000')).ret, id).toBe('unsupported');
    }
  });
  it('from v6.12: no folio for either', () => {
    for (const id of [...FROM_V6_12, 'vm-normal-page-per-level-fix']) {
      expect(last(id, s10('0x40000000')).ret, id).toBe('NULL');
      expect(last(id, s10('0x80200000')).ret, id).toBe('NULL');
    }
  });
  it('before patch 06 (pre-10d83d7781a8): the PUD yields a bogus folio; the PMD is NULL by the shared-PFNMAP rule', () => {
    expect(last('pre-10d83d7781a8', s10('0x40000000'))).toMatchObject({
      ret: '0x800000',
      pages: ['0x800000'],
    });
    expect(last('pre-10d83d7781a8', s10('0x80200000')).ret).toBe('NULL');
  });
});
