/**
 * io_uring fixed buffers: the cases of the real recordings (real-traces/README.md, scenario 11)
 * written by hand as declarations, for v6.1 (kprobe-6.1, Debian 6.1.192) and v6.18 (tracefs-6.18),
 * then the version table of facts/io-uring.md §1 and §5.
 */
import { describe, expect, it } from 'vitest';
import { A, call, ptes, run, VMF, vma, zeroPtes } from '../gup-test-kit.ts';

const PAGES = 4;
const LEN = PAGES * 0x1000;
const REGISTER = `io_uring_register_buffers: addr=${A} len=${LEN}`;

/** The mapping kinds of the recordings; `pfn` pages are declared where the mapping was populated. */
const CASES: Record<string, string> = {
  // private anon, PROT_READ, read-faulted: the shared zero page
  zero_ro: `${vma(VMF.privateRo, PAGES)}\n${zeroPtes(PAGES)}\n${REGISTER}`,
  // private anon, PROT_READ|PROT_WRITE, read-faulted: the zero page, R/O PTEs
  zero_rw: `${vma(VMF.privateRw, PAGES)}\n${zeroPtes(PAGES)}\n${REGISTER}`,
  // private anon, written
  anon_written: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
${vma(VMF.privateRw, PAGES)}\n${ptes(0x5000, PAGES, 'write=1 dirty=1')}\n${REGISTER}`,
  // memfd, MAP_SHARED, written
  memfd_shared: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=shmem refcount=2 mapcount=1 flags=lru,dirty,swapbacked
${vma(VMF.sharedRw, PAGES, 'backing=shmem')}\n${ptes(0x5000, PAGES, 'write=1 dirty=1')}\n${REGISTER}`,
  // tmpfs file, MAP_SHARED
  shm_file: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=shmem refcount=2 mapcount=1 flags=lru,swapbacked
${vma(VMF.sharedRw, PAGES, 'backing=shmem fs=tmpfs')}\n${ptes(0x5000, PAGES, 'write=1')}\n${REGISTER}`,
  // ext4 file, MAP_SHARED, written
  file_shared: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=file refcount=2 mapcount=1 flags=lru,dirty
${vma(VMF.sharedRw, PAGES, 'backing=file fs=ext4')}\n${ptes(0x5000, PAGES, 'write=1 dirty=1')}\n${REGISTER}`,
  // ext4 file, MAP_PRIVATE, read-faulted: page-cache pages behind R/O PTEs
  file_private: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=file refcount=2 mapcount=1 flags=lru
${vma(VMF.privateRw, PAGES, 'backing=file fs=ext4')}\n${ptes(0x5000, PAGES, 'write=0')}\n${REGISTER}`,
  // ramfs file, MAP_SHARED (6.1 recording)
  ramfs: `pinbench_page: pfn=0x5000 nr=${PAGES} kind=file refcount=2 mapcount=1 flags=dirty
${vma(VMF.sharedRw, PAGES, 'backing=file fs=ramfs')}\n${ptes(0x5000, PAGES, 'write=1 dirty=1')}\n${REGISTER}`,
  // 2 MiB anon with MADV_HUGEPAGE, written: one PMD-mapped THP
  thp: `pinbench_page: pfn=0x40000 nr=512 kind=thp order=9 refcount=1 mapcount=1 flags=lru,exclusive,dirty
pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGEPAGE backing=anon
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd write=1 dirty=1
io_uring_register_buffers: addr=0x200000 len=0x200000`,
  // MAP_HUGETLB (6.1 recording): one PMD-mapped hugetlb folio
  hugetlb: `pinbench_page: pfn=0x40000 nr=512 kind=hugetlb order=9 refcount=1 mapcount=1 flags=exclusive
pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGETLB backing=hugetlb fs=hugetlbfs
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd write=1 dirty=1
io_uring_register_buffers: addr=0x200000 len=0x200000`,
};

describe('io-uring-buffers: the 6.1 recording (kprobe-6.1)', () => {
  const observed: Record<string, number> = {
    zero_ro: -14,
    zero_rw: 0,
    anon_written: 0,
    memfd_shared: 0,
    shm_file: 0,
    thp: 0,
    file_shared: -95,
    file_private: -95,
    ramfs: -95,
    hugetlb: 0,
  };
  for (const [name, ret] of Object.entries(observed)) {
    it(`${name}: ${ret}`, () => {
      expect(call('v6.1', CASES[name]!).ret).toBe(ret);
    });
  }

  it('zero_rw: the zero page is never grabbed; write faults map fresh pages and those are pinned', () => {
    const o = call('v6.1', CASES.zero_rw!);
    expect(o.pages).toEqual(['new1', 'new2', 'new3', 'new4']);
    expect(o.refs.zero).toBeUndefined();
    expect(o.refs.new1).toBe(1 + 1024);
  });

  it('THP: 512 pins on the head folio (refcount +1 each, one bvec per page)', () => {
    const o = call('v6.1', CASES.thp!);
    expect(o.pages.length).toBe(512);
    expect(o.refs).toEqual({ '0x40000': 512 });
    expect(o.pins).toEqual({ '0x40000': 512 });
    expect(o.lockedVm).toBe(512);
  });

  it('a small anon page goes +1024 on FOLL_PIN and back on unregister', () => {
    const r = run('v6.1', `${CASES.anon_written}\nio_uring_unregister_buffers: mm=1`);
    expect(r.outcomes[0]!.refs).toEqual({ '0x5000': 1024, '0x5001': 1024, '0x5002': 1024, '0x5003': 1024 });
    expect(r.outcomes[1]!.refs).toEqual({
      '0x5000': -1024,
      '0x5001': -1024,
      '0x5002': -1024,
      '0x5003': -1024,
    });
    expect(r.final.leaks).toEqual({});
    expect(r.final.lockedVm).toBe(0);
  });

  it('ext4 shared: refused after pinning, the pages unpinned again', () => {
    const r = run('v6.1', CASES.file_shared!);
    expect(r.outcomes[0]!.refs).toEqual({});
    expect(r.outcomes[0]!.why).toContain(
      'io_uring: VMA check -EOPNOTSUPP after pinning -> release all 4 page(s)',
    );
    expect(r.final.pinsAcquired).toBe(4);
    expect(r.final.pinsReleased).toBe(4);
  });

  it('ext4 private: refused, but the COW copies made by the write faults stay mapped', () => {
    const r = run('v6.1', CASES.file_private!);
    expect(r.outcomes[0]!.pages).toEqual([]);
    expect(r.state.entryAt(1, A)?.pfn).toBe(r.state.folio('new1')!.pfn);
    expect(r.final.leaks).toEqual({});
  });
});

describe('io-uring-buffers: the 6.18 recording (tracefs-6.18)', () => {
  const observed: Record<string, number> = {
    zero_ro: -14,
    zero_rw: 0,
    anon_written: 0,
    memfd_shared: 0,
    file_shared: -14,
    file_private: 0,
    shm_file: 0,
    thp: 0,
  };
  for (const [name, ret] of Object.entries(observed)) {
    it(`${name}: ${ret}`, () => {
      expect(call('v6.18', CASES[name]!).ret).toBe(ret);
    });
  }

  it('zero_rw: 4/4 replaced by fresh anon pages; file_private: 4/4 replaced by anon copies', () => {
    expect(call('v6.18', CASES.zero_rw!).pages).toEqual(['new1', 'new2', 'new3', 'new4']);
    const r = run('v6.18', CASES.file_private!);
    expect(r.outcomes[0]!.pages).toEqual(['new1', 'new2', 'new3', 'new4']);
    expect(r.state.entryAt(1, A + 0x3000)?.pfn).toBe(r.state.folio('new4')!.pfn);
  });

  it('ext4 shared: GUP refuses before any page is touched (8ac268436e6d)', () => {
    const o = call('v6.18', CASES.file_shared!);
    expect(o.refs).toEqual({});
    expect(o.why.some((w) => w.endsWith('needs dirty tracking -> -EFAULT (8ac268436e6d)'))).toBe(true);
  });

  it('zero_ro: PFN after is still the zero page', () => {
    expect(run('v6.18', CASES.zero_ro!).state.entryAt(1, A)?.pfn).toBe(0x1000);
  });

  it('THP: coalesced to one bvec on the head page, one pin kept', () => {
    const o = call('v6.18', CASES.thp!);
    expect(o.pages).toEqual(['0x40000']);
    expect(o.refs).toEqual({ '0x40000': 1 });
    expect(o.pins).toEqual({ '0x40000': 1 });
  });
});

describe('io-uring-buffers: across releases (facts/io-uring.md §5)', () => {
  it('memfd: -EOPNOTSUPP until the shmem exemption (v5.14), then 0', () => {
    expect(call('v5.13', CASES.memfd_shared!).ret).toBe(-95);
    expect(call('v5.18', CASES.memfd_shared!).ret).toBe(0);
  });

  it('ext4 shared: -EOPNOTSUPP through v6.4, -EFAULT from v6.5', () => {
    expect(call('v6.4', CASES.file_shared!).ret).toBe(-95);
    for (const id of ['v6.5', 'v6.10', 'v6.12', 'v6.19'])
      expect(call(id, CASES.file_shared!).ret, id).toBe(-14);
  });

  it('ramfs shared: -EOPNOTSUPP through v6.4, -EFAULT from v6.5 (page_mkwrite)', () => {
    expect(call('v6.4', CASES.ramfs!).ret).toBe(-95);
    expect(call('v6.5', CASES.ramfs!).ret).toBe(-14);
  });

  it('v5.4 takes FOLL_GET references (+1), v5.6 pins (+1), v5.13 pins (+1024)', () => {
    expect(call('v5.4', CASES.anon_written!).refs['0x5000']).toBe(1);
    expect(call('v5.6', CASES.anon_written!).refs['0x5000']).toBe(1);
    expect(call('v5.13', CASES.anon_written!).refs['0x5000']).toBe(1024);
  });

  it('a second register -> -EBUSY; unregister with nothing registered -> -ENXIO', () => {
    const r = run(
      'v6.1',
      `${CASES.anon_written}\n${REGISTER}\nio_uring_unregister_buffers: mm=1\nio_uring_unregister_buffers: mm=1`,
    );
    expect(r.outcomes.map((o) => o.ret)).toEqual([0, -16, 0, -6]);
  });

  it('over RLIMIT_MEMLOCK -> -ENOMEM, nothing left pinned (a THP is charged 512)', () => {
    const r = run('v6.1', `pinbench_config: memlock_pages=100\n${CASES.thp}`);
    expect(r.outcomes[0]!.ret).toBe(-12);
    expect(r.outcomes[0]!.refs).toEqual({});
  });

  it('two THPs: one pin per page until v6.11, one pin per folio from v6.12 (a8edbb424b13)', () => {
    const two = `pinbench_page: pfn=0x40000 nr=1024 kind=thp order=9 refcount=1 mapcount=1 flags=lru,exclusive,dirty
pinbench_vma: start=0x200000 end=0x600000 flags=${VMF.privateRw}|VM_HUGEPAGE backing=anon
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd write=1 dirty=1
pinbench_pte: addr=0x400000 pfn=0x40200 level=pmd write=1 dirty=1
io_uring_register_buffers: addr=0x200000 len=0x400000`;
    expect(call('v6.11', two).pages.length).toBe(1024);
    const o = call('v6.12', two);
    expect(o.pages).toEqual(['0x40000', '0x40200']);
    expect(o.pins).toEqual({ '0x40000': 1, '0x40200': 1 });
  });

  it('a buffer over anon + hugetlb VMAs: -EINVAL on v6.3 only (edd478269640, reverted in v6.4)', () => {
    const mixed = `pinbench_page: pfn=0x5000 kind=anon flags=lru,exclusive
pinbench_vma: start=0x1ff000 end=0x200000 flags=${VMF.privateRw} backing=anon
pinbench_pte: addr=0x1ff000 pfn=0x5000 write=1
pinbench_page: pfn=0x40000 nr=512 kind=hugetlb order=9 flags=exclusive
pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGETLB backing=hugetlb fs=hugetlbfs
pinbench_pte: addr=0x200000 pfn=0x40000 level=pmd write=1
io_uring_register_buffers: addr=0x1ff000 len=0x2000`;
    expect(call('v6.2', mixed).ret).toBe(0);
    expect(call('v6.3', mixed).ret).toBe(-22);
    expect(call('v6.4', mixed).ret).toBe(0);
  });
});

describe('io_uring and vfio charge different counters (two memlock limits)', () => {
  // 7.2.13 / 6.1.192 io_uring/rsrc.c:__io_account_mem(): `page_limit = rlimit(RLIMIT_MEMLOCK) >>
  // PAGE_SHIFT; cur_pages = atomic_long_read(&user->locked_vm); ... if (new_pages > page_limit)
  // return -ENOMEM;` and io_account_mem(): `atomic64_add(nr_pages, &mm_account->pinned_vm);`.
  // vfio type1 charges mm->locked_vm (account_locked_vm). With RLIMIT_MEMLOCK = 4 pages, a vfio
  // map of 4 pages and an io_uring registration of 4 pages both fit.
  const BOTH = `pinbench_config: memlock_pages=4 lock_cap=0
pinbench_page: pfn=0x5000 nr=4 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
pinbench_page: pfn=0x6000 nr=4 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
${vma(VMF.privateRw, PAGES)}
${ptes(0x5000, PAGES, 'write=1 dirty=1')}
${vma(VMF.privateRw, PAGES, 'backing=anon', A + 0x100000)}
${ptes(0x6000, PAGES, 'write=1 dirty=1', A + 0x100000)}
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A + 0x100000} size=${LEN} flags=READ|WRITE
${REGISTER}`;

  it('each fits its own limit: vfio 4 pages in mm->locked_vm, io_uring 4 in user->locked_vm', () => {
    for (const id of ['v6.1', 'v6.12', 'v7.2']) {
      const r = run(id, BOTH);
      expect(r.outcomes[0]!.ret, id).toBe(0);
      expect(r.outcomes[0]!.lockedVm, id).toBe(4);
      expect(r.outcomes[1]!.ret, id).toBe(0);
      expect(r.outcomes[1]!.lockedVm, id).toBe(4);
      expect(r.outcomes[1]!.pinnedVm, id).toBe(4);
    }
  });

  it('a second io_uring charge over the user limit fails even though no mm->locked_vm is used', () => {
    const s = `pinbench_config: memlock_pages=3 lock_cap=0
pinbench_page: pfn=0x5000 nr=4 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
${vma(VMF.privateRw, PAGES)}
${ptes(0x5000, PAGES, 'write=1 dirty=1')}
${REGISTER}`;
    const o = call('v6.12', s);
    expect(o.ret).toBe(-12);
    expect(o.why.at(-1)).toBe('io_uring: user locked_vm 0 + 4 > RLIMIT_MEMLOCK (3) -> -ENOMEM');
  });

  it('with CAP_IPC_LOCK ctx->user is NULL: no locked_vm charge, pinned_vm still charged', () => {
    const s = `pinbench_config: memlock_pages=1 lock_cap=1
pinbench_page: pfn=0x5000 nr=4 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
${vma(VMF.privateRw, PAGES)}
${ptes(0x5000, PAGES, 'write=1 dirty=1')}
${REGISTER}
io_uring_unregister_buffers:`;
    const r = run('v6.12', s);
    expect(r.outcomes[0]!.ret).toBe(0);
    expect(r.outcomes[0]!.lockedVm).toBe(0);
    expect(r.outcomes[0]!.pinnedVm).toBe(4);
    expect(r.outcomes[1]!.pinnedVm).toBe(-4);
    expect(r.final.lockedVm).toBe(0);
  });
});

describe('io_uring: the Debian 6.1.192 stable id', () => {
  // 6.1.192 io_uring/rsrc.c:io_sqe_buffer_register(): `if (vmas[i]->vm_file != file) { ret =
  // -EINVAL; break; }` (edd478269640 in 6.1.y); mainline v6.1 has only the file-backed test.
  const mixed = `pinbench_page: pfn=0x5000 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
pinbench_page: pfn=0x6000 kind=shmem refcount=2 mapcount=1 flags=lru,dirty,swapbacked
${vma(VMF.privateRw, 1)}
${ptes(0x5000, 1, 'write=1 dirty=1')}
${vma(VMF.sharedRw, 1, 'backing=shmem', A + 0x1000)}
${ptes(0x6000, 1, 'write=1 dirty=1', A + 0x1000)}
io_uring_register_buffers: addr=${A} len=0x2000`;
  it('anon + shmem in one buffer: v6.1 registers it, v6.1.192 refuses with -EINVAL', () => {
    expect(call('v6.1', mixed).ret).toBe(0);
    const o = call('v6.1.192', mixed);
    expect(o.ret).toBe(-22);
    expect(o.refs).toEqual({});
  });
});

describe('io_uring: the Debian 5.10.262 stable id (io_uring backported from 5.15)', () => {
  // 5.10.262 io_uring/io_uring.c:io_sqe_buffer_register():8945-8961: pin_user_pages(FOLL_WRITE |
  // FOLL_LONGTERM), then per page `if (vmas[i]->vm_file != file) { ret = -EINVAL; break; }`,
  // `if (!file) continue;`, `if (!vma_is_shmem(vmas[i]) && !is_file_hugepages(file)) { ret =
  // -EOPNOTSUPP; break; }`. Mainline v5.10 (fs/io_uring.c) refuses every file-backed VMA. The
  // 5.10 recordings: io_uring.memfd and io_uring.shm register (0), ext4 -95.
  const observed: Record<string, { 'v5.10': number; 'v5.10.262': number }> = {
    memfd_shared: { 'v5.10': -95, 'v5.10.262': 0 },
    shm_file: { 'v5.10': -95, 'v5.10.262': 0 },
    file_shared: { 'v5.10': -95, 'v5.10.262': -95 },
    file_private: { 'v5.10': -95, 'v5.10.262': -95 },
    anon_written: { 'v5.10': 0, 'v5.10.262': 0 },
    hugetlb: { 'v5.10': 0, 'v5.10.262': 0 },
  };
  for (const [name, want] of Object.entries(observed)) {
    it(`${name}: v5.10 ${want['v5.10']}, v5.10.262 ${want['v5.10.262']}`, () => {
      expect(call('v5.10', CASES[name]!).ret).toBe(want['v5.10']);
      expect(call('v5.10.262', CASES[name]!).ret).toBe(want['v5.10.262']);
    });
  }

  it('memfd on v5.10.262: registered, then unregistered with every pin dropped', () => {
    const r = run('v5.10.262', `${CASES.memfd_shared!}\nio_uring_unregister_buffers:`);
    expect(r.outcomes.map((o) => o.ret)).toEqual([0, 0]);
    expect(r.final.leaks).toEqual({});
  });

  it('anon + shmem in one buffer: v5.10 refuses the shmem VMA (-95), v5.10.262 the mix (-22)', () => {
    const mixed = `pinbench_page: pfn=0x5000 kind=anon refcount=1 mapcount=1 flags=lru,exclusive,dirty
pinbench_page: pfn=0x6000 kind=shmem refcount=2 mapcount=1 flags=lru,dirty,swapbacked
${vma(VMF.privateRw, 1)}
${ptes(0x5000, 1, 'write=1 dirty=1')}
${vma(VMF.sharedRw, 1, 'backing=shmem', A + 0x1000)}
${ptes(0x6000, 1, 'write=1 dirty=1', A + 0x1000)}
io_uring_register_buffers: addr=${A} len=0x2000`;
    expect(call('v5.10', mixed).ret).toBe(-95);
    expect(call('v5.10.262', mixed).ret).toBe(-22);
  });
});
