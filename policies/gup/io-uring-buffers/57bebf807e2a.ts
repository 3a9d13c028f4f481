/**
 * io-uring-buffers 57bebf807e2a: "io_uring/rsrc: optimise registered huge pages" (Pavel
 * Begunkov), first release v6.3 (with edd478269640, on which this version builds). Evidence:
 * facts/io-uring.md §1-§2 [S:6.3.8][S:6.4.6][L]; 776617db78c6 "io_uring/rsrc: check for
 * nonconsecutive pages" (v6.4, CVE-2023-2598) is folded in: GUP in the model always returns
 * consecutive pages of one folio.
 *
 * Kernel function modelled: the coalescing step of io_sqe_buffer_register() (slot
 * ioCoalesceBuffer): more than one page, all in pages[0]'s folio and each the previous + 1 ->
 * unpin pages[1..nr-1]; the buffer keeps one pin on pages[0] (one bvec).
 *
 * What changed from io-uring-buffers edd478269640: a buffer inside one large folio (THP,
 * hugetlb) holds one pin instead of one per page; charging is unchanged (the folio in full).
 *
 * Source read: 6.2.1 io_uring/rsrc.c:io_sqe_buffer_register():1201 keeps one bvec per page (no
 * folio test); 6.3.8 io_sqe_buffer_register():1205 checks that every page is the next page of the
 * first page's folio (`page_folio(pages[i]) != folio || pages[i] != pages[i - 1] + 1`, :1237-1238)
 * and, if so, keeps the head and `unpin_user_pages(&pages[1], nr_pages - 1);` (:1250) - one
 * bvec for the huge page; 6.4.4 (:1136), 6.5.0 (:1114) and 6.9.0 (:956) the same.
 */
import type { FamilyVersion, Kernel } from '../../../src/model/kernel.ts';
import type { State } from '../../../src/model/state.ts';
import { ioUringBuffersEdd478269640 } from './edd478269640.ts';
import { ioReleasePage } from './v5-4.ts';

function ioCoalesceBuffer(k: Kernel, st: State, pfns: number[]): number[] {
  if (pfns.length <= 1) return pfns;
  const folio = st.folioOf(pfns[0]!);
  if (!folio || folio.order === 0) return pfns;
  const ok = pfns.every((p, i) => st.folioOf(p) === folio && (i === 0 || p === pfns[i - 1]! + 1));
  if (!ok) return pfns;
  for (const p of pfns.slice(1)) ioReleasePage(k, st, p, true);
  st.why(`io_uring: ${pfns.length} pages of ${folio.name} coalesced into one bvec (57bebf807e2a)`);
  return [pfns[0]!];
}

export const ioUringBuffers57bebf807e2a: FamilyVersion = {
  family: 'io-uring-buffers',
  module: import.meta.url,
  id: '57bebf807e2a',
  commit: '57bebf807e2a',
  subject: 'io_uring/rsrc: optimise registered huge pages',
  release: 'v6.3',
  summary: 'A buffer inside one large folio is coalesced to one bvec: one pin kept, the others dropped.',
  ops: { ...ioUringBuffersEdd478269640.ops, ioCoalesceBuffer },
};
