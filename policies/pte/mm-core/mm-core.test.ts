/**
 * mm-core: munmap drops what the release's vm_normal_page* returns, fork duplicates it, and a
 * user's policy that replaces vm_normal_page changes what munmap does (late binding).
 */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/model/script.ts';
import { definePolicy } from '../../define-policy.ts';
import { policyFromModule } from '../../index.ts';
import { FLAGS, run } from '../pte-test-kit.ts';

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
