/**
 * The release lists (policies/releases.ts) against the family versions: every mainline id v5.4 ..
 * v7.2 is listed by `pinbench policies --all` and resolves; the default run set is the releases at
 * which a modelled family changes, except the change points named below, plus v5.10 (Debian
 * bullseye) and the ids the default set kept from before (v5.18, v6.0). A new family
 * version whose first release is in neither list fails here, so adding one is a decision: put its
 * release in RELEASE_IDS (and state a verdict for it in every corpus trace) or name it below.
 */
import { describe, expect, it } from 'vitest';
import {
  allPolicies,
  FAMILY_VERSIONS,
  getPolicy,
  MAINLINE_IDS,
  RELEASE_IDS,
  releases,
} from '../policies/index.ts';

/**
 * Change points that resolve when named but are not replayed by default (no corpus verdicts yet);
 * v6.2-rc1 (vma-checks f347454d0341) is replayed as part of v6.2.
 */
const CHANGE_POINTS_NOT_DEFAULT = [
  'v5.7',
  'v5.8',
  'v5.9',
  'v5.11',
  'v5.12',
  'v5.14',
  'v6.2-rc1',
  'v6.6',
  'v6.14',
  'v6.17',
];
/** Default ids at which no modelled family changes (kept from the default set of issue 14). */
const DEFAULT_WITHOUT_CHANGE = ['v5.18', 'v6.0'];

const changePoints = [...new Set(FAMILY_VERSIONS.flatMap((v) => (v.release ? [v.release] : [])))];

describe('release lists', () => {
  it('lists and resolves every mainline id v5.4 .. v7.2', () => {
    const listed = new Set(allPolicies().map((p) => p.id));
    const want = [
      ...Array.from({ length: 16 }, (_, i) => `v5.${i + 4}`),
      ...Array.from({ length: 20 }, (_, i) => `v6.${i}`),
      'v7.0',
      'v7.1',
      'v7.2',
    ];
    for (const id of want) {
      expect(MAINLINE_IDS, id).toContain(id);
      expect(listed.has(id), id).toBe(true);
      expect(getPolicy(id).kind, id).toBe('release');
    }
  });

  it('the default set is the change points (less the named ones), v5.10 and the kept ids', () => {
    const expected = new Set([
      ...changePoints.filter((r) => !CHANGE_POINTS_NOT_DEFAULT.includes(r)),
      'v5.10',
      ...DEFAULT_WITHOUT_CHANGE,
    ]);
    expect(new Set(RELEASE_IDS)).toEqual(expected);
    expect(releases().map((p) => p.id)).toEqual([...RELEASE_IDS]);
  });

  it('the named exceptions are real: change points outside the default set, or default ids without a change', () => {
    for (const r of CHANGE_POINTS_NOT_DEFAULT) {
      expect(changePoints, r).toContain(r);
      expect(RELEASE_IDS as readonly string[], r).not.toContain(r);
    }
    for (const r of DEFAULT_WITHOUT_CHANGE) expect(changePoints, r).not.toContain(r);
  });

  it('v7.x: v7.1 is a change point in the default set, v7.0 and v7.2 change nothing and resolve when named', () => {
    expect(changePoints).toContain('v7.1');
    expect(changePoints).not.toContain('v7.0');
    expect(changePoints).not.toContain('v7.2');
    expect(RELEASE_IDS as readonly string[]).toContain('v7.1');
  });
});
