/**
 * A run's traces by number: trace N is the N-th distinct trace label (its source path) in the
 * run's scenario order, then any other trace of the run. Pages link the divergence list filtered
 * to a trace as `#t=N` (the list's data, data/divergences.js, holds the labels in this order and
 * its script turns N back into the label), and pages that list many rows name each trace once, in
 * a heading row: a report repeated the path in every link and row (~70,000 times for a 64 MiB
 * synthetic run), so its size grew with the length of the path the trace was recorded under.
 */
import type { ReportContext } from './report-context.ts';

interface Numbering {
  labels: string[];
  index: Map<string, number>;
}

const numberings = new WeakMap<object, Numbering>();

function numbering(ctx: Pick<ReportContext, 'scenarios'> & { traces?: ReportContext['traces'] }): Numbering {
  let n = numberings.get(ctx);
  if (!n) {
    const index = new Map<string, number>();
    const labels: string[] = [];
    const add = (label: string) => {
      if (index.has(label)) return;
      index.set(label, labels.length);
      labels.push(label);
    };
    for (const s of ctx.scenarios) add(s.trace);
    // Traces without scenarios (one that failed to read) keep a number too.
    for (const t of ctx.traces ?? []) add(t.trace);
    n = { labels, index };
    numberings.set(ctx, n);
  }
  return n;
}

/** The run's trace labels in number order. */
export function traceLabels(ctx: Pick<ReportContext, 'scenarios'>): readonly string[] {
  return numbering(ctx).labels;
}

/** The number of the trace labelled `label` in the run, or undefined for a trace not in it. */
export function traceNumber(ctx: Pick<ReportContext, 'scenarios'>, label: string): number | undefined {
  return numbering(ctx).index.get(label);
}

/**
 * A divergence-list filter for one trace: its number (`t`), or for a trace the run does not know
 * (which the list then matches nothing for) its label.
 */
export function traceFilter(ctx: Pick<ReportContext, 'scenarios'>, label: string): Record<string, string> {
  const n = traceNumber(ctx, label);
  return n === undefined ? { trace: label } : { t: String(n) };
}
