/** Every page-table-side family version (mm-core, zeropage-insert, normal-page, remap-pfn, folio-walk). */
import type { FamilyVersion } from '../../src/model/kernel.ts';
import type { VariantSpec } from '../variant.ts';
import { folioWalk2db308160b5a } from './folio-walk/2db308160b5a.ts';
import { folioWalk10d83d7781a8 } from './folio-walk/10d83d7781a8.ts';
import { folioWalkAa39ca6940f1 } from './folio-walk/aa39ca6940f1.ts';
import { folioWalkNone } from './folio-walk/none.ts';
import { mmCoreBc02afbd4d73 } from './mm-core/bc02afbd4d73.ts';
import { mmCoreD80a9cb1a64a } from './mm-core/d80a9cb1a64a.ts';
import { mmCoreFolioPud } from './mm-core/folio-pud.ts';
import { mmCoreV5_4 } from './mm-core/v5-4.ts';
import { normalPage10d83d7781a8 } from './normal-page/10d83d7781a8.ts';
import { normalPageAf38538801c6 } from './normal-page/af38538801c6.ts';
import { normalPageC0c6ccd9828c } from './normal-page/c0c6ccd9828c.ts';
import { normalPageFce831c92092 } from './normal-page/fce831c92092.ts';
import { normalPageHugeZeroPmd } from './normal-page/huge-zero-pmd.ts';
import { normalPageV5_4 } from './normal-page/v5-4.ts';
import { remapPfnAlignWarn } from './remap-pfn/align-warn.ts';
import { remapPfnPfnTRemoval } from './remap-pfn/pfn-t-removal.ts';
import { remapPfnPrepareFirst } from './remap-pfn/prepare-first.ts';
import { remapPfnV5_4 } from './remap-pfn/v5-4.ts';
import { zeropageInsert8cd3984d81d5 } from './zeropage-insert/8cd3984d81d5.ts';
import { zeropageInsert62c65fd740e9 } from './zeropage-insert/62c65fd740e9.ts';
import { zeropageInsertFce831c92092 } from './zeropage-insert/fce831c92092.ts';
import { zeropageInsertMkwrite } from './zeropage-insert/insert-page-mkwrite.ts';
import { zeropageInsertPfnTRemoval } from './zeropage-insert/pfn-t-removal.ts';
import { zeropageInsertPteMapMayFail } from './zeropage-insert/pte-map-may-fail.ts';
import { zeropageInsertV1Posting } from './zeropage-insert/v1-posting.ts';
import { zeropageInsertV5_4 } from './zeropage-insert/v5-4.ts';

/** Released family versions first (they compose releases), then the never-released ones (variants only). */
export const PTE_FAMILY_VERSIONS: readonly FamilyVersion[] = [
  mmCoreV5_4,
  mmCoreBc02afbd4d73,
  mmCoreFolioPud,
  mmCoreD80a9cb1a64a,
  zeropageInsertV5_4,
  zeropageInsert8cd3984d81d5,
  zeropageInsertPteMapMayFail,
  zeropageInsertFce831c92092,
  zeropageInsertMkwrite,
  zeropageInsertPfnTRemoval,
  zeropageInsert62c65fd740e9,
  zeropageInsertV1Posting,
  normalPageV5_4,
  normalPageHugeZeroPmd,
  normalPageFce831c92092,
  normalPage10d83d7781a8,
  normalPageAf38538801c6,
  normalPageC0c6ccd9828c,
  remapPfnV5_4,
  remapPfnAlignWarn,
  remapPfnPfnTRemoval,
  remapPfnPrepareFirst,
  folioWalkNone,
  folioWalk10d83d7781a8,
  folioWalk2db308160b5a,
  folioWalkAa39ca6940f1,
];

export const PTE_VARIANTS: readonly VariantSpec[] = [
  {
    id: 'fce831c92092-v1',
    title: 'v6.11 with the never-merged v1 posting of the zeropage patch',
    base: 'v6.11',
    replace: [zeropageInsertV1Posting],
    summary:
      'vm_mixed_zeropage_allowed() returns false for never-writable VMAs (the review: "Shouldn\'t we return true here?"); the page_count() checks still sit in vm_insert_page() and the batch path.',
    commit: 'fce831c92092',
  },
  {
    id: 'pre-10d83d7781a8',
    title: 'v6.12 without 10d83d7781a8 (folio_walk_start before patch 06)',
    base: 'v6.12',
    replace: [folioWalkAa39ca6940f1, normalPageFce831c92092],
    summary:
      'folio_walk_start() as in mm-unstable before "mm/pagewalk: Check pfnmap for folio_walk_start()": a huge pfnmap PUD yields a bogus folio; vm_normal_page_pmd() has no pmd_special check.',
    commit: '10d83d7781a8',
  },
  {
    id: 'vm-normal-page-per-level-fix',
    title:
      'v6.19 + c0c6ccd9828c "mm: fix __vm_normal_page() to handle missing support for pmd_special()/pud_special()"',
    base: 'v6.19',
    replace: [normalPageC0c6ccd9828c],
    summary:
      'The 2026 hotfix: the special-bit branch of __vm_normal_page() per level (PTE_SPECIAL, PMD_PFNMAP, PUD_PFNMAP); the x86-32 huge zero PMD is no longer a normal page.',
    commit: 'c0c6ccd9828c',
  },
];
