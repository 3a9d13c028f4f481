/**
 * A user candidate module for tests of capsules and `repro`: v5.18 with isLongtermPinnable()
 * answering `pinnable` for every page. With false, the zero page cannot be pinned long-term and
 * traces/01-vfio-zero-ro.trace diverges from v5.18; with true it does not.
 */
import { resolve } from 'node:path';

export function pinnabilityModuleText(pinnable: boolean): string {
  return [
    `import { definePolicy } from '${resolve('policies/define-policy.ts')}';`,
    'export default definePolicy({',
    "  id: 'nothing-pinnable', base: 'v5.18', subject: 'mm: break pinnability',",
    `  override: { isLongtermPinnable: () => ${pinnable} },`,
    '});',
    '',
  ].join('\n');
}
