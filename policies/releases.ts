/**
 * Release ids and how they compose: each release takes, for every family, the newest family
 * version whose first release is at or before it. Versions that never shipped (`release: null`)
 * enter no release, only aliases and variants.
 */
import { FAMILIES, type Family, type FamilyVersion } from '../src/model/kernel.ts';
import { parseKernelVersion, versionKey } from '../src/model/kernel-version.ts';

export const RELEASE_IDS = [
  'v5.4',
  'v5.6',
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
] as const;
export type ReleaseId = (typeof RELEASE_IDS)[number];

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
