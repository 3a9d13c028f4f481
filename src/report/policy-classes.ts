/**
 * Policies seen through their results: groups of policies with identical verdict vectors (the
 * matrix's column groups), compact names for a set of policies (`v5.13–v5.18, v6.0-rc3` by run
 * order), and where a divergence's behaviour changes: walking the policies in run (release)
 * order, each step from one class to another is a transition, and the families whose version
 * differs across that step are the code the divergence points at.
 */
import type { Verdict } from '../replay/results.ts';
import type { PolicyInfo } from '../store/store.ts';

export interface PolicyGroup {
  /** `A`, `B`, ... in order of the group's first policy. */
  label: string;
  policies: string[];
  counts: Record<Verdict, number>;
}

export interface FamilyChange {
  family: string;
  from: string | null;
  to: string | null;
  /** The commit of the version stepped to (or from, stepping back). */
  commit: string | null;
}

export interface Transition {
  from: string;
  to: string;
  fromClass: number;
  toClass: number;
  families: FamilyChange[];
}

export function groupLabel(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/**
 * Groups policies whose verdicts agree on every scenario. `vectors` maps a policy id to its
 * verdicts in scenario order (null where it has none). Groups keep run order among themselves
 * (by their first policy) and inside.
 */
export function groupByVerdicts(
  policies: readonly string[],
  vectors: ReadonlyMap<string, readonly (Verdict | null)[]>,
): PolicyGroup[] {
  const byKey = new Map<string, PolicyGroup>();
  const groups: PolicyGroup[] = [];
  for (const id of policies) {
    const v = vectors.get(id) ?? [];
    const key = v.map((x) => x ?? '-').join(',');
    let g = byKey.get(key);
    if (!g) {
      g = {
        label: groupLabel(groups.length),
        policies: [],
        counts: { pass: 0, fail: 0, inconclusive: 0, unsupported: 0, error: 0 },
      };
      for (const x of v) if (x) g.counts[x]++;
      byKey.set(key, g);
      groups.push(g);
    }
    g.policies.push(id);
  }
  return groups;
}

/**
 * A short name for a set of policies: runs of consecutive policies (in `order`) as `first–last`,
 * e.g. `v5.4–v5.6, v6.0-rc3`. Ids not in `order` (such as `observed`) come last as they are.
 */
export function compressPolicySet(ids: readonly string[], order: readonly string[]): string {
  const pos = new Map(order.map((id, i) => [id, i]));
  const known = ids.filter((id) => pos.has(id)).sort((a, b) => pos.get(a)! - pos.get(b)!);
  const unknown = ids.filter((id) => !pos.has(id));
  const parts: string[] = [];
  let i = 0;
  while (i < known.length) {
    let j = i;
    while (j + 1 < known.length && pos.get(known[j + 1]!)! === pos.get(known[j]!)! + 1) j++;
    if (j === i) parts.push(known[i]!);
    else if (j === i + 1) parts.push(known[i]!, known[j]!);
    else parts.push(`${known[i]}–${known[j]}`);
    i = j + 1;
  }
  return [...parts, ...unknown].join(', ');
}

/**
 * Steps between consecutive policies (run order) that land in different classes, with the
 * families whose version differs across each step. Policies in no class (unsupported, or not
 * in this divergence) are skipped over.
 */
export function classTransitions(
  classes: readonly (readonly string[])[],
  policies: readonly PolicyInfo[],
): Transition[] {
  const classOf = new Map<string, number>();
  classes.forEach((c, i) => {
    for (const p of c) classOf.set(p, i);
  });
  const ordered = policies.filter((p) => classOf.has(p.id));
  const out: Transition[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const a = ordered[i - 1]!;
    const b = ordered[i]!;
    const ca = classOf.get(a.id)!;
    const cb = classOf.get(b.id)!;
    if (ca === cb) continue;
    const names = [...new Set([...Object.keys(a.families), ...Object.keys(b.families)])];
    const families: FamilyChange[] = [];
    for (const f of names) {
      const va = a.families[f];
      const vb = b.families[f];
      if ((va?.id ?? null) === (vb?.id ?? null)) continue;
      families.push({
        family: f,
        from: va?.id ?? null,
        to: vb?.id ?? null,
        commit: vb?.commit ?? va?.commit ?? null,
      });
    }
    out.push({ from: a.id, to: b.id, fromClass: ca, toClass: cb, families });
  }
  return out;
}

/** The families a divergence points at: every family changed at one of its transitions. */
export function divergenceFamilies(transitions: readonly Transition[]): string[] {
  const set = new Set<string>();
  for (const t of transitions) for (const f of t.families) set.add(f.family);
  return [...set].sort();
}

/**
 * Memoizes families per class partition: a run with 100k divergences has few distinct
 * partitions, so each is worked out once.
 */
export class FamilyResolver {
  private readonly policies: readonly PolicyInfo[];
  private readonly cache = new Map<string, string[]>();

  constructor(policies: readonly PolicyInfo[]) {
    this.policies = policies;
  }

  families(classes: readonly (readonly string[])[]): string[] {
    const key = classes.map((c) => c.join(',')).join('|');
    let f = this.cache.get(key);
    if (!f) {
      f = divergenceFamilies(classTransitions(classes, this.policies));
      this.cache.set(key, f);
    }
    return f;
  }
}
