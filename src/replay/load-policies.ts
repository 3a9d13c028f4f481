/**
 * Resolves policy specs from the command line: a registry id (`v6.1`, `pre-873aefb376bb`) or the
 * path of a user's policy module (`./my-fix.ts`), imported at runtime. A module's content hash
 * goes with it, so a triage decision can expire when the module changes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type { PolicyModule } from '../../policies/define-policy.ts';
import { getPolicy, policyFromModule, releases } from '../../policies/index.ts';
import { PolicyError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { escapeTerminal } from '../terminal-text.ts';
import { DEFAULT_POLICY_TIMEOUT_MS, probePolicyModule } from './module-probe.ts';
import { guardOverrides, restorePrototypes, snapshotPrototypes } from './policy-guard.ts';

export interface LoadPolicyOptions {
  /** How long a module's code may run at load (ms); see module-probe.ts. */
  timeoutMs?: number;
}

/** A policy spec naming a module file (`./fix.ts`, `patches/fix.mjs`) rather than a registry id. */
export function isModulePath(spec: string): boolean {
  return /\.[mc]?[jt]s$/.test(spec) || spec.includes('/');
}

export async function loadPolicyModule(
  path: string,
  cwd = process.cwd(),
  opts: LoadPolicyOptions = {},
): Promise<Policy> {
  const abs = resolve(cwd, path);
  let text: Buffer;
  try {
    text = await readFile(abs);
  } catch (e) {
    throw new PolicyError('PB_POLICY_LOAD', `cannot read policy module ${path}: ${(e as Error).message}`);
  }
  const url = pathToFileURL(abs).href;
  // The main thread imports a module only once a watched worker has loaded it; replay workers
  // are themselves watched (replay-corpus.ts).
  if (isMainThread) await probePolicyModule(path, cwd, opts.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
  let mod: { default?: unknown };
  const snap = snapshotPrototypes();
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (e) {
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `cannot load policy module ${path}: ${escapeTerminal(e instanceof Error ? e.message : String(e))}`,
    );
  }
  const changes = restorePrototypes(snap);
  if (changes.length) {
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `policy module ${path}: changes shared prototypes at load: ${changes.join(', ')}`,
    );
  }
  const def = mod.default as PolicyModule | undefined;
  if (def?.kind !== 'pinbench-policy') {
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `${path}: the default export must be definePolicy({...}) from policies/define-policy.ts`,
    );
  }
  const hash = createHash('sha256').update(text).digest('hex');
  return policyFromModule(guardOverrides(def), abs, hash);
}

/** Ids and module paths to policies; no specs means every release. */
export async function resolvePolicies(
  specs: readonly string[],
  cwd = process.cwd(),
  opts: LoadPolicyOptions = {},
): Promise<Policy[]> {
  if (specs.length === 0) return releases();
  const out: Policy[] = [];
  for (const spec of specs)
    out.push(isModulePath(spec) ? await loadPolicyModule(spec, cwd, opts) : getPolicy(spec));
  const ids = new Set<string>();
  for (const p of out) {
    if (ids.has(p.id)) throw new PolicyError('PB_POLICY', `policy '${p.id}' given twice`);
    ids.add(p.id);
  }
  return out;
}
