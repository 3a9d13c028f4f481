/**
 * Helpers every GUP-side family version uses and that never changed in the window pinbench
 * models: the kernel's small inline predicates on VMAs and folios (vma_is_anonymous(),
 * vma_is_shmem(), is_vm_hugetlb_page(), vma_is_fsdax(), is_zero_pfn()), flag-set arithmetic, and
 * the bookkeeping of installing or dropping one page-table mapping (reference, mapcount, rss).
 * Versioned decisions live in the family modules.
 */
import { errnoName } from '../../src/model/errno.ts';
import type { Level } from '../../src/model/events.ts';
import { type FollFlag, formatGupFlags, type VmFlag } from '../../src/model/flags.ts';
import type { Entry, Folio, State, Vma } from '../../src/model/state.ts';
import { LEVEL_SIZE } from '../../src/model/state.ts';

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** `-14 (-EFAULT)` for why steps. */
export function errText(ret: number): string {
  const name = errnoName(ret);
  return name ? `-${name}` : String(ret);
}

export function flagSet(...flags: FollFlag[]): Set<FollFlag> {
  return new Set(flags);
}

export function withFlags(flags: ReadonlySet<FollFlag>, ...add: FollFlag[]): Set<FollFlag> {
  const out = new Set(flags);
  for (const f of add) out.add(f);
  return out;
}

export function fmtFlags(flags: ReadonlySet<FollFlag>): string {
  return formatGupFlags(flags);
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

/** rss counter a folio is counted in (mm_counter()). */
function rssCounter(folio: Folio): 'anon' | 'shmem' | 'file' {
  if (folio.kind === 'anon' || folio.kind === 'thp') return 'anon';
  if (folio.kind === 'shmem') return 'shmem';
  return 'file';
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
  if (!special) {
    st.addRef(folio, 1);
    folio.mapcount++;
    st.mm(mm).rss[rssCounter(folio)]++;
  }
  return entry;
}

/** Removes one entry, dropping its reference, mapcount and rss unless it was special. */
export function unmapEntry(st: State, mm: number, addr: number, entry: Entry): void {
  st.clearEntry(mm, addr, entry.level);
  if (entry.special) return;
  const f = st.folioOf(entry.pfn);
  if (!f) return;
  st.addRef(f, -1);
  f.mapcount = Math.max(0, f.mapcount - 1);
  st.mm(mm).rss[rssCounter(f)]--;
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
