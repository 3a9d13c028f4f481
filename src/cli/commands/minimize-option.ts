/** `--no-minimize` of `report` and `run`: the report's minimised slices (api/repro-minimised.ts). */
import { ReportMinimiser } from '../../api/repro-minimised.ts';
import type { Store } from '../../store/store.ts';
import { bool, type Command, type CommandIo, type ParsedValues } from '../command.ts';

export const NO_MINIMIZE_OPTION = {
  'no-minimize': {
    type: 'boolean',
    description:
      "HTML report: do not minimise each divergence kind's example into a slice file its page links (cached; at most 10 s a report; run makes them before its report, at most 60 s)",
  },
} as const satisfies Command['options'];

/** The minimiser of run `runId`'s report, unless `--no-minimize`. */
export function reportMinimiser(
  values: ParsedValues,
  store: Store,
  runId: number,
  io: CommandIo,
  policyTimeoutMs?: number,
  /** `run`'s own budget for the slices it makes before its report (RUN_TOTAL_BUDGET_MS). */
  run?: { totalBudgetMs: number; workers: number },
): ReportMinimiser | undefined {
  if (bool(values, 'no-minimize')) return undefined;
  return new ReportMinimiser({
    store,
    runId,
    cwd: io.cwd,
    env: io.env,
    ...(policyTimeoutMs !== undefined ? { policyTimeoutMs } : {}),
    ...(run
      ? {
          totalBudgetMs: run.totalBudgetMs,
          budgetOwner: "the run's",
          retryIncomplete: true,
          workers: run.workers,
        }
      : {}),
  });
}

/** `; 119 minimised slice(s) (112 from the cache)`: after the line that names the report. */
export function minimisedSummary(m: ReportMinimiser | undefined): string {
  return m ? `; ${minimisedCounts(m)}` : '';
}

/** `119 minimised slice(s) (112 from the cache, 1 not minimised)`. */
export function minimisedCounts(m: ReportMinimiser): string {
  const c = m.counts;
  const made = c.minimised + c.cached;
  const parts = [c.cached ? `${c.cached} from the cache` : '', c.none ? `${c.none} not minimised` : ''];
  const more = parts.filter(Boolean).join(', ');
  return `${made} minimised slice(s)${more ? ` (${more})` : ''}`;
}
