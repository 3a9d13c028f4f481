/**
 * Resolves policy specs from the command line: a registry id (`v6.1`, `pre-873aefb376bb`) or the
 * path of a user's policy module (`./my-fix.ts`), imported at runtime. A module's content hash
 * goes with it, so a triage decision can expire when the module changes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PolicyModule } from '../../policies/define-policy.ts';
import { getPolicy, policyFromModule, releases } from '../../policies/index.ts';
import { PolicyError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { moduleGraphHash } from './module-graph.ts';
import { policyIdentityHash } from './policy-info.ts';

/** A policy spec naming a module file (`./fix.ts`, `patches/fix.mjs`) rather than a registry id. */
export function isModulePath(spec: string): boolean {
  return /\.[mc]?[jt]s$/.test(spec) || spec.includes('/');
}

export async function loadPolicyModule(path: string, cwd = process.cwd()): Promise<Policy> {
  const abs = resolve(cwd, path);
  let text: Buffer;
  try {
    text = await readFile(abs);
  } catch (e) {
    throw new PolicyError('PB_POLICY_LOAD', `cannot read policy module ${path}: ${(e as Error).message}`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (e) {
    throw new PolicyError('PB_POLICY_LOAD', `cannot load policy module ${path}: ${(e as Error).message}`);
  }
  const def = mod.default as PolicyModule | undefined;
  if (def?.kind !== 'pinbench-policy') {
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `${path}: the default export must be definePolicy({...}) from policies/define-policy.ts`,
    );
  }
  // The module's whole graph (helpers it imports included) and the identity of the release it
  // builds on: a change to either expires triage decisions about this policy.
  const base = typeof def.base === 'string' ? getPolicy(def.base) : undefined;
  const hash = createHash('sha256')
    .update(text)
    .update('\0')
    .update(moduleGraphHash([abs]))
    .update('\0')
    .update(base ? policyIdentityHash(base) : '')
    .digest('hex');
  return policyFromModule(def, abs, hash);
}

/** Ids and module paths to policies; no specs means every release. */
export async function resolvePolicies(specs: readonly string[], cwd = process.cwd()): Promise<Policy[]> {
  if (specs.length === 0) return releases();
  const out: Policy[] = [];
  for (const spec of specs)
    out.push(isModulePath(spec) ? await loadPolicyModule(spec, cwd) : getPolicy(spec));
  const ids = new Set<string>();
  for (const p of out) {
    if (ids.has(p.id)) throw new PolicyError('PB_POLICY', `policy '${p.id}' given twice`);
    ids.add(p.id);
  }
  return out;
}
