/**
 * zeropage-insert @ the mkwrite refactor of insert_page(): "mm/memory: enhance
 * insert_page_into_pte_locked() to create writable mappings" with "mm/memory: add
 * vmf_insert_page_mkwrite()" (Alistair Popple's "fs/dax: fix ZONE_DEVICE page reference counts"
 * series, patches 12-13 of v8, posted 2025-02-18). The zero-page policy is fce831c92092's,
 * unchanged.
 *
 * First release: v6.15, INFERRED, not verified. Evidence: v8 was posted after the v6.14 merge
 * window and appears in mm-unstable/linux-next change lists with several pre-rebase ids (none of
 * them usable as the mainline id, so this version names no commit and gets no pre-/post-
 * alias); the devmap/pfn_t removal patches of earlier postings were split off (see
 * pfn-t-removal.ts). The v8 patch text was read in the code corpus; its behaviour matches
 * [C:af38538801c6] (facts §1.3, V3/V4 column).
 *
 * Kernel functions modelled: insert_page_into_pte_locked(), insert_page() (now with mkwrite),
 * __vm_insert_mixed()'s insert_page() path (passes mkwrite).
 *
 * Changed from fce831c92092: insert_page_into_pte_locked() takes mkwrite. A present PTE without
 * mkwrite is -EBUSY as before; with mkwrite, a pfn mismatch WARNs unless the present PTE maps the
 * zero pfn and fails with -EFAULT (so vmf_insert_mixed_mkwrite() on an arch without pte_special
 * now ends in VM_FAULT_SIGBUS where it used to be VM_FAULT_NOPAGE), a match is made writable
 * (maybe_mkwrite) and young. A new non-zero page is mapped writable and dirty with mkwrite; the
 * zero folio is always mapped special and read-only (mkwrite is ignored for it).
 *
 * Source read: this version was not compared against the Debian sources available here (5.10.262,
 * 6.1.192, 6.12.118, 7.2.13) in the 2026-12 pass; the evidence above is what it rests on.
 */
import { err } from '../../../src/model/errno.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import { accountMapping, entryAtLevel, vmaHas as hasFlag, hex, makeEntry } from '../../mm-primitives.ts';
import { zeropageInsertFce831c92092 } from './fce831c92092.ts';

const prev = zeropageInsertFce831c92092.ops;

export const zeropageInsertMkwrite: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'insert-page-mkwrite',
  subject: 'mm/memory: enhance insert_page_into_pte_locked() to create writable mappings',
  release: 'v6.15',
  summary:
    'insert_page() learns mkwrite (vmf_insert_page_mkwrite): a present PTE is upgraded when the pfn matches, a mismatch is -EFAULT (WARN unless zero); zero-page policy unchanged.',
  ops: {
    ...prev,
    insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, mkwrite) {
      const present = entryAtLevel(st, mm, addr, 'pte');
      if (present) {
        if (!mkwrite) {
          st.why(`insert_page: PTE at ${hex(addr)} not none -> -EBUSY`);
          return err('EBUSY');
        }
        if (present.pfn !== pfn) {
          if (!st.isZeroPfn(present.pfn)) st.warn('insert_page mkwrite pfn mismatch');
          st.why(
            `insert_page: mkwrite, present ${st.pageName(present.pfn)} != ${st.pageName(pfn)} -> -EFAULT`,
          );
          return err('EFAULT');
        }
        present.write = hasFlag(vma, 'VM_WRITE');
        st.why(
          `insert_page: mkwrite on the present PTE -> ${present.write ? 'writable' : 'unchanged (no VM_WRITE)'}`,
        );
        return 0;
      }
      if (st.isZeroPfn(pfn)) return prev.insertPageIntoPteLocked!(k, st, mm, vma, addr, pfn, false);
      accountMapping(st, mm, pfn, 1);
      const write = mkwrite && hasFlag(vma, 'VM_WRITE');
      st.setEntry(mm, addr, { ...makeEntry(pfn, 'pte', false, write), dirty: mkwrite });
      st.why(
        `insert_page: ${st.pageName(pfn)} mapped non-special${mkwrite ? ', young and dirty' : ''}: get, file rmap, rss`,
      );
      return 0;
    },
  },
};
