/** `pinbench runs`: the run history in the results database, newest first. */
import type { RunInfo } from '../../store/store.ts';
import { bool, type Command, int, str } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

function when(d: Date | null): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-';
}

function revision(r: RunInfo): string {
  if (!r.gitRevision) return '-';
  return `${r.gitRevision.slice(0, 12)}${r.gitDirty ? '+dirty' : ''}`;
}

export function formatRuns(runs: readonly RunInfo[]): string {
  const rows = [
    ['ID', 'STARTED (UTC)', 'STATUS', 'CONFIG', 'POLICIES AT', 'TRACES', 'DIVERGENCES', 'FAILS'],
    ...runs.map((r) => [
      String(r.id),
      when(r.startedAt),
      r.status,
      r.configName ?? '-',
      revision(r),
      String(r.traces),
      String(r.divergences),
      String(r.failures),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const numeric = new Set([0, 5, 6, 7]);
  return `${rows
    .map((row) =>
      row
        .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'List the runs in the results database, newest first',
  details:
    'A run whose writer died (crash, kill -9) shows as incomplete; `pinbench run --resume ID` finishes it.',
  options: {
    db: DB_OPTION,
    json: { type: 'boolean', description: 'One JSON object per run (NDJSON)' },
    limit: { type: 'string', arg: 'N', description: 'Show the newest N runs only' },
    config: { type: 'string', arg: 'NAME', description: 'Only runs of this nightly config name' },
  },
  async run(values, _positionals, io) {
    const limit = int(values, 'limit');
    const configName = str(values, 'config');
    return withStore(values, io, async (store) => {
      const runs = await store.listRuns({
        ...(limit !== undefined ? { limit } : {}),
        ...(configName !== undefined ? { configName } : {}),
      });
      if (bool(values, 'json')) {
        for (const r of runs) io.stdout.write(`${JSON.stringify(r)}\n`);
      } else if (runs.length === 0) {
        io.stdout.write(`no runs in ${store.location} yet: \`pinbench run\` makes one\n`);
      } else {
        io.stdout.write(formatRuns(runs));
      }
      return 0;
    });
  },
};
