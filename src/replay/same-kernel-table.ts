/** Whether two policies run the very same kernel functions (an override that changes nothing). */
import type { Policy } from '../model/kernel.ts';

export function sameKernelTable(a: Policy, b: Policy): boolean {
  const ka = Object.keys(a.ops);
  if (ka.length !== Object.keys(b.ops).length) return false;
  const ops = (p: Policy) => p.ops as unknown as Record<string, unknown>;
  return ka.every((k) => ops(a)[k] === ops(b)[k]);
}
