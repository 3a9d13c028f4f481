/**
 * vfio type1 per version (facts/pinning.md §2; scenarios 1, 3, 6): the zero-page leak per
 * map/unmap cycle (+1 before v5.7, +1024 from v5.7, 0 from v6.0-rc5), the overflow it leads to,
 * memlock accounting, local vs remote maps in v5.4, the PFNMAP fallback.
 */
import { describe, expect, it } from 'vitest';
import { A, call, run, VMF, vma, ZERO_REFCOUNT_ONE_PIN_LEFT, zeroPtes } from '../gup-test-kit.ts';

/** A map and unmap of pfnmap entries vfio uses unpinned: both 0, no page held, nothing charged. */
function expectUnpinnedMap(id: string, script: string): void {
  const r = run(id, script);
  expect(
    r.outcomes.map((o) => o.ret),
    id,
  ).toEqual([0, 0]);
  expect(r.outcomes[0]!.pages, id).toEqual([]);
  expect(r.outcomes[0]!.lockedVm, id).toBe(0);
}

/** QEMU maps never-written guest RAM R/O, twice (scenario 3), from spec/examples/vfio-zero-ro.trace. */
const CYCLES = `pinbench_page: pfn=zero zone=DMA32 mt=Unmovable kind=zero refcount=1 flags=reserved
${vma(VMF.privateRw)}
${zeroPtes()}
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A} size=0x1000 flags=READ
vfio_unmap_dma: container=1 iova=0x0 size=0x1000
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A} size=0x1000 flags=READ
vfio_unmap_dma: container=1 iova=0x0 size=0x1000`;

describe('vfio-type1: the zero-page leak per map/unmap cycle (scenario 3)', () => {
  const perCycle: Record<string, number> = {
    'v5.4': 1,
    'v5.6': 1,
    'v5.13': 1024,
    'v5.18': 1024,
    'v5.19-rc4': 1024,
    'v5.19': 1024,
    'v6.0-rc3': 1024,
    'v6.0-rc5': 0,
    'v6.0': 0,
    'v6.1': 0,
  };
  for (const [id, leak] of Object.entries(perCycle)) {
    it(`${id}: ${leak} per cycle`, () => {
      const r = run(id, CYCLES);
      expect(r.outcomes.map((o) => o.ret)).toEqual([0, 0, 0, 0]);
      expect(r.final.leaks).toEqual(leak === 0 ? {} : { zero: 2 * leak });
      expect(r.final.lockedVm).toBe(0);
      expect(r.outcomes[0]!.lockedVm).toBe(0);
      expect(r.outcomes[0]!.pages).toEqual(leak === 0 ? [] : ['zero']);
    });
  }

  it('the two windows spin instead (scenario 1)', () => {
    for (const id of ['v5.19-rc1', 'v6.0-rc1']) expect(call(id, CYCLES, 0).ret, id).toBe('livelock');
  });

  it('from v6.2 the R/O pin unshares: a new page is pinned and charged, released at unmap', () => {
    for (const id of ['v6.2', 'v6.5', 'v6.9', 'v6.19']) {
      const r = run(id, CYCLES);
      expect(r.outcomes[0]!.pages, id).toEqual(['new1']);
      expect(r.outcomes[0]!.lockedVm, id).toBe(1);
      expect(r.outcomes[1]!.lockedVm, id).toBe(-1);
      expect(r.final.leaks, id).toEqual({});
      expect(r.final.pinsAcquired, id).toBe(r.final.pinsReleased);
    }
  });

  it('v6.0-rc5 says why: unpin right away (873aefb376bb)', () => {
    expect(call('v6.0-rc5', CYCLES, 0).why).toContain(
      'vfio: zero pfn -> unpin_user_page() right away (873aefb376bb)',
    );
  });

  it('pins acquired vs released: unbalanced while the zero page leaks', () => {
    expect(run('v5.13', CYCLES).final).toMatchObject({ pinsAcquired: 2, pinsReleased: 0 });
    expect(run('v6.0-rc5', CYCLES).final).toMatchObject({ pinsAcquired: 2, pinsReleased: 2 });
  });

  it('started near the limit, the leak overflows: the next map WARNs with -ENOMEM (v5.13)', () => {
    const s = CYCLES.replace(
      'refcount=1 flags=reserved',
      `refcount=${ZERO_REFCOUNT_ONE_PIN_LEFT} flags=reserved`,
    );
    const r = run('v5.13', s);
    expect(r.outcomes.map((o) => o.ret)).toEqual([0, 0, -12, 0]);
    expect(r.outcomes[2]!.warn).toEqual(['WARN try_grab_page refcount overflow']);
    expect(run('v6.0-rc5', s).outcomes.map((o) => o.ret)).toEqual([0, 0, 0, 0]);
  });

  it('with c8070b787519 but without the unpin loop (v6.9+) there is still no leak in a non-COW mapping', () => {
    const s = CYCLES.replace(VMF.privateRw, VMF.privateNeverWritable);
    const r = run('v6.9', s);
    expect(r.outcomes[0]!.pages).toEqual(['zero']);
    expect(r.final.leaks).toEqual({});
    expect(run('v6.0-rc3', s).final.leaks).toEqual({ zero: 2048 });
  });
});

describe('vfio-type1: memlock accounting', () => {
  const twoPages = (cfg: string) => `pinbench_config: ${cfg}
pinbench_page: pfn=0x5000 nr=2 kind=anon flags=lru,exclusive
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${A + 0x1000} pfn=0x5001 write=1
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A} size=0x2000 flags=READ|WRITE`;

  it('over RLIMIT_MEMLOCK: -ENOMEM, everything this map pinned is released', () => {
    const r = run('v6.1', twoPages('memlock_pages=1'));
    expect(r.outcomes[0]!.ret).toBe(-12);
    expect(r.outcomes[0]!.refs).toEqual({});
    expect(r.outcomes[0]!.lockedVm).toBe(0);
    expect(r.final.leaks).toEqual({});
  });

  it('CAP_IPC_LOCK ignores the limit but still charges locked_vm', () => {
    const o = call('v6.1', twoPages('memlock_pages=1 lock_cap=1'));
    expect(o.ret).toBe(0);
    expect(o.lockedVm).toBe(2);
  });

  it('an overlapping map -> -EEXIST', () => {
    const s = `${twoPages('memlock_pages=16')}\nvfio_map_dma: container=1 mm=1 iova=0x1000 vaddr=${A} size=0x1000 flags=READ`;
    expect(call('v6.1', s).ret).toBe(-17);
  });
});

describe('vfio-type1: local and remote maps (scenario 6)', () => {
  const remoteCma = `pinbench_page: pfn=0x5000 kind=anon mt=CMA flags=lru,exclusive
pinbench_vma: mm=2 start=${A} end=${A + 0x1000} flags=${VMF.privateRw} backing=anon
pinbench_pte: mm=2 addr=${A} pfn=0x5000 write=1
vfio_map_dma: container=1 mm=2 iova=0x0 vaddr=${A} size=0x1000 flags=READ|WRITE`;

  it('v5.4 remote maps pass no FOLL_LONGTERM: the CMA page stays pinned in CMA', () => {
    const r = run('v5.4', remoteCma);
    expect(r.outcomes[0]!.pages).toEqual(['0x5000']);
    expect(r.outcomes[0]!.why[0]).toBe('vfio: get_user_pages_remote(0x7f0000000000, 1, FOLL_WRITE)');
    expect(r.final.longtermUnpinnable).toBe(1);
    expect(run('v5.6', remoteCma).final.longtermUnpinnable).toBe(0);
  });

  it('v5.6 (3567813eae5e) passes FOLL_LONGTERM: the CMA page is migrated first', () => {
    expect(call('v5.6', remoteCma).pages).toEqual(['new1']);
  });

  it('v5.4 local maps use get_user_pages(FOLL_LONGTERM): migrated', () => {
    expect(call('v5.4', remoteCma.replaceAll('mm=2', 'mm=1')).pages).toEqual(['new1']);
  });

  it('fs-dax under vfio: -EOPNOTSUPP on v5.4 (vfio check) and v5.6 (GUP check)', () => {
    const dax = `pinbench_page: pfn=0x5000 kind=fsdax
pinbench_vma: mm=2 start=${A} end=${A + 0x1000} flags=${VMF.sharedRw} backing=fsdax fs=xfs
pinbench_pte: mm=2 addr=${A} pfn=0x5000 write=1
vfio_map_dma: container=1 mm=2 iova=0x0 vaddr=${A} size=0x1000 flags=READ|WRITE`;
    const v54 = run('v5.4', dax);
    expect(v54.outcomes[0]!.ret).toBe(-95);
    expect(v54.outcomes[0]!.why).toContain('vfio: remote pin of an fs-dax VMA -> put_page, -EOPNOTSUPP');
    expect(v54.final.leaks).toEqual({});
    const v56 = run('v5.6', dax);
    expect(v56.outcomes[0]!.ret).toBe(-95);
    expect(v56.outcomes[0]!.why).toContain(
      'check_dax_vmas: FOLL_LONGTERM on an fs-dax VMA -> put all pages, -EOPNOTSUPP',
    );
  });

  it('a VM_PFNMAP range: GUP -EFAULT, follow_pfn gives an mmio pfn used unpinned, not charged', () => {
    const s = `pinbench_page: pfn=0x2000000 kind=mmio
pinbench_vma: start=${A} end=${A + 0x1000} flags=${VMF.sharedRw}|VM_PFNMAP|VM_IO backing=pfnmap
pinbench_pte: addr=${A} pfn=0x2000000 special=1 write=1
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A} size=0x1000 flags=READ|WRITE
vfio_unmap_dma: container=1 iova=0x0 size=0x1000`;
    for (const id of ['v5.4', 'v6.19']) {
      expectUnpinnedMap(id, s);
    }
  });
});

describe('vfio-type1: follow_fault_pfn() checks the PTE from 07956b6269d3 (v5.12)', () => {
  // /dev/mem mapped MAP_PRIVATE: remap_pfn_range() writes read-only special PTEs of reserved
  // pages (the workload's devmem_private case). follow_fault_pfn() 5.10.262 :490 and 6.1.192 :544
  // `if (write_fault && !pte_write(*ptep)) ret = -EFAULT;`, 6.12.118 :538 and 7.2.13 :566 test
  // args.writable; mainline v5.10 predates it and uses follow_pfn()'s pfn whatever the PTE.
  const cow = (
    flags: string,
  ) => `pinbench_page: pfn=0xa0 nr=2 zone=DMA kind=reserved refcount=1 flags=reserved
pinbench_vma: start=${A} end=${A + 0x2000} flags=${VMF.privateRw}|VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP pgoff=0xa0 backing=pfnmap remapped=1
pinbench_pte: addr=${A} pfn=0xa0 special=1 write=0
pinbench_pte: addr=${A + 0x1000} pfn=0xa1 special=1 write=0
vfio_map_dma: container=1 mm=1 iova=0x0 vaddr=${A} size=0x2000 flags=${flags}
vfio_unmap_dma: container=1 iova=0x0 size=0x2000`;

  it('a READ|WRITE map of read-only pfnmap entries: 0 before v5.12, -EFAULT from it (and in 5.10.262)', () => {
    for (const id of ['v5.4', 'v5.6', 'v5.10']) expect(call(id, cow('READ|WRITE'), 0).ret, id).toBe(0);
    for (const id of ['v5.10.262', 'v5.12', 'v5.13', 'v6.1', 'v6.9', 'v6.12', 'v7.2']) {
      const o = call(id, cow('READ|WRITE'), 0);
      expect(o.ret, id).toBe(-14);
      expect(o.why.join('\n'), id).toContain('a WRITE map of a read-only entry -> -EFAULT (07956b6269d3)');
    }
  });

  it('a READ map of the same entries uses the reserved pfns unpinned in every release', () => {
    for (const id of ['v5.4', 'v5.10', 'v5.12', 'v6.12', 'v7.2']) {
      expectUnpinnedMap(id, cow('READ'));
    }
  });
});

describe('vfio-type1: the Debian 5.10.262 stable id', () => {
  // 5.10.262 drivers/vfio/vfio_iommu_type1.c:vaddr_get_pfns(): after pin_user_pages_remote(),
  // `if (unlikely(is_zero_pfn(page_to_pfn(pages[i])))) unpin_user_page(pages[i]);`
  it('v5.10 leaks one FOLL_PIN per map cycle on the zero page, v5.10.262 none', () => {
    expect(run('v5.10', CYCLES).final.leaks).toEqual({ zero: 2048 });
    expect(run('v5.10.262', CYCLES).final.leaks).toEqual({});
  });
});
