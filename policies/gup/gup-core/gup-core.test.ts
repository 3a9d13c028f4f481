/**
 * The common GUP machinery: faults (zero page on read, COW/new pages on write, page cache for file
 * VMAs, hugetlb), the per-page loop and its partial returns, releases by `of=<seq>` and `pfn=`,
 * and the registry: every release composes, every commit has its aliases.
 */
import { describe, expect, it } from 'vitest';
import { allPolicies, getPolicy, MAINLINE_IDS, RELEASE_IDS, releases } from '../../index.ts';
import { releaseKey } from '../../releases.ts';
import { A, call, run, VMF, vma } from '../gup-test-kit.ts';

describe('gup-core: faults', () => {
  it('a read fault on private anon memory maps the zero page (special, no reference)', () => {
    const r = run('v6.1', `${vma(VMF.privateRw)}\nget_user_pages: start=${A} nr_pages=1 gup_flags=0`);
    const o = r.outcomes[0]!;
    expect(o.pages).toEqual(['zero']);
    expect(o.refs).toEqual({ zero: 1 });
    expect(r.state.entryAt(1, A)).toMatchObject({ pfn: 0x1000, special: true, write: false });
  });

  it('mm_forbids_zeropage: the read fault allocates a new page instead', () => {
    const o = call(
      'v6.1',
      `pinbench_config: forbids_zeropage=1\n${vma(VMF.privateRw)}\nget_user_pages: start=${A} nr_pages=1 gup_flags=0`,
    );
    expect(o.pages).toEqual(['new1']);
  });

  it('a write fault on the zero page copies it (COW) into a new writable anon page', () => {
    const r = run(
      'v6.1',
      `${vma(VMF.privateRw)}\npinbench_pte: addr=${A} pfn=zero special=1\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`,
    );
    expect(r.outcomes[0]!.pages).toEqual(['new1']);
    expect(r.outcomes[0]!.refs).toEqual({ new1: 2 });
    expect(r.state.entryAt(1, A)).toMatchObject({ write: true, special: false });
  });

  it('file VMAs fault in page-cache pages; a write in a private one makes an anon copy', () => {
    const file = vma(VMF.sharedRw, 1, 'backing=file fs=ext4');
    const shared = run('v6.1', `${file}\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`);
    expect(shared.state.folio('new1')!.kind).toBe('file');
    expect(shared.final.leaks).toEqual({ new1: 1 });
    const priv = run(
      'v6.1',
      `${vma(VMF.privateRw, 1, 'backing=file fs=ext4')}\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE`,
    );
    expect(priv.state.folio('new1')!.kind).toBe('anon');
  });

  it('a hugetlb VMA faults in one PMD-sized folio', () => {
    const r = run(
      'v6.1',
      `pinbench_vma: start=0x200000 end=0x400000 flags=${VMF.privateRw}|VM_HUGETLB backing=hugetlb\nget_user_pages: start=0x201000 nr_pages=2 gup_flags=FOLL_WRITE`,
    );
    expect(r.outcomes[0]!.ret).toBe(2);
    expect(r.state.folio('new1')).toMatchObject({ kind: 'hugetlb', order: 9 });
    expect(r.outcomes[0]!.refs).toEqual({ new1: 3 });
  });
});

describe('gup-core: the per-page loop', () => {
  it('no VMA at the start -> -EFAULT; a hole after some pages -> the partial count', () => {
    expect(call('v6.1', `get_user_pages: start=${A} nr_pages=1 gup_flags=0`).ret).toBe(-14);
    const o = call(
      'v6.1',
      `${vma(VMF.privateRw)}\nget_user_pages: start=${A} nr_pages=3 gup_flags=FOLL_WRITE`,
    );
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual(['new1']);
  });

  it('a second VMA is checked when the walk reaches it (VM_IO after one good page)', () => {
    const s = `${vma(VMF.privateRw)}
pinbench_vma: start=${A + 0x1000} end=${A + 0x2000} flags=${VMF.sharedRw}|VM_IO backing=file
get_user_pages: start=${A} nr_pages=2 gup_flags=FOLL_WRITE`;
    expect(call('v6.1', s).ret).toBe(1);
  });

  it('pages=0 faults the range in and grabs nothing', () => {
    const o = call(
      'v6.1',
      `${vma(VMF.privateRw)}\nget_user_pages: start=${A} nr_pages=1 gup_flags=FOLL_WRITE pages=0`,
    );
    expect(o.ret).toBe(1);
    expect(o.pages).toEqual([]);
    expect(o.refs).toEqual({ new1: 1 });
  });
});

describe('gup-core: releases', () => {
  const PIN = `pinbench_page: pfn=0x5000 nr=2 kind=anon flags=lru,exclusive
${vma(VMF.privateRw, 2)}
pinbench_pte: addr=${A} pfn=0x5000 write=1
pinbench_pte: addr=${A + 0x1000} pfn=0x5001 write=1
pin_user_pages: start=${A} nr_pages=2 gup_flags=FOLL_WRITE|FOLL_LONGTERM`;

  it('unpin_user_pages of=<seq> drops the pins of that call', () => {
    const r = run('v6.1', `${PIN}\nunpin_user_pages: of=0`);
    expect(r.outcomes[1]!.refs).toEqual({ '0x5000': -1024, '0x5001': -1024 });
    expect(r.final.leaks).toEqual({});
    expect(r.final.pinsReleased).toBe(2);
  });

  it('unpin_user_pages_dirty_lock marks the page dirty; unpin_user_page pfn= drops one page', () => {
    const r = run('v6.1', `${PIN}\nunpin_user_pages_dirty_lock: of=0 make_dirty=1`);
    expect(r.state.folio('0x5000')!.flags).toContain('dirty');
    const one = run('v6.1', `${PIN}\nunpin_user_page: pfn=0x5001`);
    expect(one.final.leaks).toEqual({ '0x5000': 1024 });
  });

  it('get_user_pages then put_page of=<seq>', () => {
    const r = run('v5.4', `${PIN.replace('pin_user_pages', 'get_user_pages')}\nput_page: of=0`);
    expect(r.outcomes[0]!.refs).toEqual({ '0x5000': 1, '0x5001': 1 });
    expect(r.final.leaks).toEqual({});
  });

  it('long-term pins left on ZONE_MOVABLE/CMA pages are counted until released', () => {
    const s = PIN.replace('flags=lru,exclusive', 'mt=CMA flags=lru,exclusive');
    expect(
      run('v5.4', s.replace('pin_user_pages', 'get_user_pages_remote').replace('|FOLL_LONGTERM', '')).final
        .longtermUnpinnable,
    ).toBe(0);
    const cheat = run('v5.6', s.replace('flags=lru,exclusive', 'flags=exclusive isolatable=0'));
    expect(cheat.final.longtermUnpinnable).toBe(2);
    expect(
      run(
        'v5.6',
        `${s.replace('flags=lru,exclusive', 'flags=exclusive isolatable=0')}\nunpin_user_pages: of=0`,
      ).final.longtermUnpinnable,
    ).toBe(0);
  });
});

describe('gup-core: the registry composes every release', () => {
  it('every id in RELEASE_IDS', () => {
    expect(releases().map((p) => p.id)).toEqual([...RELEASE_IDS]);
    expect(RELEASE_IDS).toContain('v5.10');
    expect(RELEASE_IDS).toContain('v7.1');
  });

  it('every mainline id v5.4 .. v7.2 resolves to the composition in force at it', () => {
    const fam = (id: string) => JSON.stringify(Object.values(getPolicy(id).versions).map((v) => v.id));
    const all = new Set(allPolicies().map((p) => p.id));
    const mainline = [
      ...Array.from({ length: 16 }, (_, i) => `v5.${i + 4}`),
      ...Array.from({ length: 20 }, (_, i) => `v6.${i}`),
      'v7.0',
      'v7.1',
      'v7.2',
    ];
    for (const id of mainline) {
      expect(getPolicy(id).kind, id).toBe('release');
      expect(all.has(id), id).toBe(true);
    }
    expect(MAINLINE_IDS.filter((id) => !id.includes('-rc'))).toEqual(mainline);
    // No modelled family changes between these pairs.
    expect(fam('v6.13')).toBe(fam('v6.12'));
    expect(getPolicy('v6.14').versions['vma-checks'].id).toBe('hugetlb-foll-force');
    expect(fam('v6.16')).toBe(fam('v6.15'));
    expect(fam('v7.0')).toBe(fam('v6.19'));
    expect(fam('v7.2')).toBe(fam('v7.1'));
    // c0c6ccd9828c is in 7.2.13's mm/memory.c; taken to enter in v7.1.
    expect(getPolicy('v7.1').versions['normal-page'].id).toBe('c0c6ccd9828c');
    expect(getPolicy('v7.0').versions['normal-page'].id).toBe('af38538801c6');
    // pre-X is the mainline release just before X's first release.
    expect(fam('pre-c0c6ccd9828c')).toBe(fam('v7.0'));
    expect(fam('pre-447f3e45c18a')).toBe(fam('v5.9'));
  });

  it('a stable id sorts after its release and before the next -rc1', () => {
    expect(releaseKey('v6.1.192')).toBeGreaterThan(releaseKey('v6.1'));
    expect(releaseKey('v6.1.192')).toBeLessThan(releaseKey('v6.2-rc1'));
    expect(releaseKey('6.1.0-56-amd64')).toBe(releaseKey('v6.1'));
  });

  it('aliases exist for the GUP-side commits', () => {
    const ids = new Set(allPolicies().map((p) => p.id));
    for (const c of [
      'fcab34b433e2',
      'f25cbb7a95a2',
      '873aefb376bb',
      'c4237f8b1f4f',
      'c8070b787519',
      '84209e87c696',
    ]) {
      expect(ids.has(`pre-${c}`), c).toBe(true);
      expect(ids.has(`post-${c}`), c).toBe(true);
    }
  });

  it('the seed aliases equal releases (policies.md)', () => {
    const fam = (id: string) => JSON.stringify(Object.values(getPolicy(id).versions).map((v) => v.id));
    expect(fam('pre-f25cbb7a95a2')).toBe(fam('v5.19'));
    // v6.0-rc1 also carries 5535be309971 (vma-checks), which f25cbb7a95a2 does not name.
    const noVma = (id: string) =>
      JSON.stringify(
        Object.values(getPolicy(id).versions)
          .filter((v) => v.family !== 'vma-checks')
          .map((v) => v.id),
      );
    expect(noVma('post-f25cbb7a95a2')).toBe(noVma('v6.0-rc1'));
    expect(getPolicy('post-f25cbb7a95a2').versions['vma-checks'].id).toBe('secretmem');
    expect(fam('pre-fcab34b433e2')).toBe(fam('v6.0-rc1'));
    expect(fam('pre-873aefb376bb')).toBe(fam('v6.0-rc3'));
    expect(fam('post-873aefb376bb')).toBe(fam('v6.0-rc5'));
    expect(fam('pre-c4237f8b1f4f')).toBe(fam('v5.4'));
    expect(fam('pre-c8070b787519')).toBe(fam('v6.4'));
  });
});
