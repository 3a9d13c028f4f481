/**
 * Minimised slices in the static report: for a kind's first occurrence (and, with `--pages all`,
 * each divergence page's), the smallest trace that still diverges that way, written as a file
 * of the report (`m/<ab>/<signature>.trace`) and linked from the page's "Reproduce" section
 * with its event counts. The report reads stored results only: the minimising is done by a
 * `SliceMinimiser` its caller gives (src/api/repro-minimised.ts), bounded in time and cached;
 * a page says so when it has no minimised slice, and why.
 */
import { reportReads } from '../store/report-queries.ts';
import type { Store, StoredDivergence } from '../store/store.ts';
import { html, type SafeHtml } from './html.ts';
import { KIND_FULL_PAGES } from './pages/kind-pages.ts';
import { relativeUrl, signatureSlug } from './report-paths.ts';

export type MinimisedSlice =
  | {
      kind: 'minimised';
      text: string;
      /** Declarations and calls of the scenario, and of the slice. */
      before: number;
      after: number;
      replays: number;
      /** false: the time budget stopped the search (smaller, but not 1-minimal). */
      complete: boolean;
    }
  /** Not minimised, and why (`budget`: the report's time budget was spent). */
  | { kind: 'none'; reason: string; budget?: boolean };

/** Makes the minimised slice of a stored divergence (the report's caller provides one). */
export interface SliceMinimiser {
  slice(d: StoredDivergence): Promise<MinimisedSlice>;
  /** Told first the divergences whose slices a report is about to ask for, in order (to read ahead). */
  prepare?(ds: readonly StoredDivergence[]): Promise<void>;
}

/**
 * The divergences whose minimised slices the kinds report links, in the order it asks for them:
 * the first occurrence of each of the `KIND_FULL_PAGES` most frequent kinds (the kind pages that
 * show their first occurrence in full). `run` makes these before its report (api/repro-minimised.ts).
 */
export async function kindSliceTargets(store: Store, runId: number): Promise<StoredDivergence[]> {
  const reads = reportReads(store);
  const kinds = (await reads.kinds(runId)).slice(0, KIND_FULL_PAGES).map((k) => k.kind);
  const firsts = await reads.kindFirsts(runId, kinds);
  return kinds.flatMap((k) => {
    const d = firsts.get(k);
    return d ? [d] : [];
  });
}

export function minimisedSlicePath(signature: string): string {
  const slug = signatureSlug(signature);
  return `m/${slug.slice(0, 2)}/${slug}.trace`;
}

/** The paragraph of a page at `here` about divergence `signature`'s minimised slice. */
export function minimisedSliceHtml(here: string, signature: string, m: MinimisedSlice): SafeHtml {
  if (m.kind === 'none')
    return html`<p class="muted">Minimised slice: none in this report (${m.reason}).</p>`;
  const href = relativeUrl(here, minimisedSlicePath(signature));
  return html`<p>Minimised slice: <a href="${href}" download><code>${minimisedSlicePath(signature).split('/').at(-1)}</code></a>, ${m.before} -> ${m.after} declarations and calls (${m.replays} replays${
    m.complete ? '' : '; stopped by its time budget, so not 1-minimal'
  }). It is a trace that diverges the same way by itself: <code>pinbench replay FILE</code>.</p>`;
}
