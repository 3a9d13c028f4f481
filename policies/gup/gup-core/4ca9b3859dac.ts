/**
 * gup-core 4ca9b3859dac: "mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page
 * tables" (first release v5.14). Builds on gup-core v5.4; adds the `madvise` entry point's
 * populate path.
 *
 * Kernel functions modelled (read in 6.1.192 mm/madvise.c madvise_populate() and mm/gup.c
 * faultin_vma_page_range(), and in 6.12.118 / 7.2.13 madvise_populate() and faultin_page_range()):
 * - madvise_populate(): per VMA of the range (none -> -ENOMEM), fault the pages in, and map the
 *   GUP error to the syscall's: -EINTR, -EINVAL, -EHWPOISON, -EFAULT as they are, anything else
 *   -ENOMEM; 0 when the whole range is populated;
 * - faultin_vma_page_range() / faultin_page_range(): gup_flags FOLL_TOUCH|FOLL_HWPOISON
 *   (|FOLL_WRITE for MADV_POPULATE_WRITE), check_vma_flags() first with -EINVAL for any
 *   permission problem (6.1: "if (check_vma_flags(vma, gup_flags)) return -EINVAL;"; from v6.9
 *   the same check sits in __get_user_pages() under FOLL_MADV_POPULATE, with the same -EINVAL),
 *   then __get_user_pages() without a pages array: faults, no reference taken.
 *
 * Simplifications: FOLL_UNLOCKABLE / dropping the mmap lock and the lru_add_drain() after the
 * walk are not modelled (no observable difference for pinbench: no pages are grabbed).
 */
import { err } from '../../../src/model/errno.ts';
import type { MadviseArgs } from '../../../src/model/events.ts';
import { FollFlags } from '../../../src/model/foll-flags.ts';
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { CallResult } from '../../../src/model/outcome.ts';
import { PAGE_SIZE, type State } from '../../../src/model/state.ts';
import { gupCoreV5_4 } from './v5-4.ts';

/** The GUP errors madvise_populate() passes through; any other becomes -ENOMEM. */
const PASSED = ['EINTR', 'EINVAL', 'EHWPOISON', 'EFAULT'] as const;

// faultin_vma_page_range()'s gup_flags (FOLL_WRITE added for MADV_POPULATE_WRITE).
const POPULATE_READ_FLAGS = FollFlags.of('FOLL_TOUCH', 'FOLL_HWPOISON');
const POPULATE_WRITE_FLAGS = POPULATE_READ_FLAGS.with('FOLL_WRITE');

function madvise(k: Kernel, st: State, a: MadviseArgs): CallResult {
  const write = a.advice === 'MADV_POPULATE_WRITE';
  const end = a.start + a.len;
  let start = a.start;
  while (start < end) {
    const vma = st.findVma(a.mm, start);
    if (!vma) {
      st.why(`${a.advice}: no VMA at 0x${start.toString(16)} -> -ENOMEM`);
      return { ret: err('ENOMEM') };
    }
    const flags = write ? POPULATE_WRITE_FLAGS : POPULATE_READ_FLAGS;
    if (k.checkVmaFlags(k, st, vma, flags) < 0) {
      st.why(`${a.advice}: check_vma_flags() refuses the VMA -> -EINVAL`);
      return { ret: err('EINVAL') };
    }
    const tmpEnd = Math.min(end, vma.end);
    const res = k.getUserPages(k, st, {
      // No exported API: madvise calls __get_user_pages() itself; the name is the nearest one.
      api: 'get_user_pages',
      mm: a.mm,
      start,
      nrPages: Math.ceil((tmpEnd - start) / PAGE_SIZE),
      flags,
      locked: 1,
      pages: false,
    });
    const pages = typeof res.ret === 'number' ? res.ret : err('ENOMEM');
    if (pages < 0) {
      const passed = PASSED.some((e) => err(e) === pages);
      st.why(`${a.advice}: __get_user_pages() returned ${pages}${passed ? '' : ' -> -ENOMEM'}`);
      return { ret: passed ? pages : err('ENOMEM') };
    }
    if (pages === 0) {
      st.why(`${a.advice}: __get_user_pages() made no progress -> -ENOMEM (model bound)`);
      return { ret: err('ENOMEM') };
    }
    start += pages * PAGE_SIZE;
  }
  return { ret: 0 };
}

export const gupCore4ca9b3859dac: FamilyVersion = {
  family: 'gup-core',
  module: import.meta.url,
  id: '4ca9b3859dac',
  subject: 'mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page tables',
  release: 'v5.14',
  summary:
    'madvise(MADV_POPULATE_READ/WRITE): check_vma_flags() (-EINVAL), then __get_user_pages() without pages; GUP errors mapped to the syscall.',
  ops: { ...gupCoreV5_4.ops, madvise },
};
