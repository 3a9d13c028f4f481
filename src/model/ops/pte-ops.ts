/**
 * Internal function slots of the page-table side (mm-core, zeropage-insert, normal-page,
 * remap-pfn, folio-walk). Same late-binding rule as GupOps: slots call each other through `k`.
 */
import type { Level } from '../events.ts';
import type { Kernel } from '../kernel.ts';
import type { Entry, State, Vma } from '../state.ts';

export interface PteOps {
  /**
   * The family `normal-page`: vm_normal_page / _pmd / _pud. Returns the pfn of the "normal"
   * page behind an entry, or null for NULL (special, pfnmap, zero...).
   */
  vmNormalPage(k: Kernel, st: State, vma: Vma, addr: number, entry: Entry, level: Level): number | null;
}
