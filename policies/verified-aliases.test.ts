/**
 * The pre-/post- aliases of the commit ids verified against mainline in the 2026-12 check (the
 * version headers name the source of each): f347454d0341 (vma-checks, v6.2-rc1), 15a64311e0ae
 * (zeropage-insert insert-page-mkwrite, v6.15), dbe54153296d (mm-core folio-pud, v6.15) and
 * 1507f51255c9 (vma-checks secretmem, v5.14: the id a later Fixes: tag names; 5.12.9 has no
 * mm/secretmem.c, 5.14-rc5 mm/gup.c:check_vma_flags() tests vma_is_secretmem()).
 */
import { describe, expect, it } from 'vitest';
import type { Family } from '../src/model/kernel.ts';
import { getPolicy } from './index.ts';

function versionId(policy: string, family: Family): string {
  return getPolicy(policy).versions[family].id;
}

describe('aliases of verified commit ids', () => {
  const cases: [commit: string, family: Family, before: string, after: string, release: string][] = [
    ['f347454d0341', 'vma-checks', 'secretmem', 'f347454d0341', 'v6.1'],
    ['15a64311e0ae', 'zeropage-insert', 'fce831c92092', 'insert-page-mkwrite', 'v6.14'],
    ['dbe54153296d', 'mm-core', 'bc02afbd4d73', 'folio-pud', 'v6.14'],
    ['1507f51255c9', 'vma-checks', '52650c8b466b', 'secretmem', 'v5.13'],
  ];
  for (const [commit, family, before, after, release] of cases) {
    it(`pre-${commit} is ${release}; post-${commit} adds ${family} ${after}`, () => {
      expect(versionId(`pre-${commit}`, family)).toBe(before);
      expect(versionId(release, family)).toBe(before);
      expect(versionId(`post-${commit}`, family)).toBe(after);
      const pre = getPolicy(`pre-${commit}`).versions;
      const post = getPolicy(`post-${commit}`).versions;
      const differ = Object.keys(pre).filter((f) => pre[f as Family].id !== post[f as Family].id);
      expect(differ).toEqual([family]);
    });
  }

  it('mainline v6.1 lacks the hugetlb FOLL_FORCE refusal, v6.2 has it', () => {
    expect(versionId('v6.1', 'vma-checks')).toBe('secretmem');
    expect(versionId('v6.2', 'vma-checks')).toBe('f347454d0341');
  });
});
