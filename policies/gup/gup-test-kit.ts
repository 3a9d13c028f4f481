/**
 * Helpers for the GUP side's tests: run vocabulary text against a policy by id, and small
 * builders for the mappings the scenarios use. Expected values in the tests are literals from
 * facts/pinning.md, facts/io-uring.md and real-traces/README.md, never computed by the code
 * under test.
 */
import type { Outcome } from '../../src/model/outcome.ts';
import { runScript, type ScriptRun } from '../../src/model/script.ts';
import { getPolicy } from '../index.ts';

export function run(id: string, script: string): ScriptRun {
  return runScript(getPolicy(id).ops, script);
}

/** The outcome of call number `seq` (default: the last call). */
export function call(id: string, script: string, seq?: number): Outcome {
  const r = run(id, script);
  const o = seq === undefined ? r.outcomes.at(-1) : r.outcomes[seq];
  if (!o) throw new Error('script has no such call');
  return o;
}

/** The user address most scenarios map at. */
export const A = 0x7f0000000000;

/** VMA flag sets. */
export const VMF = {
  /** MAP_PRIVATE anon, PROT_READ: a COW mapping that is not writable now. */
  privateRo: 'VM_READ|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC',
  /** MAP_PRIVATE, PROT_READ|PROT_WRITE: a COW mapping. */
  privateRw: 'VM_READ|VM_WRITE|VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC|VM_ACCOUNT',
  /** Private and never writable (no VM_MAYWRITE): not a COW mapping. */
  privateNeverWritable: 'VM_READ|VM_MAYREAD',
  /** MAP_SHARED, PROT_READ|PROT_WRITE. */
  sharedRw: 'VM_READ|VM_WRITE|VM_SHARED|VM_MAYREAD|VM_MAYWRITE|VM_MAYSHARE',
} as const;

/** A VMA of `pages` pages at A. */
export function vma(flags: string, pages = 1, extra = 'backing=anon', start = A): string {
  return `pinbench_vma: start=${start} end=${start + pages * 0x1000} flags=${flags} ${extra}`;
}

/** `pages` PTEs of the zero page from A. */
export function zeroPtes(pages = 1, start = A): string {
  const out: string[] = [];
  for (let i = 0; i < pages; i++) out.push(`pinbench_pte: addr=${start + i * 0x1000} pfn=zero special=1`);
  return out.join('\n');
}

/** `pages` PTEs of consecutive declared pfns from `pfn`. */
export function ptes(pfn: number, pages = 1, opts = 'write=1', start = A): string {
  const out: string[] = [];
  for (let i = 0; i < pages; i++) out.push(`pinbench_pte: addr=${start + i * 0x1000} pfn=${pfn + i} ${opts}`);
  return out.join('\n');
}

/** The zero-page refcount after 2^21 - 1 pins of 1024 from 1: 1 + 1024 * (2^21 - 1). */
export const ZERO_REFCOUNT_ONE_PIN_LEFT = 2147482625;
