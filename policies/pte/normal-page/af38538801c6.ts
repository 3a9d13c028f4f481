/**
 * normal-page @ af38538801c6 "mm/memory: factor out common code from vm_normal_page_*()" with the
 * rest of the "mm: vm_normal_page*() improvements" series: 2db308160b5a "mm: introduce and use
 * vm_normal_page_pud()", 4c89792ea0a2 (find_special_page renamed find_normal_page, only with
 * CONFIG_FIND_NORMAL_PAGE), ec63a44011dc (print_bad_page_map). First release v6.18, verified: these
 * mainline ids are in the mm-stable push mirrored to sj/linux on 2025-09-14 (old e6b9dce0aeeb,
 * new 103e90626d3a; read in the code corpus), after v6.17-rc1 and before v6.17 (2025-09-28), so
 * the v6.18 merge window; c0c6ccd9828c (Fixes: af38538801c6) was backported to 6.18.y. V4 of
 * facts/insert-pfnmap.md §2.2, read at [C:af38538801c6].
 *
 * Kernel functions modelled: __vm_normal_page() (vmNormalPageCommon), vm_normal_page(),
 * vm_normal_page_pmd(), vm_normal_page_pud() (new: the vocabulary call is supported from here).
 *
 * Changed from 10d83d7781a8: one helper for every level, asked with the level's special bit;
 * "does the arch have a special bit" is CONFIG_ARCH_HAS_PTE_SPECIAL for every level (the
 * oversight the 2026 fix c0c6ccd9828c corrects, see levelHasSpecial). With it, special: hook,
 * PFNMAP/MIXEDMAP -> NULL, zero or huge zero -> NULL, else "Bad page map" + NULL; not special:
 * fall through to the pfn checks. Without it: MIXEDMAP !pfn_valid -> NULL (no longer a shortcut
 * to the page: the zero and highest_memmap checks follow), PFNMAP linearity and COW rules, zero
 * or huge zero -> NULL. Then pfn > highest_memmap_pfn -> "Bad page map" + NULL (now reported at
 * PMD level too), VM_WARN_ON_ONCE on zero/huge zero, page. pmd_devmap is gone.
 *
 * Simplification: the huge zero folio is the PMD entry of the zero pfn (see mm-primitives.ts).
 *
 * Release ids using it: v6.18 .. v7.0. Source read (2026-12): 7.2.13
 * mm/memory.c:__vm_normal_page():698 is this version with c0c6ccd9828c's per-level test, read
 * branch by branch: special-bit branch (702): special -> hook (CONFIG_FIND_NORMAL_PAGE only),
 * PFNMAP|MIXEDMAP -> NULL, zero or huge zero -> NULL, else print_bad_page_map + NULL; not
 * special -> on to the pfn test. No special bit: MIXEDMAP !pfn_valid -> NULL (and no shortcut:
 * the zero test follows), PFNMAP linear -> NULL, !COW -> NULL; zero or huge zero -> NULL. Then
 * > highest_memmap_pfn -> print_bad_page_map + NULL at every level; VM_WARN_ON_ONCE(zero or huge
 * zero); the page. vm_normal_page():767, vm_normal_page_pmd():809 and vm_normal_page_pud():850
 * pass their level's special bit. No pte_devmap/pmd_devmap test remains. Also read: 6.18.2 (a
 * GitHub copy of that tarball) mm/memory.c:__vm_normal_page():683, 6.19.9 and 7.0.0 (:696): the
 * same function (first release v6.18; 6.14.0 and 6.12.118 have the separate functions of
 * 10d83d7781a8; 6.15 .. 6.17 were not read, no source for them was found).
 */
import type { Level } from '../../../src/model/events.ts';
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { vmaHas as hasFlag, hex, pageIndex, pxxSpecial } from '../../mm-primitives.ts';
import { normalPage10d83d7781a8 } from './10d83d7781a8.ts';
import { lookupNormalPageWith } from './v5-4.ts';

const FN: Record<Level, string> = {
  pte: 'vm_normal_page',
  pmd: 'vm_normal_page_pmd',
  pud: 'vm_normal_page_pud',
};

export const normalPageAf38538801c6: FamilyVersion = {
  family: 'normal-page',
  module: import.meta.url,
  id: 'af38538801c6',
  commit: 'af38538801c6',
  subject: 'mm/memory: factor out common code from vm_normal_page_*()',
  release: 'v6.18',
  summary:
    'One __vm_normal_page() for PTE/PMD/PUD (vm_normal_page_pud() added); the special-bit branch is taken on ARCH_HAS_PTE_SPECIAL at every level.',
  ops: {
    ...normalPage10d83d7781a8.ops,
    vmNormalPage(k, st, vma, addr, entry, level) {
      return k.vmNormalPageCommon(k, st, vma, addr, entry.pfn, pxxSpecial(st, entry), level);
    },
    levelHasSpecial(_k, st) {
      return st.config.pte_special;
    },
    vmNormalPageCommon(k, st, vma, addr, pfn, special, level) {
      const fn = FN[level];
      const zero = st.isZeroPfn(pfn);
      const zeroName = level === 'pte' ? 'zero pfn' : 'huge zero pfn';
      if (k.levelHasSpecial(k, st, level)) {
        if (special) {
          if (vma.ops.includes('find_normal_page')) {
            st.why(`${fn}: special, vm_ops->find_normal_page -> its page`);
            return pfn;
          }
          if (hasFlag(vma, 'VM_PFNMAP') || hasFlag(vma, 'VM_MIXEDMAP')) {
            st.why(`${fn}: special in PFNMAP/MIXEDMAP -> NULL`);
            return null;
          }
          if (zero) {
            st.why(`${fn}: special ${zeroName} -> NULL`);
            return null;
          }
          st.why(`${fn}: special outside PFNMAP/MIXEDMAP, not zero -> Bad page map, NULL`);
          st.badPageMap(level);
          return null;
        }
        st.why(`${fn}: ${level} special bit in use and clear -> check pfn`);
      } else {
        if (hasFlag(vma, 'VM_MIXEDMAP')) {
          if (!st.pfnValid(pfn)) {
            st.why(`${fn}: no ${level} special bit, VM_MIXEDMAP, !pfn_valid -> NULL`);
            return null;
          }
        } else if (hasFlag(vma, 'VM_PFNMAP')) {
          if (pfn === vma.pgoff + pageIndex(vma, addr)) {
            st.why(`${fn}: no ${level} special bit, VM_PFNMAP, pfn == vm_pgoff+idx -> NULL`);
            return null;
          }
          if (!isCowMappingFlags(vma.flags)) {
            st.why(`${fn}: no ${level} special bit, VM_PFNMAP, pfn != vm_pgoff+idx, !COW -> NULL`);
            return null;
          }
          st.why(
            `${fn}: no ${level} special bit, VM_PFNMAP, pfn != vm_pgoff+idx, COW -> taken for a COWed anon page`,
          );
        }
        if (zero) {
          st.why(`${fn}: no ${level} special bit, ${zeroName} -> NULL`);
          return null;
        }
      }
      if (pfn > st.config.highest_memmap_pfn) {
        st.why(`${fn}: pfn ${hex(pfn)} > highest_memmap_pfn -> Bad page map, NULL`);
        st.badPageMap(level);
        return null;
      }
      if (zero) {
        st.why(`${fn}: about to return the ${zeroName} -> VM_WARN_ON_ONCE`);
        st.warn('vm_normal_page zero pfn');
      }
      st.why(`${fn}: -> normal page ${st.pageName(pfn)}`);
      return pfn;
    },
    lookupNormalPage(k, st, name, mm, addr) {
      return lookupNormalPageWith(k, st, name, mm, addr);
    },
  },
};
