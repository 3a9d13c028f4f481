/**
 * zeropage-insert, branch by branch from facts/insert-pfnmap.md §1.3-1.4 (V0 = v6.10 and earlier,
 * the v1 posting, V1 = fce831c92092 / v6.11, the mkwrite refactor, the pfn_t removal), on
 * architectures with and without pte_special.
 */
import { describe, expect, it } from 'vitest';
import { FLAGS, last, run, SINCE_V6_11, V0, V1, V3, V4 } from '../pte-test-kit.ts';

const vma = (flags: string, extra = '') =>
  `pinbench_vma: start=0x10000 end=0x14000 flags=${flags} backing=file ${extra}`;

describe('vm_insert_page of the zero page: where it is allowed', () => {
  // [VMA declaration, forbids_zeropage, V0 ret, v1-posting ret, V1+ ret]
  const table: [string, string, 0 | 1, number, number, number][] = [
    ['MAP_SHARED never writable', vma(FLAGS.sharedNeverWritable), 0, 0, -22, 0],
    ['MAP_SHARED never writable, s390 forbids', vma(FLAGS.sharedNeverWritable), 1, 0, -22, -22],
    ['COW mapping', vma(FLAGS.private), 0, 0, 0, 0],
    ['COW mapping, s390 forbids', vma(FLAGS.private), 1, 0, -22, -22],
    ['shared writable, no pfn_mkwrite', vma(FLAGS.sharedWritable), 0, 0, -22, -22],
    [
      'shared writable, pfn_mkwrite, not fs-dax, no VM_IO',
      vma(FLAGS.sharedWritable, 'ops=pfn_mkwrite'),
      0,
      0,
      -22,
      -22,
    ],
    [
      'shared writable, pfn_mkwrite, fs-dax',
      `pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=fsdax fs=xfs ops=pfn_mkwrite`,
      0,
      0,
      0,
      0,
    ],
    [
      'shared writable, pfn_mkwrite, VM_IO',
      vma(`${FLAGS.sharedWritable}|VM_IO`, 'ops=pfn_mkwrite'),
      0,
      0,
      0,
      0,
    ],
  ];
  for (const [name, decl, forbids, v0, v1posting, v1] of table) {
    const script = `
pinbench_config: forbids_zeropage=${forbids}
${decl}
vm_insert_page: addr=0x10000 pfn=zero
`;
    it(`${name}: V0 ${v0}, v1 posting ${v1posting}, v6.11+ ${v1}`, () => {
      for (const id of V0) {
        const o = last(id, script);
        expect(o.ret, id).toBe(v0);
        expect(o.refs, id).toEqual({ zero: 1 });
        expect(o.special, id).toBe(false);
      }
      const p = last('fce831c92092-v1', script);
      expect(p.ret).toBe(v1posting);
      expect(p.refs).toEqual({});
      expect(p.special).toBe(v1posting === 0);
      for (const id of SINCE_V6_11) {
        const o = last(id, script);
        expect(o.ret, id).toBe(v1);
        expect(o.refs, id).toEqual({});
        expect(o.special, id).toBe(v1 === 0);
      }
    });
  }

  it('v5.4: the zero page is refcounted in any VMA too', () => {
    const o = last('v5.4', `${vma(FLAGS.sharedNeverWritable)}\nvm_insert_page: addr=0x10000 pfn=zero`);
    expect(o.ret).toBe(0);
    expect(o.refs).toEqual({ zero: 1 });
    expect(o.special).toBe(false);
  });

  it('a VM_PFNMAP VMA without VM_MIXEDMAP is BUG_ON in every version', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO
vm_insert_page: addr=0x10000 pfn=zero
`;
    for (const id of ['v5.4', ...V0, 'fce831c92092-v1', ...SINCE_V6_11]) {
      const r = run(id, script);
      expect(r.outcomes[0]!.ret, id).toBe('BUG');
      expect(r.outcomes[0]!.warn, id).toEqual(['BUG vm_insert_page VM_PFNMAP']);
      expect(r.final.bugs, id).toBe(1);
    }
  });

  it('an address outside the VMA is -EFAULT everywhere', () => {
    for (const id of ['v5.4', ...V0, ...SINCE_V6_11]) {
      expect(last(id, `${vma(FLAGS.private)}\nvm_insert_page: addr=0x20000 pfn=zero`).ret, id).toBe(-14);
    }
  });
});

describe('validate_page_before_insert', () => {
  // 5.10.262 mm/memory.c:1665 `PageAnon(page) || PageSlab(page) || page_has_type(page)` -> -EINVAL
  // (page_has_type since 0ee930e6cafa, v5.1, so v5.4 too); 7.2.13 mm/memory.c:2345 anon || has_type
  // (slab is a page type there).
  it('anon, slab and typed pages are refused with -EINVAL in every version, v5.4 included', () => {
    for (const kind of ['anon', 'slab', 'typed'] as const) {
      const script = `
pinbench_page: pfn=0x2000 kind=${kind}
${vma(FLAGS.sharedWritable)}
vm_insert_page: addr=0x10000 pfn=0x2000
`;
      for (const id of ['v5.4', 'v5.10', ...V0, ...SINCE_V6_11, 'v7.1', 'v7.2']) {
        const o = last(id, script);
        expect(o.ret, `${id} ${kind}`).toBe(-22);
        expect(o.refs, `${id} ${kind}`).toEqual({});
      }
    }
  });

  it('a driver page is inserted refcounted, non-special, in every version', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
${vma(FLAGS.sharedWritable)}
vm_insert_page: addr=0x10000 pfn=0x2000
`;
    for (const id of ['v5.4', ...V0, 'fce831c92092-v1', ...SINCE_V6_11]) {
      const o = last(id, script);
      expect(o.ret, id).toBe(0);
      expect(o.refs, id).toEqual({ '0x2000': 1 });
      expect(o.special, id).toBe(false);
    }
  });

  it('page_count 0: refused by vm_insert_page everywhere; by the insert_page path of vmf_insert_mixed only from 11b914ee9e3b', () => {
    const decl = `
pinbench_config: pte_special=0
pinbench_page: pfn=0x2000 kind=driver refcount=0
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=file
`;
    for (const id of [...V0, 'fce831c92092-v1', ...SINCE_V6_11]) {
      expect(last(id, `${decl}vm_insert_page: addr=0x10000 pfn=0x2000`).ret, id).toBe(-22);
    }
    for (const id of [...V0, 'fce831c92092-v1']) {
      const o = last(id, `${decl}vmf_insert_mixed: addr=0x10000 pfn=0x2000`);
      expect(o.ret, id).toBe('NOPAGE');
      expect(o.refs, id).toEqual({ '0x2000': 1 });
    }
    for (const id of SINCE_V6_11)
      expect(last(id, `${decl}vmf_insert_mixed: addr=0x10000 pfn=0x2000`).ret, id).toBe('SIGBUS');
  });

  it('a zero page with refcount 0 (the v1 review report) is -EINVAL before the zero test in v1 and merged', () => {
    const script = `
pinbench_page: pfn=zero refcount=0
${vma(FLAGS.sharedNeverWritable)}
vm_insert_pages: addr=0x10000 pfns=zero
`;
    for (const id of ['fce831c92092-v1', ...SINCE_V6_11]) {
      const o = last(id, script);
      expect(o.ret, id).toBe(-22);
      expect(o.left, id).toBe(1);
    }
  });
});

describe('vm_insert_pages', () => {
  it('does not exist before v5.7', () => {
    for (const id of ['v5.4', 'v5.6']) {
      expect(
        last(id, `${vma(FLAGS.sharedNeverWritable)}\nvm_insert_pages: addr=0x10000 pfns=zero`).ret,
        id,
      ).toBe('unsupported');
    }
  });

  it('stops at the first failure and reports the pages left (the failing one included)', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_page: pfn=0x3000 kind=driver
${vma(FLAGS.sharedNeverWritable)}
vm_insert_pages: addr=0x10000 pfns=0x2000,zero,0x3000
`;
    const v1 = run('fce831c92092-v1', script);
    expect(v1.outcomes[0]).toMatchObject({ ret: -22, left: 2, refs: { '0x2000': 1 }, special: false });
    for (const id of V0) {
      expect(last(id, script), id).toMatchObject({
        ret: 0,
        left: 0,
        refs: { '0x2000': 1, '0x3000': 1, zero: 1 },
      });
    }
    for (const id of SINCE_V6_11) {
      expect(last(id, script), id).toMatchObject({
        ret: 0,
        left: 0,
        refs: { '0x2000': 1, '0x3000': 1 },
        special: true,
      });
    }
  });

  it('an anon page in the middle stops the call in every version', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_page: pfn=0x3000 kind=anon
pinbench_page: pfn=0x4000 kind=driver
${vma(FLAGS.sharedWritable)}
vm_insert_pages: addr=0x10000 pfns=0x2000,0x3000,0x4000
`;
    for (const id of [...V0, ...SINCE_V6_11]) {
      expect(last(id, script), id).toMatchObject({ ret: -22, left: 2, refs: { '0x2000': 1 } });
    }
  });

  it('a range past vm_end is -EFAULT with nothing inserted', () => {
    const script = `${vma(FLAGS.sharedWritable)}\nvm_insert_pages: addr=0x12000 pfns=zero,zero,zero`;
    for (const id of [...V0, ...SINCE_V6_11])
      expect(last(id, script), id).toMatchObject({ ret: -14, left: 3, refs: {} });
  });

  it('an occupied PTE is -EBUSY', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
${vma(FLAGS.sharedWritable)}
pinbench_pte: addr=0x11000 pfn=0x2000
vm_insert_pages: addr=0x10000 pfns=0x2000,0x2000
`;
    for (const id of [...V0, ...SINCE_V6_11])
      expect(last(id, script), id).toMatchObject({ ret: -16, left: 1 });
  });
});

describe('vm_map_pages', () => {
  it('needs as many pages as the VMA from vm_pgoff (-ENXIO), then maps them', () => {
    const decl = `
pinbench_page: pfn=0x2000 nr=4 kind=driver
pinbench_vma: start=0x10000 end=0x12000 flags=${FLAGS.sharedNeverWritable} backing=file pgoff=1
`;
    for (const id of ['v5.4', ...V0, ...SINCE_V6_11]) {
      expect(last(id, `${decl}vm_map_pages: addr=0x10000 pfns=0x2000,0x2001`).ret, id).toBe(-6);
      const o = last(id, `${decl}vm_map_pages: addr=0x10000 pfns=0x2000,0x2001,0x2002`);
      expect(o.ret, id).toBe(0);
      expect(o.refs, id).toEqual({ '0x2001': 1, '0x2002': 1 });
    }
  });

  it('maps the zero page special from v6.11, refcounted before', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x11000 flags=${FLAGS.sharedNeverWritable} backing=file
vm_map_pages: addr=0x10000 pfns=zero
`;
    for (const id of V0)
      expect(last(id, script), id).toMatchObject({ ret: 0, refs: { zero: 1 }, special: false });
    for (const id of SINCE_V6_11)
      expect(last(id, script), id).toMatchObject({ ret: 0, refs: {}, special: true });
    expect(last('fce831c92092-v1', script)).toMatchObject({ ret: -22, refs: {} });
  });
});

describe('vmf_insert_mixed', () => {
  const fsdax = (flags: string, ops = 'ops=pfn_mkwrite') =>
    `pinbench_vma: start=0x10000 end=0x14000 flags=${flags} backing=fsdax fs=ext4 ${ops}`;

  it('zero pfn, !pte_special, fs-dax without VM_MIXEDMAP: refcounted non-special before v6.11, special after', () => {
    const script = `
pinbench_config: pte_special=0
${fsdax(FLAGS.sharedWritable)}
vmf_insert_mixed: addr=0x10000 pfn=zero
`;
    for (const id of ['v5.4', ...V0]) {
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', refs: { zero: 1 }, special: false });
    }
    for (const id of ['fce831c92092-v1', ...SINCE_V6_11]) {
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', refs: {}, special: true });
    }
  });

  it('zero pfn with pte_special: insert_pfn, special and unrefcounted in every version', () => {
    const script = `${fsdax(FLAGS.sharedWritable)}\nvmf_insert_mixed: addr=0x10000 pfn=zero`;
    for (const id of ['v5.4', ...V0, ...SINCE_V6_11]) {
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', refs: {}, special: true });
    }
  });

  it('zero pfn where not allowed (writable fs-dax without pfn_mkwrite): accepted before v6.11, SIGBUS after', () => {
    const script = `${fsdax(FLAGS.sharedWritable, '')}\nvmf_insert_mixed: addr=0x10000 pfn=zero`;
    for (const id of V0) expect(last(id, script).ret, id).toBe('NOPAGE');
    for (const id of SINCE_V6_11) expect(last(id, script).ret, id).toBe('SIGBUS');
  });

  it('vm_mixed_ok failing: BUG_ON before v6.11, VM_FAULT_SIGBUS from v6.11 (and in the v1 posting)', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=file
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable} backing=file
vmf_insert_mixed: addr=0x10000 pfn=0x2000
`;
    for (const id of ['v5.4', ...V0]) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'BUG', warn: ['BUG vm_mixed_ok'] });
      expect(r.final.bugs, id).toBe(1);
    }
    for (const id of ['fce831c92092-v1', ...SINCE_V6_11]) {
      const r = run(id, script);
      expect(r.outcomes[0], id).toMatchObject({ ret: 'SIGBUS', warn: [] });
      expect(r.final.bugs, id).toBe(0);
    }
  });

  it('vmf_insert_mixed_mkwrite of the zero pfn: accepted before v6.11, SIGBUS after', () => {
    const script = `
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=mixedmap
vmf_insert_mixed_mkwrite: addr=0x10000 pfn=zero
`;
    for (const id of V0) expect(last(id, script).ret, id).toBe('NOPAGE');
    for (const id of SINCE_V6_11) expect(last(id, script).ret, id).toBe('SIGBUS');
  });

  it('an fs-dax (devmap) pfn outside VM_MIXEDMAP is ok until the pfn_t removal, SIGBUS in v6.18', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=fsdax zone=Device
${fsdax(FLAGS.sharedWritable)}
vmf_insert_mixed: addr=0x10000 pfn=0x2000
`;
    for (const id of [...V0, ...V1, ...V3])
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', special: true });
    for (const id of V4) expect(last(id, script).ret, id).toBe('SIGBUS');
  });

  it('mkwrite over a present PTE, !pte_special: NOPAGE until the mkwrite refactor; a pfn mismatch is then SIGBUS with a WARN', () => {
    const decl = `
pinbench_config: pte_special=0
pinbench_page: pfn=0x2000 nr=2 kind=driver
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=mixedmap
vmf_insert_mixed: addr=0x10000 pfn=0x2000
`;
    for (const id of [...V0, ...V1]) {
      expect(last(id, `${decl}vmf_insert_mixed_mkwrite: addr=0x10000 pfn=0x2001`), id).toMatchObject({
        ret: 'NOPAGE',
        warn: [],
      });
    }
    for (const id of [...V3, ...V4]) {
      expect(last(id, `${decl}vmf_insert_mixed_mkwrite: addr=0x10000 pfn=0x2001`), id).toMatchObject({
        ret: 'SIGBUS',
        warn: ['WARN insert_page mkwrite pfn mismatch'],
      });
      const r = run(id, `${decl}vmf_insert_mixed_mkwrite: addr=0x10000 pfn=0x2000`);
      expect(r.outcomes[1], id).toMatchObject({ ret: 'NOPAGE', warn: [], refs: {} });
      expect(r.state.entryAt(1, 0x10000)?.write, id).toBe(true);
    }
  });

  it('mkwrite over a present zero PTE with pte_special: insert_pfn skips it without a WARN', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_vma: start=0x10000 end=0x14000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=mixedmap
pinbench_pte: addr=0x10000 pfn=zero special=1
vmf_insert_mixed_mkwrite: addr=0x10000 pfn=0x2000
`;
    for (const id of ['v5.4', ...V0, ...SINCE_V6_11])
      expect(last(id, script), id).toMatchObject({ ret: 'NOPAGE', warn: [] });
  });
});

// 7.2.13 mm/memory.c:vm_insert_pages():2501 and __vm_map_pages():2609 against 6.12.118
// mm/memory.c:2171 / 2245: the VM_PFNMAP BUG_ON of the batch path became VM_WARN_ON_ONCE and
// vm_map_pages() became one vm_insert_pages() call; vm_insert_page() keeps its BUG_ON (2589).
describe('vm_insert_pages / vm_map_pages on a VM_PFNMAP VMA (62c65fd740e9, v7.1)', () => {
  const pfnmap = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_vma: start=0x10000 end=0x11000 flags=${FLAGS.sharedWritable}|VM_PFNMAP|VM_IO backing=file
`;
  it('vm_insert_pages: BUG_ON up to v7.0, then a VM_WARN and the page is inserted refcounted', () => {
    for (const id of ['v5.10', 'v6.12', 'v6.19', 'v7.0']) {
      const o = last(id, `${pfnmap}vm_insert_pages: addr=0x10000 pfns=0x2000`);
      expect(o.ret, id).toBe('BUG');
    }
    for (const id of ['v7.1', 'v7.2']) {
      const o = last(id, `${pfnmap}vm_insert_pages: addr=0x10000 pfns=0x2000`);
      expect(o, id).toMatchObject({ ret: 0, left: 0, warn: ['WARN vm_insert_pages VM_PFNMAP'] });
      expect(o.refs, id).toEqual({ '0x2000': 1 });
    }
  });
  it('vm_map_pages: BUG_ON (through vm_insert_page) up to v7.0, the warning from v7.1', () => {
    for (const id of ['v5.4', 'v6.12', 'v7.0']) {
      expect(last(id, `${pfnmap}vm_map_pages: addr=0x10000 pfns=0x2000`).ret, id).toBe('BUG');
    }
    const o = last('v7.2', `${pfnmap}vm_map_pages: addr=0x10000 pfns=0x2000`);
    expect(o).toMatchObject({ ret: 0, warn: ['WARN vm_insert_pages VM_PFNMAP'] });
  });
  it('vm_insert_page keeps its BUG_ON in v7.2', () => {
    expect(last('v7.2', `${pfnmap}vm_insert_page: addr=0x10000 pfn=0x2000`).ret).toBe('BUG');
  });
  it('vm_map_pages stops at the first failure in v7.2 as before (-EINVAL for an anon page)', () => {
    const script = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_page: pfn=0x3000 kind=anon
pinbench_vma: start=0x10000 end=0x12000 flags=${FLAGS.sharedWritable} backing=file
vm_map_pages: addr=0x10000 pfns=0x2000,0x3000
`;
    for (const id of ['v6.12', 'v7.2']) {
      const o = last(id, script);
      expect(o.ret, id).toBe(-22);
      expect(o.refs, id).toEqual({ '0x2000': 1 });
    }
  });
});

describe('a huge PMD where pages are inserted (pte-map-may-fail, v6.5)', () => {
  // From 6.5.0, __pte_offset_map() returns NULL for a huge PMD (mm/pgtable-generic.c:245;
  // 6.12.118 :296; 7.2.13 :299): insert_pages() -> -EFAULT (6.5.0 mm/memory.c:1915-1918,
  // 6.12.118 :2128-2130, 7.2.13 :2458-2460), insert_page() -> -ENOMEM after validating the page
  // (6.5.0 :1858-1861, 6.12.118 :2074-2076, 7.2.13 :2403-2405).
  const decl = `
pinbench_page: pfn=0x2000 kind=driver
pinbench_page: pfn=0x3000 kind=driver
pinbench_page: pfn=0x4000 kind=anon
pinbench_vma: start=0x1ff000 end=0x400000 flags=${FLAGS.sharedWritable}|VM_MIXEDMAP backing=file
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd special=1
`;
  const from = ['v6.5', 'v6.10', 'v6.11', 'v6.12', 'v6.15', 'v6.18', 'v7.1', 'v7.2'];
  // Before v6.5 the kernel reads the huge PMD's memory as a PTE table (not modelled: the model
  // keeps a PTE under the huge entry and reports success).
  const before = ['v5.10', 'v6.1', 'v6.4'];

  it('vm_insert_pages across the PMD boundary: the first page in, then -EFAULT with the rest left', () => {
    const s = `${decl}vm_insert_pages: addr=0x1ff000 pfns=0x2000,0x3000`;
    for (const id of from) {
      const o = last(id, s);
      expect(o, id).toMatchObject({ ret: -14, left: 1, refs: { '0x2000': 1 } });
      expect(o.why, id).toContain('insert_pages: a huge PMD maps 0x200000: pte_offset_map_lock() -> NULL');
    }
    for (const id of before) expect(last(id, s), id).toMatchObject({ ret: 0, left: 0 });
  });

  it('the PMD test comes before the page tests in insert_pages(), after them in insert_page()', () => {
    const batch = `${decl}vm_insert_pages: addr=0x200000 pfns=0x4000`;
    const one = `${decl}vm_insert_page: addr=0x200000 pfn=0x4000`;
    for (const id of from) {
      expect(last(id, batch), id).toMatchObject({ ret: -14, left: 1 });
      expect(last(id, one).ret, id).toBe(-22);
    }
  });

  it('vm_insert_page under the huge PMD: -ENOMEM from v6.5', () => {
    const s = `${decl}vm_insert_page: addr=0x200000 pfn=0x3000`;
    for (const id of from) {
      const o = last(id, s);
      expect(o.ret, id).toBe(-12);
      expect(o.refs, id).toEqual({});
    }
    for (const id of before) expect(last(id, s).ret, id).toBe(0);
  });
});
