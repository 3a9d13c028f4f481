/** `--no-minimize` of `report` and `run`: the report's minimised slices (api/repro-minimised.ts). */
import { ReportMinimiser } from '../../api/repro-minimised.ts';
import type { Store } from '../../store/store.ts';
import { bool, type Command, type CommandIo, type ParsedValues } from '../command.ts';

export const NO_MINIMIZE_OPTION = {
  'no-minimize': {
    type: 'boolean',
    description:
      "HTML report: do not minimise each divergence kind's example into a slice file its page links (cached; at most 10 s a report)",
  },
} as const satisfies Command['options'];

/** The minimiser of run `runId`'s report, unless `--no-minimize`. */
export function reportMinimiser(
  values: ParsedValues,
  store: Store,
  runId: number,
  io: CommandIo,
  policyTimeoutMs?: number,
): ReportMinimiser | undefined {
  if (bool(values, 'no-minimize')) return undefined;
  return new ReportMinimiser({
    store,
    runId,
    cwd: io.cwd,
    env: io.env,
    ...(policyTimeoutMs !== undefined ? { policyTimeoutMs } : {}),
  });
}

/** `; 119 minimised slice(s) (112 from the cache)`: after the line that names the report. */
export function minimisedSummary(m: ReportMinimiser | undefined): string {
  if (!m) return '';
  const c = m.counts;
  const made = c.minimised + c.cached;
  const parts = [c.cached ? `${c.cached} from the cache` : '', c.none ? `${c.none} not minimised` : ''];
  const more = parts.filter(Boolean).join(', ');
  return `; ${made} minimised slice(s)${more ? ` (${more})` : ''}`;
}
