import { describe, expect, it } from 'vitest';
import type { PolicyInfo } from '../store/store.ts';
import {
  classTransitions,
  compressPolicySet,
  divergenceFamilies,
  groupByVerdicts,
  groupLabel,
} from './policy-classes.ts';

const ORDER = ['v5.4', 'v5.6', 'v5.13', 'v5.18', 'v5.19-rc1', 'v5.19-rc4', 'v5.19', 'v6.0-rc1', 'v6.0-rc3'];

function policy(id: string, ord: number, pinnable: string, vfio = '19fed0dae94d'): PolicyInfo {
  return {
    id,
    ord,
    kind: 'release',
    title: `Linux ${id}`,
    scopeRelease: id,
    moduleHash: id,
    sourceHash: null,
    source: null,
    commit: null,
    subject: null,
    summary: null,
    link: null,
    families: {
      pinnable: { id: pinnable, commit: /^[0-9a-f]{12}$/.test(pinnable) ? pinnable : null, release: null },
      'vfio-type1': { id: vfio, commit: vfio, release: 'v5.6' },
    },
    overrides: [],
  };
}

describe('compressPolicySet', () => {
  it('names runs of consecutive policies by their ends', () => {
    expect(compressPolicySet(['v5.13', 'v5.18', 'v5.19-rc4', 'v5.19', 'v6.0-rc3'], ORDER)).toBe(
      'v5.13, v5.18, v5.19-rc4, v5.19, v6.0-rc3',
    );
    expect(compressPolicySet(['v5.4', 'v5.6', 'v5.13', 'v6.0-rc3'], ORDER)).toBe('v5.4–v5.13, v6.0-rc3');
    expect(compressPolicySet(['v6.0-rc1', 'observed', 'v5.19-rc1'], ORDER)).toBe(
      'v5.19-rc1, v6.0-rc1, observed',
    );
  });
});

describe('groupByVerdicts', () => {
  it('puts policies with identical verdict vectors together, in run order', () => {
    const vectors = new Map([
      ['a', ['pass', 'fail'] as const],
      ['b', ['pass', 'pass'] as const],
      ['c', ['pass', 'fail'] as const],
      ['d', [null, 'pass'] as const],
    ]);
    const groups = groupByVerdicts(['a', 'b', 'c', 'd'], vectors);
    expect(groups.map((g) => [g.label, g.policies])).toEqual([
      ['A', ['a', 'c']],
      ['B', ['b']],
      ['C', ['d']],
    ]);
    expect(groups[0]!.counts).toMatchObject({ pass: 1, fail: 1 });
    expect(groupLabel(25)).toBe('Z');
    expect(groupLabel(26)).toBe('AA');
  });
});

describe('classTransitions', () => {
  it('finds the steps in run order where the class changes, and the families that change there', () => {
    const policies = [
      policy('v5.18', 0, '9afaf30f7a1a'),
      policy('v5.19-rc1', 1, '1c563432588d'),
      policy('v5.19', 2, '034e5afad921'),
      policy('v6.0-rc1', 3, 'f25cbb7a95a2'),
      policy('v6.0-rc3', 4, 'fcab34b433e2'),
      policy('v6.0-rc5', 5, 'fcab34b433e2', '873aefb376bb'),
    ];
    const classes = [
      ['v5.18', 'v5.19', 'v6.0-rc3', 'v6.0-rc5'],
      ['v5.19-rc1', 'v6.0-rc1'],
    ];
    const ts = classTransitions(classes, policies);
    expect(ts.map((t) => `${t.from}->${t.to}`)).toEqual([
      'v5.18->v5.19-rc1',
      'v5.19-rc1->v5.19',
      'v5.19->v6.0-rc1',
      'v6.0-rc1->v6.0-rc3',
    ]);
    expect(ts[0]!.families).toEqual([
      { family: 'pinnable', from: '9afaf30f7a1a', to: '1c563432588d', commit: '1c563432588d' },
    ]);
    // v6.0-rc3 -> v6.0-rc5 changes vfio-type1 but stays in one class: not a transition.
    expect(divergenceFamilies(ts)).toEqual(['pinnable']);
  });
});
