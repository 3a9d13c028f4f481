/**
 * Internal function slots of the GUP side (gup-core, gup-args, vma-checks, unshare,
 * pin-accounting, pinnable, longterm-migrate, vfio-type1, io-uring-buffers). Every slot takes the
 * kernel table `k` first and reaches other slots only through it, so a policy that overrides one
 * slot changes every path that uses it.
 */
import type { Kernel } from '../kernel.ts';
import type { Folio, State } from '../state.ts';

export interface GupOps {
  /** The family `pinnable`: is this folio long-term pinnable (is_pinnable_page & successors). */
  isLongtermPinnable(k: Kernel, st: State, folio: Folio): boolean;
}
