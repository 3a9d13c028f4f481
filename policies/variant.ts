/**
 * Unreleased variants: a release with some family versions swapped, for states that never
 * shipped (a patch's v1 posting, an mm-unstable state) and aliases the generic pre-/post- rule
 * cannot express.
 */
import type { FamilyVersion } from '../src/model/kernel.ts';

export interface VariantSpec {
  id: string;
  title: string;
  /** The release it starts from. */
  base: string;
  /** Family versions that replace the base's. */
  replace: readonly FamilyVersion[];
  summary: string;
  commit?: string;
}
