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
import { PolicyError, type SourceLocation } from '../errors.ts';
import { canonicalSlot, DEPRECATED_SLOT_NAMES, type Policy } from '../model/kernel.ts';
import { escapeTerminal } from '../terminal-text.ts';
import { DEFAULT_POLICY_TIMEOUT_MS, probePolicyModule } from './module-probe.ts';
import { guardOverrides, restorePrototypes, snapshotPrototypes } from './policy-guard.ts';
import { isModulePath } from './policy-spec.ts';

export interface LoadPolicyOptions {
  /** How long a module's code may run at load (ms); see module-probe.ts. */
  timeoutMs?: number;
  /** Told before each module spec is loaded (its index in the specs): a watcher's budget starts. */
  onModule?: (index: number) => void;
}

import { moduleGraphHash } from './module-graph.ts';
import { policyIdentityHash } from './policy-info.ts';

export { absoluteSpecs, isModulePath } from './policy-spec.ts';

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
    const where = e instanceof SyntaxError ? syntaxErrorLocation(e, abs, path) : undefined;
    const message = escapeTerminal(e instanceof Error ? e.message : String(e));
    throw new PolicyError(
      'PB_POLICY_LOAD',
      `${where ? 'syntax error in policy module' : `cannot load policy module ${path}`}: ${message}`,
      where ? { location: where, cause: e } : { cause: e },
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
  checkOverrideNames(def, path);
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
  for (const [i, spec] of specs.entries()) {
    if (!isModulePath(spec)) {
      out.push(getPolicy(spec));
      continue;
    }
    opts.onModule?.(i);
    out.push(await loadPolicyModule(spec, cwd, opts));
  }
  const ids = new Set<string>();
  for (const p of out) {
    if (ids.has(p.id)) throw new PolicyError('PB_POLICY', `policy '${p.id}' given twice`);
    ids.add(p.id);
  }
  return out;
}

/**
 * Where a module's syntax error is: Node's stack opens with `<file>:<line>`, the source line (a
 * line before it for TypeScript) and a caret line under the offending text (type stripping keeps
 * positions).
 */
function syntaxErrorLocation(e: SyntaxError, abs: string, shown: string): SourceLocation | undefined {
  const m = /^(.*):(\d+)\n(?:[^\n]*\n){1,3}?( *)\^+\n/.exec(e.stack ?? '');
  if (!m || (m[1] !== abs && m[1] !== pathToFileURL(abs).href)) return undefined;
  return { file: shown, line: Number(m[2]), col: m[3]!.length + 1 };
}

/** An override must name a kernel function of its base; a near miss gets a suggestion. */
function checkOverrideNames(def: PolicyModule, path: string): void {
  const base = getPolicy(def.base).ops;
  const known = Object.keys(base);
  const override = typeof def.override === 'function' ? def.override(base) : def.override;
  for (const name of Object.keys(override ?? {})) {
    // A deprecated slot name stands for the slot it was renamed to (model/kernel.ts).
    if (known.includes(canonicalSlot(name))) continue;
    const near = closest(name, [...known, ...Object.keys(DEPRECATED_SLOT_NAMES)]);
    throw new PolicyError(
      'PB_POLICY',
      `${path}: ${def.id}: override '${name}' is not a kernel function of ${def.base}${near ? ` (did you mean '${near}'?)` : ''}`,
    );
  }
}

/** The known name nearest to `word` by edit distance, if it is near enough to be a typo. */
function closest(word: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = editDistance(word.toLowerCase(), name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}
