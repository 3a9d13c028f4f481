/**
 * Reporters in the manner of vitest's: one interface of optional hooks, driven by one function
 * over one result model (a run read back from the store). A reporter sees the run's small data
 * first (`onRunStart`), then, only if it asks for them by having `onDivergences`, every
 * divergence in list order a page at a time (a run may have 100k: none holds them all), then
 * `onRunEnd`. Reporters never touch the database themselves.
 */
import { reportReads } from '../store/report-queries.ts';
import type { Store, StoredDivergence } from '../store/store.ts';
import { type LoadContextOptions, loadReportContext, type ReportContext } from './report-context.ts';

export interface Reporter {
  readonly name: string;
  onRunStart?(ctx: ReportContext): void | Promise<void>;
  /** Divergences in list order (trace, matrix, scenario, seq), in pages. */
  onDivergences?(rows: readonly StoredDivergence[], ctx: ReportContext): void | Promise<void>;
  onRunEnd?(ctx: ReportContext): void | Promise<void>;
}

export interface RunReportersOptions extends LoadContextOptions {
  /** Divergences per page read from the store (default 1000). */
  pageSize?: number;
}

/** Reads run `runId` once and feeds every reporter. */
export async function runReporters(
  store: Store,
  runId: number,
  reporters: readonly Reporter[],
  opts: RunReportersOptions = {},
): Promise<ReportContext> {
  const ctx = await loadReportContext(store, runId, opts);
  for (const r of reporters) await r.onRunStart?.(ctx);
  const streaming = reporters.filter((r) => r.onDivergences);
  if (streaming.length > 0) {
    for await (const rows of reportReads(store).streamDivergences(runId, opts.pageSize ?? 5000)) {
      for (const r of streaming) await r.onDivergences!(rows, ctx);
    }
  }
  for (const r of reporters) await r.onRunEnd?.(ctx);
  return ctx;
}
