/**
 * Page-table helpers that are the same in every version pinbench models: architecture bits from
 * the trace config, page accounting of a mapping (refcount, mapcount, rss), VMA arithmetic.
 * Versioned decisions live in the family modules; these only do what the kernel's inline helpers
 * do.
 *
 * Model convention for entries: `Entry.special` means "installed as a special mapping that took
 * no reference, rmap or rss" (that is what the leak check needs). Whether the architecture has a
 * bit to record it is separate: `pxxSpecial()` is what pte_special() / pmd_special() /
 * pud_special() would read, false on an architecture without the bit at that level. The huge
 * zero folio is a PMD entry whose pfn is the zero pfn (`pinbench_pte level=pmd pfn=zero`).
 */
import { err } from '../../src/model/errno.ts';
import type { Level } from '../../src/model/events.ts';
import type { Entry, Folio, State, Vma } from '../../src/model/state.ts';
import { LEVEL_SIZE, PAGE_SIZE } from '../../src/model/state.ts';

/** -ENXIO: __vm_map_pages() with too few pages for the VMA. */
export const ENXIO = err('ENXIO');

/** Does the architecture have a software special bit at this level (CONFIG_ARCH_HAS_PTE_SPECIAL, ..._PMD_PFNMAP, ..._PUD_PFNMAP)? */
export function archHasSpecial(st: State, level: Level): boolean {
  const c = st.config;
  return level === 'pte' ? c.pte_special : level === 'pmd' ? c.pmd_pfnmap : c.pud_pfnmap;
}

/** pte_special() / pmd_special() / pud_special(): false where the architecture has no such bit. */
export function pxxSpecial(st: State, entry: Entry): boolean {
  return entry.special && archHasSpecial(st, entry.level);
}

/** is_huge_zero_pmd(): the huge zero folio is modelled as a PMD entry of the zero pfn. */
export function isHugeZero(st: State, pfn: number, level: Level): boolean {
  return level === 'pmd' && st.isZeroPfn(pfn);
}

/** linear_page_index() offset of addr in the VMA, in pages: (addr - vm_start) >> PAGE_SHIFT. */
export function pageIndex(vma: Vma, addr: number): number {
  return Math.floor((addr - vma.start) / PAGE_SIZE);
}

export function hasFlag(vma: Vma, flag: Vma['flags'][number]): boolean {
  return vma.flags.includes(flag);
}

export function setFlags(vma: Vma, ...flags: Vma['flags']): void {
  for (const f of flags) if (!vma.flags.includes(f)) vma.flags.push(f);
}

/** vma_is_fsdax(). */
export function isFsdax(vma: Vma): boolean {
  return vma.backing === 'fsdax';
}

/** mm_counter(): which rss counter a mapped folio counts in. */
export function rssCounter(folio: Folio): 'anon' | 'shmem' | 'file' {
  if (folio.kind === 'anon' || folio.kind === 'thp') return 'anon';
  if (folio.kind === 'shmem') return 'shmem';
  return 'file';
}

/**
 * A mapping taking (delta +1) or dropping (delta -1) its reference, mapcount and rss on a page:
 * folio_get + rmap add + inc_mm_counter, or the reverse at zap. Pfns with no declared page are
 * not tracked (their struct page's counts are unknown to the trace).
 */
export function accountMapping(st: State, mm: number, pfn: number, delta: 1 | -1): Folio | undefined {
  const folio = st.folioOf(pfn);
  if (!folio) {
    st.why(`pfn 0x${pfn.toString(16)} has no declared page: counts not tracked`);
    return undefined;
  }
  st.addRef(folio, delta);
  folio.mapcount += delta;
  st.mm(mm).rss[rssCounter(folio)] += delta;
  return folio;
}

/** An entry as the kernel would write it at `level` (no write bit unless asked). */
export function makeEntry(pfn: number, level: Level, special: boolean, write = false): Entry {
  return { pfn, level, special, write, dirty: false };
}

/** The entry mapping addr at exactly `level`, if any. */
export function entryAtLevel(st: State, mm: number, addr: number, level: Level): Entry | undefined {
  const m = st.data.mms.get(mm);
  if (!m) return undefined;
  const size = LEVEL_SIZE[level];
  return m[level].get(addr - (addr % size));
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
