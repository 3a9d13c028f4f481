/**
 * io-uring-buffers a8edbb424b13: "io_uring/rsrc: enable multi-hugepage buffer coalescing"
 * (Chenliang Li), first release v6.12 [L][S:6.12.19; absent in 6.6.9]. Evidence:
 * facts/io-uring.md §1-§2 (v6.12/v6.18 register_one), §5.
 *
 * Kernel function modelled: the coalescing test and step (slot ioCoalesceBuffer): more than one
 * page and pages[0]'s folio has more than one page; pages consecutive inside each folio; the
 * first folio covered up to its last page; every later folio of the same size and starting at
 * its page 0 (the last may be partial) -> one entry per folio, the folio's head page, with one
 * pin; the other pins are dropped (6.18: unpin_user_folio(folio, count - 1), same counts).
 *
 * What changed from io-uring-buffers 1943f96b3816: buffers spanning several large folios keep
 * one pin per folio (before: one per page unless the whole buffer was inside one folio).
 * Simplification: the 6.12 vs 6.18 first-bvec offset difference is not visible in the model.
 *
 * Source read: first release v6.12, bracketed by sources read: 6.11.11 io_uring/rsrc.c:
 * io_sqe_buffer_register():858 coalesces only a buffer inside one folio (the 57bebf807e2a test);
 * 6.12.118 io_sqe_buffer_register():968 calls io_try_coalesce_buffer():916 /
 * io_check_coalesce_buffer() (multi-folio runs, unpinning all but each folio's head). The
 * coalescing conditions were read for presence, not compared branch by branch with this version;
 * 7.2.13 keeps the same functions.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { Folio, State } from '../../../src/model/state.ts';
import { ioUringBuffers1943f96b3816 } from './1943f96b3816.ts';
import { ioReleasePage } from './v5-4.ts';

function ioCoalesceBuffer(k: Kernel, st: State, pfns: number[]): number[] {
  if (pfns.length <= 1) return pfns;
  const first = st.folioOf(pfns[0]!);
  if (!first || first.order === 0) return pfns;
  // Group by folio, in order; every page must be the previous + 1 within its folio.
  const groups: { folio: Folio; pfns: number[] }[] = [];
  for (const p of pfns) {
    const f = st.folioOf(p);
    if (!f) return pfns;
    const g = groups[groups.length - 1];
    if (g && g.folio === f) {
      if (p !== g.pfns[g.pfns.length - 1]! + 1) return pfns;
      g.pfns.push(p);
    } else {
      if (groups.some((x) => x.folio === f)) return pfns;
      groups.push({ folio: f, pfns: [p] });
    }
  }
  const size = 2 ** first.order;
  const g0 = groups[0]!;
  if (g0.pfns[g0.pfns.length - 1] !== first.pfn + size - 1) return pfns;
  for (let i = 1; i < groups.length; i++) {
    const g = groups[i]!;
    if (2 ** g.folio.order !== size || g.pfns[0] !== g.folio.pfn) return pfns;
    if (i < groups.length - 1 && g.pfns.length !== size) return pfns;
  }
  const kept: number[] = [];
  for (const g of groups) {
    for (const p of g.pfns.slice(1)) ioReleasePage(k, st, p, true);
    // The bvec stores the folio's head page; the pin it keeps is the one taken on g.pfns[0].
    const head = g.folio.pfn;
    if (head !== g.pfns[0] && st.data.longterm.has(g.pfns[0]!)) {
      st.noteLongterm(g.pfns[0]!, -1);
      st.noteLongterm(head, 1);
    }
    kept.push(head);
  }
  st.why(`io_uring: ${pfns.length} pages coalesced into ${groups.length} folio bvec(s) (a8edbb424b13)`);
  return kept;
}

export const ioUringBuffersA8edbb424b13: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: 'a8edbb424b13',
  commit: 'a8edbb424b13',
  subject: 'io_uring/rsrc: enable multi-hugepage buffer coalescing',
  release: 'v6.12',
  summary: 'Buffers over several same-size large folios keep one pin per folio (its head page).',
  ops: { ...ioUringBuffers1943f96b3816.ops, ioCoalesceBuffer },
};
