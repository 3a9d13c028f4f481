/**
 * Release ids and how they compose: each release takes, for every family, the newest family
 * version whose first release is at or before it. Versions that never shipped (`release: null`)
 * enter no release, only aliases and variants.
 *
 * Two lists: RELEASE_IDS, what a run replays by default (the releases at which a modelled family
 * changes, plus v5.10 for Debian bullseye), and MAINLINE_IDS, every mainline release from v5.4 to
 * the newest one modelled (plus the -rc ids a family version starts at), each resolving to the
 * composition in force at that release when named.
 *
 * Change points not in RELEASE_IDS (every corpus trace states a verdict for every default release,
 * and none was restated for these; test/policies-releases.test.ts keeps this list exact): v5.7
 * (zeropage-insert 8cd3984d81d5, pin-accounting 3faa52c03f44), v5.8 (unshare 17839856fd58,
 * should_force_cow_break), v5.9 (unshare a308c71bf1e6 removes it; longterm-migrate
 * alloc_migration_target; remap-pfn align-warn), v5.11 (vma-checks 52650c8b466b),
 * v5.12 (pin-accounting 0fa5bc4023c1, vfio-type1 07956b6269d3), v5.14 (gup-core 4ca9b3859dac,
 * vma-checks secretmem, io-uring-buffers shmem-exempt), v6.2-rc1 (vma-checks f347454d0341, replayed as part of v6.2),
 * v6.6 (gup-args v6.6, pin-accounting retire-follow-hugetlb-page, vma-checks shadow-stack), v6.14
 * (vma-checks hugetlb-foll-force) and v6.17 (zeropage-insert and remap-pfn pfn-t-removal). All
 * resolve when named. Default ids at which no family changes: v5.18 and v6.0 (kept from the
 * earlier default set; v6.19, kept likewise, is now the change point of remap-pfn
 * prepare-first); v7.0 and v7.2 change nothing and are not default ids.
 *
 * Which release sources each family was read in, and which releases are only bracketed by them:
 * the README section "Model sources".
 */
import { FAMILIES, type Family, type FamilyVersion } from '../src/model/kernel.ts';
import { parseKernelVersion, versionKey } from '../src/model/kernel-version.ts';

export const RELEASE_IDS = [
  'v5.4',
  'v5.6',
  'v5.10',
  'v5.13',
  'v5.18',
  'v5.19-rc1',
  'v5.19-rc4',
  'v5.19',
  'v6.0-rc1',
  'v6.0-rc3',
  'v6.0-rc5',
  'v6.0',
  'v6.1',
  'v6.2',
  'v6.3',
  'v6.4',
  'v6.5',
  'v6.9',
  'v6.10',
  'v6.11',
  'v6.12',
  'v6.15',
  'v6.18',
  'v6.19',
  'v7.1',
] as const;
export type ReleaseId = (typeof RELEASE_IDS)[number];

/** The last minor release of each major series pinbench models (v5.19, v6.19, then v7.x). */
const LAST_MINOR: Readonly<Record<number, number>> = { 5: 19, 6: 19, 7: 2 };

/** Every mainline release id v5.4 .. v7.2 and the -rc ids of RELEASE_IDS, in release order. */
export const MAINLINE_IDS: readonly string[] = (() => {
  const ids = new Set<string>(RELEASE_IDS);
  for (const [major, last] of Object.entries(LAST_MINOR)) {
    for (let minor = major === '5' ? 4 : 0; minor <= last; minor++) ids.add(`v${major}.${minor}`);
  }
  return [...ids].sort((a, b) => releaseKey(a) - releaseKey(b));
})();

export function releaseKey(id: string): number {
  return versionKey(parseKernelVersion(id));
}

/** The family versions a release is made of, one per family. */
export function versionsAt(release: string, all: readonly FamilyVersion[]): Record<Family, FamilyVersion> {
  const key = releaseKey(release);
  const out: Partial<Record<Family, FamilyVersion>> = {};
  for (const v of all) {
    if (v.release === null || releaseKey(v.release) > key) continue;
    const cur = out[v.family];
    if (!cur || releaseKey(cur.release!) <= releaseKey(v.release)) out[v.family] = v;
  }
  for (const f of FAMILIES) {
    if (!out[f]) throw new Error(`release ${release}: no version of family ${f} at or before it`);
  }
  return out as Record<Family, FamilyVersion>;
}
