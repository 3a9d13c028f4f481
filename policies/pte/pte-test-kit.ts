/**
 * Helpers for the page-table side's tests: run vocabulary text against a policy by id and read
 * back outcomes and final checks. Expected values in the tests are literals from
 * facts/insert-pfnmap.md, never computed by the code under test.
 */
import { runScript, type ScriptRun } from '../../src/model/script.ts';
import { getPolicy } from '../index.ts';

export function run(id: string, script: string): ScriptRun {
  return runScript(getPolicy(id).ops, script);
}

/** The last call's outcome of a script. */
export function last(id: string, script: string): ScriptRun['outcomes'][number] {
  const r = run(id, script);
  const o = r.outcomes.at(-1);
  if (!o) throw new Error('script has no call');
  return o;
}

/** VMA flag sets used across the tests. */
export const FLAGS = {
  /** MAP_SHARED, PROT_READ, opened read-only: can never be writable (the ring-buffer meta-page). */
  sharedNeverWritable: 'VM_READ|VM_SHARED|VM_MAYREAD|VM_MAYSHARE',
  /** MAP_SHARED, PROT_READ|PROT_WRITE. */
  sharedWritable: 'VM_READ|VM_WRITE|VM_SHARED|VM_MAYREAD|VM_MAYWRITE|VM_MAYSHARE',
  /** MAP_PRIVATE, PROT_READ|PROT_WRITE: a COW mapping. */
  private: 'VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE',
} as const;

/** Release ids grouped by the zeropage-insert / normal-page state they carry. */
export const V0 = ['v5.13', 'v6.0', 'v6.10'] as const;
export const V1 = ['v6.11', 'v6.12'] as const;
export const V3 = ['v6.15'] as const;
export const V4 = ['v6.18', 'v6.19'] as const;
export const SINCE_V6_11 = [...V1, ...V3, ...V4] as const;
