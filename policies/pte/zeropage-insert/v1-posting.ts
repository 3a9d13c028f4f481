/**
 * zeropage-insert @ the v1 posting of "mm/memory: cleanly support zeropage in vm_insert_page*(),
 * vm_map_pages*() and vmf_insert_mixed()" (David Hildenbrand, 2024-04-30, Message-ID
 * 20240430204044.52755-2-david@redhat.com). Never merged: no release; it is the variant
 * `fce831c92092-v1` (v6.11 with this family version).
 *
 * Kernel functions modelled: vm_mixed_zeropage_allowed() (new), validate_page_before_insert(),
 * insert_page_into_pte_locked(), vm_mixed_ok(), __vm_insert_mixed(). Read in the v1 diff
 * through the code corpus (Vincent Donnefort's review quotes it).
 *
 * Changed from pte-map-may-fail (v6.10's version): the zero folio is validated by vm_mixed_zeropage_allowed()
 * (s390 mm_forbids_zeropage -> no; COW -> yes; never writable -> **no**, the bug Vincent found:
 * "Shouldn't we return true here?"; else only with vm_ops->pfn_mkwrite and fs-dax or VM_IO; a
 * VM_PFNMAP VMA WARNs) and mapped special (no ref, rmap or rss); vm_mixed_ok() refuses the zero
 * pfn with mkwrite or where not allowed; !vm_mixed_ok() is VM_FAULT_SIGBUS instead of BUG_ON.
 * The page_count() checks stay in vm_insert_page() and insert_page_in_batch_locked() (moved into
 * validate_page_before_insert() by 11b914ee9e3b in v2).
 *
 * Source read (2026-12): never released, so no release source carries it; the v1 diff read in the
 * code corpus is what it rests on. The merged function it differs from is 6.12.118
 * mm/memory.c:vm_mixed_zeropage_allowed():1994, whose never-writable branch returns true
 * ("Mappings that do not allow for writable PTEs are unproblematic.") where v1 returned false.
 */
import { err } from '../../../src/model/errno.ts';
import { isCowMappingFlags } from '../../../src/model/flags.ts';
import type { FamilyVersion } from '../../../src/model/kernel.ts';
import type { State, Vma } from '../../../src/model/state.ts';
import {
  entryAtLevel,
  vmaHas as hasFlag,
  hex,
  vmaIsFsdax as isFsdax,
  makeEntry,
} from '../../mm-primitives.ts';
import { zeropageInsertPteMapMayFail } from './pte-map-may-fail.ts';
import { insertMixedAfterOk } from './v5-4.ts';

const base = zeropageInsertPteMapMayFail.ops;

/** vm_mixed_zeropage_allowed(); `neverWritable` is what the never-writable branch returns. */
export function zeropageAllowed(st: State, vma: Vma, neverWritable: boolean, tag: string): boolean {
  if (hasFlag(vma, 'VM_PFNMAP')) st.warn('vm_mixed_zeropage_allowed VM_PFNMAP');
  if (st.config.forbids_zeropage) {
    st.why(`zero pfn, mm_forbids_zeropage -> not allowed (${tag})`);
    return false;
  }
  if (isCowMappingFlags(vma.flags)) {
    st.why(`zero pfn in COW mapping -> allowed (${tag})`);
    return true;
  }
  if (!hasFlag(vma, 'VM_WRITE') && !hasFlag(vma, 'VM_MAYWRITE')) {
    st.why(`zero pfn in never-writable shared VMA -> ${neverWritable ? 'allowed' : 'not allowed'} (${tag})`);
    return neverWritable;
  }
  const ok = vma.ops.includes('pfn_mkwrite') && (isFsdax(vma) || hasFlag(vma, 'VM_IO'));
  st.why(
    `zero pfn in writable shared VMA: pfn_mkwrite ${vma.ops.includes('pfn_mkwrite') ? 'yes' : 'no'}, fs-dax ${isFsdax(vma) ? 'yes' : 'no'}, VM_IO ${hasFlag(vma, 'VM_IO') ? 'yes' : 'no'} -> ${ok ? 'allowed' : 'not allowed'} (${tag})`,
  );
  return ok;
}

export const zeropageInsertV1Posting: FamilyVersion = {
  family: 'zeropage-insert',
  module: import.meta.url,
  id: 'v1-posting',
  subject:
    '[PATCH v1 1/2] mm/memory: cleanly support zeropage in vm_insert_page*(), vm_map_pages*() and vmf_insert_mixed()',
  release: null,
  summary:
    'The never-merged v1: zero page special and unrefcounted where allowed, but never-writable VMAs are refused; page_count checks still outside validate.',
  link: 'https://lore.kernel.org/all/20240430204044.52755-1-david@redhat.com/',
  ops: {
    ...base,
    vmMixedZeropageAllowed(_k, st, _mm, vma) {
      return zeropageAllowed(st, vma, false, 'v1 posting');
    },
    validatePageBeforeInsert(k, st, mm, vma, pfn) {
      if (st.isZeroPfn(pfn)) {
        if (!k.vmMixedZeropageAllowed(k, st, mm, vma)) {
          st.why('validate_page_before_insert: zero folio not allowed here -> -EINVAL');
          return err('EINVAL');
        }
        return 0;
      }
      return base.validatePageBeforeInsert!(k, st, mm, vma, pfn);
    },
    insertPageIntoPteLocked(k, st, mm, vma, addr, pfn, mkwrite) {
      if (!st.isZeroPfn(pfn)) return base.insertPageIntoPteLocked!(k, st, mm, vma, addr, pfn, mkwrite);
      if (entryAtLevel(st, mm, addr, 'pte')) {
        st.why(`insert_page: PTE at ${hex(addr)} not none -> -EBUSY`);
        return err('EBUSY');
      }
      st.setEntry(mm, addr, makeEntry(pfn, 'pte', true));
      st.markSpecial();
      st.why('insert_page: zero folio -> pte_mkspecial, no ref, rmap or rss');
      return 0;
    },
    vmMixedOk(k, st, mm, vma, pfn, mkwrite) {
      if (st.isZeroPfn(pfn)) {
        if (mkwrite) {
          st.why('vm_mixed_ok: zero pfn with mkwrite -> not ok');
          return false;
        }
        if (!k.vmMixedZeropageAllowed(k, st, mm, vma)) return false;
      }
      return base.vmMixedOk!(k, st, mm, vma, pfn, mkwrite);
    },
    vmInsertMixed(k, st, mm, vma, addr, pfn, mkwrite) {
      if (!k.vmMixedOk(k, st, mm, vma, pfn, mkwrite)) {
        st.why(`__vm_insert_mixed: !vm_mixed_ok(${st.pageName(pfn)}) -> VM_FAULT_SIGBUS`);
        return 'SIGBUS';
      }
      return insertMixedAfterOk(k, st, mm, vma, addr, pfn, mkwrite);
    },
  },
};
