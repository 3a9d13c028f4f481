/** Every page-table-side family version (mm-core, zeropage-insert, normal-page, remap-pfn, folio-walk). */
import type { FamilyVersion } from '../../src/model/kernel.ts';
import type { VariantSpec } from '../variant.ts';

export const PTE_FAMILY_VERSIONS: readonly FamilyVersion[] = [];
export const PTE_VARIANTS: readonly VariantSpec[] = [];
