/**
 * Order-dependent divergences in words: a divergence whose call diverges in some orders of its
 * scenario's equal-timestamp events (on different CPUs) and not in others. The run explores
 * the orders of each diverging scenario that has such ties (api/repro-slices.ts); the terminal
 * summaries of `run` and `report` list what it found with this.
 */
import type { OrderDependentDivergence } from '../store/store.ts';

/** `1 of 2 orders` (`1 of 64 sampled orders` past the cap). */
export function orderCount(o: Pick<OrderDependentDivergence, 'diverging' | 'orders' | 'sampled'>): string {
  return `${o.diverging} of ${o.orders}${o.sampled ? ' sampled' : ''} orders`;
}

/** Lines for a terminal summary, or '' when no divergence depends on the order. */
export function formatOrderDependent(list: readonly OrderDependentDivergence[], max = 20): string {
  if (list.length === 0) return '';
  const out = [
    `order-dependent: ${list.length} divergence(s) occur in some orders of equal-timestamp events only:`,
  ];
  for (const o of list.slice(0, max))
    out.push(
      `  ${o.title ?? `${o.scenario} line ${o.line}`}  [${o.signature}]  at ${o.trace}:${o.line}, diverges in ${orderCount(o)}`,
    );
  if (list.length > max) out.push(`  ... ${list.length - max} more`);
  return `${out.join('\n')}\n`;
}
