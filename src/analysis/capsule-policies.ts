/**
 * The policies a capsule is replayed against: today's versions of the policies it recorded
 * (releases, aliases and variants from today's registry; a user's module from its path), and,
 * for a user's module whose source the capsule holds, that source as it was, so a repro can
 * tell "the module changed" apart from "the bench changed".
 *
 * A module from a capsule's text is written next to where the module was (so its relative
 * imports resolve as they did), loaded, and removed; where that directory is gone, into a
 * temporary directory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { getPolicy } from '../../policies/index.ts';
import { isPinbenchError } from '../errors.ts';
import type { Policy } from '../model/kernel.ts';
import { loadPolicyModule } from '../replay/load-policies.ts';
import type { Capsule, CapsulePolicy } from './capsule.ts';

export interface CapsulePolicySet {
  policies: Policy[];
  /** Recorded policies that cannot be had today (an id the registry lost, a module gone without its source). */
  missing: { id: string; why: string }[];
  /** User modules loaded from the capsule's copy of their source (the file is gone). */
  fromCapsule: string[];
}

/** Loads a user module from the source text a capsule (or a run) kept. */
export async function loadModuleText(p: CapsulePolicy, text: string, cwd: string): Promise<Policy> {
  const near = p.source !== undefined ? dirname(resolve(cwd, p.source)) : undefined;
  const dir = near !== undefined && existsSync(near) ? near : undefined;
  const tmp = dir === undefined ? await mkdtemp(join(tmpdir(), 'pinbench-repro-')) : undefined;
  const name = `.pinbench-repro-${createHash('sha256').update(text).digest('hex').slice(0, 12)}-${basename(p.source ?? `${p.id}.ts`)}`;
  const file = join(dir ?? tmp!, name);
  await writeFile(file, text);
  try {
    return await loadPolicyModule(file, cwd);
  } finally {
    await rm(tmp ?? file, { recursive: true, force: true });
  }
}

/** Today's versions of the capsule's policies. */
export async function todaysPolicies(c: Pick<Capsule, 'policies'>, cwd: string): Promise<CapsulePolicySet> {
  const out: CapsulePolicySet = { policies: [], missing: [], fromCapsule: [] };
  for (const p of c.policies) {
    try {
      if (p.kind === 'user' && p.source !== undefined) {
        if (existsSync(resolve(cwd, p.source))) out.policies.push(await loadPolicyModule(p.source, cwd));
        else if (p.moduleText !== undefined) {
          out.policies.push(await loadModuleText(p, p.moduleText, cwd));
          out.fromCapsule.push(p.id);
        } else out.missing.push({ id: p.id, why: `module ${p.source} is gone and its source was not kept` });
      } else out.policies.push(getPolicy(p.id));
    } catch (e) {
      if (!isPinbenchError(e)) throw e;
      out.missing.push({ id: p.id, why: e.message });
    }
  }
  return out;
}

/**
 * The policies as the capsule recorded them where it can: `today` with each user module whose
 * code changed replaced by the capsule's copy of its source. Null when no module needs it.
 */
export async function recordedPolicies(
  c: Capsule,
  today: readonly Policy[],
  changed: readonly string[],
  cwd: string,
): Promise<Policy[] | null> {
  const byId = new Map(c.policies.map((p) => [p.id, p]));
  const swap = today.filter((p) => {
    const was = byId.get(p.id);
    return p.kind === 'user' && changed.includes(p.id) && was?.moduleText !== undefined;
  });
  if (swap.length === 0) return null;
  const out: Policy[] = [];
  for (const p of today) {
    const was = byId.get(p.id)!;
    out.push(swap.includes(p) ? await loadModuleText(was, was.moduleText!, cwd) : p);
  }
  return out;
}
