/** Every GUP-side family version (gup-core, gup-args, vma-checks, unshare, pin-accounting, pinnable, longterm-migrate, vfio-type1, io-uring-buffers). */
import type { FamilyVersion } from '../../src/model/kernel.ts';
import type { VariantSpec } from '../variant.ts';

export const GUP_FAMILY_VERSIONS: readonly FamilyVersion[] = [];
export const GUP_VARIANTS: readonly VariantSpec[] = [];
