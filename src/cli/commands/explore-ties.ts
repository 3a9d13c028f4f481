/** `pinbench replay <trace> --explore-ties`: every order of events the trace leaves unordered. */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { isModulePath } from '../../replay/policy-spec.ts';
import { bool, type Command, type CommandIo, int, type ParsedValues, str, strs } from '../command.ts';

export const EXPLORE_TIES_OPTIONS = {
  'explore-ties': {
    type: 'boolean',
    description:
      'Replay every order of events with equal timestamps on different CPUs; Always/Sometimes/Never per verdict and divergence',
  },
  'max-orders': {
    type: 'string',
    arg: 'N',
    description: 'With --explore-ties: orders per scenario before sampling',
    default: '1000',
  },
  scenario: { type: 'string', arg: 'NAME', description: 'With --explore-ties: only this scenario' },
} as const satisfies Command['options'];

/** `--policy-timeout-ms` (declared by replay's options). */
function timeoutMs(values: ParsedValues): number {
  const ms = int(values, 'policy-timeout-ms') ?? 0;
  if (ms < 1) throw new UsageError('--policy-timeout-ms must be at least 1');
  return ms;
}

export async function runExploreTies(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
): Promise<number> {
  const maxOrders = int(values, 'max-orders') ?? 1000;
  if (maxOrders < 1) throw new UsageError('--max-orders must be at least 1');
  // Loaded when asked for: `replay` and `check`, which import this file for its options, start faster.
  const { formatTies } = await import('../../analysis/explore-ties-text.ts');
  const { exploreTraceTies, tieExplorer } = await import('../../analysis/tie-explorer.ts');
  // A user's module runs in a watched worker (--policy-timeout-ms), as replay runs it.
  const explorer = await tieExplorer({
    specs: strs(values, 'policy').map((s) => (isModulePath(s) ? resolve(io.cwd, s) : s)),
    cwd: io.cwd,
    maxOrders,
    ...(values['policy-timeout-ms'] !== undefined ? { policyTimeoutMs: timeoutMs(values) } : {}),
  });
  const scenario = str(values, 'scenario');
  const all = [];
  try {
    for (const source of sources) {
      const results = await exploreTraceTies(source, explorer, {
        ...(scenario !== undefined ? { scenario } : {}),
        adapters: !bool(values, 'no-adapters'),
      });
      if (scenario !== undefined && results.length === 0)
        throw new UsageError(`--scenario ${scenario}: ${source} has no such scenario`);
      if (bool(values, 'json')) all.push({ trace: source, scenarios: results });
      else io.stdout.write(formatTies(source, results));
    }
  } finally {
    await explorer.close();
  }
  if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  return 0;
}
