/**
 * zeropage-insert @ the mkwrite refactor of insert_page(): "mm/memory: enhance
 * insert_page_into_pte_locked() to create writable mappings" with "mm/memory: add
 * vmf_insert_page_mkwrite()" (Alistair Popple's "fs/dax: fix ZONE_DEVICE page reference counts"
 * series, patches 12-13 of v8, posted 2025-02-18). The zero-page policy is fce831c92092's,
 * unchanged.
 *
 * Mainline ids 15a64311e0ae ("mm/memory: enhance insert_page_into_pte_locked() to create writable
 * mappings", the commit this version names) and ec2e0cc67f9c ("mm/memory: add
 * vmf_insert_page_mkwrite()"). First release: v6.15, verified against akpm/mm's post-receive of
 * 2025-03-18 (read in the code corpus): both are in mm-stable (new head a211c6550efc) with the
 * rest of the series (dbe54153296d, the id later Fixes: tags cite as mainline), before v6.14
 * (2025-03-24); mm-stable is what the next merge window pulls, so v6.15. The devmap/pfn_t
 * removal patches of earlier postings were split off (see pfn-t-removal.ts). The v8 patch text was read in the code corpus; its behaviour matches
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
 * Source read (2026-12): no source read carries this version alone (release ids v6.15, v6.16;
 * 6.14.0 has the fce831c92092 functions, 6.18.2 already those of pfn-t-removal; 6.15 .. 6.17 were
 * not read, no source for them was found);
 * its insert_page_into_pte_locked() is the one 7.2.13 has, read branch by branch at
 * mm/memory.c:insert_page_into_pte_locked():2352: present && !mkwrite -> -EBUSY; present &&
 * mkwrite && pfn differs -> WARN_ON_ONCE unless the present pfn is the zero pfn, -EFAULT; present
 * && same pfn -> maybe_mkwrite + young, 0; none: the zero folio -> special (mkwrite ignored),
 * else folio_get, young + dirty + maybe_mkwrite with mkwrite, rss, rmap. 6.12.118
 * (mm/memory.c:2043) has the version before it (present -> -EBUSY whatever mkwrite).
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
  commit: '15a64311e0ae',
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
