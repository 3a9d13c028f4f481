/**
 * mm primitives every family version uses, GUP side and page-table side alike, and that do not
 * change in the releases pinbench models: the kernel's small inline predicates on VMAs, folios
 * and entries (vma_is_anonymous(), vma_is_shmem(), is_vm_hugetlb_page(), vma_is_fsdax(),
 * is_zero_pfn(), pte_special() and friends, is_huge_zero_pmd(), linear_page_index()), flag-set
 * arithmetic, and one bookkeeping of mappings (reference, mapcount, rss: accountFolioMapping(),
 * used by mapFolio()/unmapEntry() and accountMapping()). Versioned decisions live in the family
 * modules.
 *
 * Model convention for entries: `Entry.special` means "installed as a special mapping that took
 * no reference, rmap or rss" (that is what the leak check needs). Whether the architecture has a
 * bit to record it is separate: `pxxSpecial()` is what pte_special() / pmd_special() /
 * pud_special() would read, false on an architecture without the bit at that level. The huge
 * zero folio is a PMD entry whose pfn is the zero pfn (`pinbench_pte level=pmd pfn=zero`).
 */
import { err, errnoName } from '../src/model/errno.ts';
import type { Level } from '../src/model/events.ts';
import { type FollFlag, formatGupFlags, type VmFlag } from '../src/model/flags.ts';
import { FollFlags } from '../src/model/foll-flags.ts';
import type { Entry, Folio, State, Vma } from '../src/model/state.ts';
import { LEVEL_SIZE, PAGE_SIZE } from '../src/model/state.ts';

// hex() runs on most calls of every policy for why steps (a VMA's bounds, a pfn), over the few
// addresses and pfns of a trace: the text is remembered (toString(16) costs ~10 lookups), and
// forgotten wholesale past a bound so that it stays small.
const hexText = new Map<number, string>();
const HEX_TEXTS = 4096;

export function hex(n: number): string {
  let text = hexText.get(n);
  if (text === undefined) {
    text = `0x${n.toString(16)}`;
    if (hexText.size >= HEX_TEXTS) hexText.clear();
    hexText.set(n, text);
  }
  return text;
}

/** `-14 (-EFAULT)` for why steps. */
export function errText(ret: number): string {
  const name = errnoName(ret);
  return name ? `-${name}` : String(ret);
}

/** The flags as one interned value (foll-flags.ts), in the order given. */
export function flagSet(...flags: FollFlag[]): FollFlags {
  return FollFlags.from(flags);
}

/** `flags` with `add` appended (interned: nothing is allocated once the result was made). */
export function withFlags(flags: FollFlags, ...add: FollFlag[]): FollFlags {
  let out = flags;
  for (const f of add) out = out.with(f);
  return out;
}

/** gup_flags for a why step, in FOLL_FLAGS order (`FOLL_WRITE|FOLL_PIN`, `0`). */
export function fmtFlags(flags: ReadonlySet<FollFlag>): string {
  return flags instanceof FollFlags ? flags.text() : formatGupFlags(flags);
}

export function vmaHas(vma: Vma, flag: VmFlag): boolean {
  return vma.flags.includes(flag);
}

/** is_vm_hugetlb_page(). */
export function vmaIsHugetlb(vma: Vma): boolean {
  return vma.backing === 'hugetlb' || vma.fs === 'hugetlbfs' || vmaHas(vma, 'VM_HUGETLB');
}

/** vma_is_shmem(): tmpfs/memfd files and shared anonymous memory (which the kernel backs with shmem). */
export function vmaIsShmem(vma: Vma): boolean {
  if (vmaIsHugetlb(vma)) return false;
  return (
    vma.backing === 'shmem' || vma.fs === 'tmpfs' || (vma.backing === 'anon' && vmaHas(vma, 'VM_SHARED'))
  );
}

/** vma_is_anonymous(): no vm_ops, i.e. private anonymous memory. */
export function vmaIsAnonymous(vma: Vma): boolean {
  return vma.backing === 'anon' && !vmaHas(vma, 'VM_SHARED');
}

/** vma_is_fsdax(). */
export function vmaIsFsdax(vma: Vma): boolean {
  return vma.backing === 'fsdax';
}

/** vma_is_secretmem(). */
export function vmaIsSecretmem(vma: Vma): boolean {
  return vma.backing === 'secretmem';
}

/** vma->vm_file != NULL: everything but private anonymous memory (pfnmaps are treated as device files). */
export function vmaHasFile(vma: Vma): boolean {
  return !vmaIsAnonymous(vma);
}

/** is_file_hugepages(vma->vm_file). */
export function vmaIsHugetlbFile(vma: Vma): boolean {
  return vmaHasFile(vma) && vmaIsHugetlb(vma);
}

/** is_zero_pfn() of a folio's head (is_zero_folio() from v6.5). */
export function isZeroFolio(st: State, folio: Folio): boolean {
  return st.isZeroPfn(folio.pfn);
}

/** folio_test_anon(): anonymous memory (small, THP, or a private hugetlb copy). */
export function folioIsAnon(folio: Folio): boolean {
  return folio.kind === 'anon' || folio.kind === 'thp';
}

export function folioIsLarge(folio: Folio): boolean {
  return folio.order > 0;
}

/**
 * The folio behind a pfn. A pfn an entry maps without a `pinbench_page` declaration gets a
 * default one (anon, Normal zone, refcount 1), its existing mappings counted as its baseline.
 */
export function ensureFolio(st: State, pfn: number): Folio {
  const f = st.folioOf(pfn);
  if (f) return f;
  st.declarePage({ type: 'page', pfn, nr: 1, line: 0, text: '' });
  const folio = st.folioOf(pfn)!;
  folio.baseMappings = st.liveMappings().get(folio.name) ?? 0;
  st.why(`pfn ${hex(pfn)} was not declared: modelled as an anon page with refcount 1`);
  return folio;
}

/** mm_counter(): which rss counter a mapped folio counts in. */
export function rssCounter(folio: Folio): 'anon' | 'shmem' | 'file' {
  if (folio.kind === 'anon' || folio.kind === 'thp') return 'anon';
  if (folio.kind === 'shmem') return 'shmem';
  return 'file';
}

/**
 * The one bookkeeping of a non-special mapping: a mapping taking (+1) or dropping (-1) its
 * reference, mapcount and rss on a folio, as folio_get() + folio_add_*_rmap() +
 * inc_mm_counter() do when an entry is installed and the zap path undoes. The mapcount never
 * goes below 0: a declared entry is not part of the declared mapcount unless the trace says so.
 */
export function accountFolioMapping(st: State, mm: number, folio: Folio, delta: 1 | -1): void {
  st.addRef(folio, delta);
  folio.mapcount = Math.max(0, folio.mapcount + delta);
  st.mm(mm).rss[rssCounter(folio)] += delta;
}

/**
 * accountFolioMapping() by pfn for the page-table helpers (vm_insert_page(), zap): pfns with no
 * declared page are not tracked (their struct page's counts are unknown to the trace).
 */
export function accountMapping(st: State, mm: number, pfn: number, delta: 1 | -1): Folio | undefined {
  const folio = st.folioOf(pfn);
  if (!folio) {
    st.why(`pfn 0x${pfn.toString(16)} has no declared page: counts not tracked`);
    return undefined;
  }
  accountFolioMapping(st, mm, folio, delta);
  return folio;
}

/**
 * Installs `folio` at `addr` (set_pte_at() plus folio_get(), the rmap and rss), replacing and
 * dropping whatever was mapped there. Special entries (the zero page) take nothing.
 */
export function mapFolio(
  st: State,
  mm: number,
  addr: number,
  folio: Folio,
  level: Level,
  opts: { write: boolean; special?: boolean; dirty?: boolean },
): Entry {
  const old = st.entryAt(mm, addr);
  if (old) unmapEntry(st, mm, addr, old);
  const special = opts.special ?? false;
  const base = addr - (addr % LEVEL_SIZE[level]);
  const entry: Entry = { pfn: folio.pfn, level, special, write: opts.write, dirty: opts.dirty ?? opts.write };
  st.setEntry(mm, base, entry);
  if (!special) accountFolioMapping(st, mm, folio, 1);
  return entry;
}

/** Removes one entry, dropping its reference, mapcount and rss unless it was special. */
export function unmapEntry(st: State, mm: number, addr: number, entry: Entry): void {
  st.clearEntry(mm, addr, entry.level);
  if (entry.special) return;
  const f = st.folioOf(entry.pfn);
  if (f) accountFolioMapping(st, mm, f, -1);
}

/** Every (mm, addr, entry) that maps some page of `folio` (an rmap walk). */
export function mappingsOf(st: State, folio: Folio): { mm: number; addr: number; entry: Entry }[] {
  const out: { mm: number; addr: number; entry: Entry }[] = [];
  const last = folio.pfn + 2 ** folio.order;
  for (const m of st.data.mms.values()) {
    for (const level of ['pte', 'pmd', 'pud'] as const) {
      for (const [addr, entry] of m[level]) {
        if (entry.pfn >= folio.pfn && entry.pfn < last) out.push({ mm: m.id, addr, entry });
      }
    }
  }
  return out;
}

export function addFlag(folio: Folio, flag: Folio['flags'][number]): void {
  if (!folio.flags.includes(flag)) folio.flags.push(flag);
}

export function dropFlag(folio: Folio, flag: Folio['flags'][number]): void {
  folio.flags = folio.flags.filter((f) => f !== flag);
}

// ---- page-table helpers ------------------------------------------------------------------------

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

export function setFlags(vma: Vma, ...flags: Vma['flags']): void {
  for (const f of flags) if (!vma.flags.includes(f)) vma.flags.push(f);
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
