/**
 * The policy registry: releases composed from family versions, `pre-<commit>` / `post-<commit>`
 * aliases for every commit a family version names, unreleased variants, and user modules built
 * on any of them.
 */
import { PolicyError } from '../src/errors.ts';
import { type FlagNumbering, flagNumbering } from '../src/model/flags.ts';
import {
  canonicalSlot,
  composeKernel,
  FAMILIES,
  type Family,
  type FamilyVersion,
  type Kernel,
  type Policy,
} from '../src/model/kernel.ts';
import { parseKernelVersion } from '../src/model/kernel-version.ts';
import type { PolicyModule } from './define-policy.ts';
import { GUP_FAMILY_VERSIONS, GUP_VARIANTS } from './gup/index.ts';
import { PTE_FAMILY_VERSIONS, PTE_VARIANTS } from './pte/index.ts';
import { MAINLINE_IDS, RELEASE_IDS, releaseKey, versionsAt } from './releases.ts';
import type { VariantSpec } from './variant.ts';

export { MAINLINE_IDS, RELEASE_IDS } from './releases.ts';
export const FAMILY_VERSIONS: readonly FamilyVersion[] = [...GUP_FAMILY_VERSIONS, ...PTE_FAMILY_VERSIONS];
export const VARIANTS: readonly VariantSpec[] = [...GUP_VARIANTS, ...PTE_VARIANTS];

// One function per numbering column, so that releases sharing a numbering keep identical tables
// (replay steps such twins once).
const numberingSlots = new Map<FlagNumbering, () => FlagNumbering>();

/** The gupFlagNumbering slot of a release: its own FOLL_* numbering, whatever family versions it uses. */
function numberingSlot(release: string): () => FlagNumbering {
  const col = flagNumbering(parseKernelVersion(release));
  let slot = numberingSlots.get(col);
  if (!slot) {
    slot = () => col;
    numberingSlots.set(col, slot);
  }
  return slot;
}

/** Every slot some family version provides, with the first version (in list order) that does. */
const SLOT_ORIGIN: ReadonlyMap<string, FamilyVersion> = (() => {
  const out = new Map<string, FamilyVersion>();
  for (const v of FAMILY_VERSIONS)
    for (const name of Object.keys(v.ops)) if (!out.has(name)) out.set(name, v);
  return out;
})();

// One stub per slot, shared by every table that lacks it (so identical tables stay identical).
const stubs = new Map<string, (...args: unknown[]) => never>();

/**
 * The explicit stub for a slot a composition does not have: calling it (a patch reaching for a
 * kernel function its base release lacks, e.g. `base.vmMixedZeropageAllowed` on v6.10) fails
 * with a PolicyError that says so, instead of a TypeError from an undefined entry.
 */
function missingSlot(name: string): (...args: unknown[]) => never {
  let stub = stubs.get(name);
  if (!stub) {
    const origin = SLOT_ORIGIN.get(name);
    const first = origin
      ? ` (first provided by ${origin.family} ${origin.id}, ${origin.release ?? 'unreleased'})`
      : '';
    stub = () => {
      throw new PolicyError('PB_POLICY', `kernel function ${name}() does not exist in this release${first}`);
    };
    stubs.set(name, stub);
  }
  return stub;
}

/** Stubs for every known slot the versions leave out. */
function stubsFor(versions: readonly FamilyVersion[]): Partial<Kernel> {
  const have = new Set(versions.flatMap((v) => Object.keys(v.ops)));
  const out: Record<string, unknown> = {};
  for (const name of SLOT_ORIGIN.keys()) if (!have.has(name)) out[name] = missingSlot(name);
  return out as Partial<Kernel>;
}

function build(
  id: string,
  kind: Policy['kind'],
  title: string,
  scopeRelease: string,
  versions: Record<Family, FamilyVersion>,
  extra: Partial<Policy> = {},
  overrides: Partial<Kernel> = {},
): Policy {
  const ordered = FAMILIES.map((f) => versions[f]);
  return Object.freeze({
    id,
    kind,
    title,
    scopeRelease,
    versions: Object.freeze({ ...versions }),
    overrides: Object.keys(overrides),
    ...extra,
    ops: composeKernel(ordered, {
      ...stubsFor(ordered),
      gupFlagNumbering: numberingSlot(scopeRelease),
      ...overrides,
    }),
  });
}

const cache = new Map<string, Policy>();

function releasePolicy(id: string): Policy {
  return build(id, 'release', `Linux ${id}`, id, versionsAt(id, FAMILY_VERSIONS));
}

/** The mainline release just before `release` (the base of pre-<commit>). */
function previousRelease(release: string): string | undefined {
  const key = releaseKey(release);
  let prev: string | undefined;
  for (const r of MAINLINE_IDS) if (releaseKey(r) < key) prev = r;
  return prev;
}

/**
 * `pre-X` is the release before X's first release; `post-X` is pre-X with every family version
 * that names commit X applied (a commit may change several families, e.g. fce831c92092 changes
 * zeropage-insert and normal-page).
 */
function aliasPolicies(): Policy[] {
  const byCommit = new Map<string, FamilyVersion[]>();
  for (const v of FAMILY_VERSIONS) {
    if (!v.commit || v.release === null) continue;
    const list = byCommit.get(v.commit) ?? [];
    list.push(v);
    byCommit.set(v.commit, list);
  }
  const out: Policy[] = [];
  for (const [commit, versions] of byCommit) {
    const first = versions[0]!;
    const before = previousRelease(first.release!);
    if (!before) continue;
    const pre = versionsAt(before, FAMILY_VERSIONS);
    const post = { ...pre };
    for (const v of versions) post[v.family] = v;
    const meta = {
      commit,
      subject: first.subject,
      summary: versions.map((v) => v.summary).join(' '),
      ...(first.link ? { link: first.link } : {}),
    };
    out.push(build(`pre-${commit}`, 'alias', `${before} (just before ${commit})`, before, pre, meta));
    out.push(
      build(`post-${commit}`, 'alias', `${before} + ${commit} ${first.subject}`, first.release!, post, meta),
    );
  }
  return out;
}

function variantPolicy(spec: VariantSpec): Policy {
  const versions = { ...versionsAt(spec.base, FAMILY_VERSIONS) };
  for (const v of spec.replace) versions[v.family] = v;
  return build(spec.id, 'variant', spec.title, spec.base, versions, {
    summary: spec.summary,
    ...(spec.commit ? { commit: spec.commit } : {}),
  });
}

function ensureLoaded(): void {
  if (cache.size > 0) return;
  for (const id of MAINLINE_IDS) cache.set(id, releasePolicy(id));
  for (const p of aliasPolicies()) if (!cache.has(p.id)) cache.set(p.id, p);
  // Variants win over derived aliases of the same id (pre-10d83d7781a8 is v6.12 minus that commit).
  for (const spec of VARIANTS) cache.set(spec.id, variantPolicy(spec));
}

/** Release policies, in release order: what a run replays by default. */
export function releases(): Policy[] {
  ensureLoaded();
  return RELEASE_IDS.map((id) => cache.get(id)!);
}

/** Every known policy: every mainline release (in order), then aliases and variants. */
export function allPolicies(): Policy[] {
  ensureLoaded();
  return [...cache.values()];
}

export function getPolicy(id: string): Policy {
  ensureLoaded();
  const p = cache.get(id);
  if (p) return p;
  const near = [...cache.keys()].filter((k) => k.includes(id) || id.includes(k)).slice(0, 5);
  throw new PolicyError(
    'PB_POLICY',
    `unknown policy '${id}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; 'pinbench policies' lists them`,
  );
}

/** Builds a user's policy module onto the release or alias it names. */
export function policyFromModule(mod: PolicyModule, source?: string, moduleHash?: string): Policy {
  const base = getPolicy(mod.base);
  const given = typeof mod.override === 'function' ? mod.override(base.ops) : mod.override;
  if (typeof given !== 'object' || given === null)
    throw new PolicyError('PB_POLICY', `${mod.id}: override(base) must return an object of kernel functions`);
  // A deprecated slot name (kernel.ts: DEPRECATED_SLOT_NAMES) overrides the slot it was renamed to.
  const override: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(given)) {
    const slot = canonicalSlot(name);
    if (!Object.hasOwn(base.ops, slot))
      throw new PolicyError('PB_POLICY', `${mod.id}: override '${name}' is not a kernel function`);
    if (Object.hasOwn(override, slot))
      throw new PolicyError(
        'PB_POLICY',
        `${mod.id}: overrides '${name}' and '${slot}' name the same kernel function`,
      );
    override[slot] = fn;
  }
  const extra: Partial<Policy> = {};
  if (mod.commit) extra.commit = mod.commit;
  if (mod.subject) extra.subject = mod.subject;
  if (mod.summary) extra.summary = mod.summary;
  if (source) extra.source = source;
  if (moduleHash) extra.moduleHash = moduleHash;
  const versions = base.versions as Record<Family, FamilyVersion>;
  const baseOverrides: Partial<Kernel> = {};
  // A user module built on another user-like policy keeps that policy's overrides under its own.
  for (const n of base.overrides) (baseOverrides as Record<string, unknown>)[n] = base.ops[n as keyof Kernel];
  return build(mod.id, 'user', mod.title ?? `${mod.base} + ${mod.id}`, base.scopeRelease, versions, extra, {
    ...baseOverrides,
    ...(override as Partial<Kernel>),
  });
}
