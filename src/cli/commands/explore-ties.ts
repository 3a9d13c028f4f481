/** `pinbench replay <trace> --explore-ties`: every order of events the trace leaves unordered. */
import { exploreTies } from '../../analysis/explore-ties.ts';
import { formatTies } from '../../analysis/explore-ties-text.ts';
import { UsageError } from '../../errors.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
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

export async function runExploreTies(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
): Promise<number> {
  const maxOrders = int(values, 'max-orders') ?? 1000;
  if (maxOrders < 1) throw new UsageError('--max-orders must be at least 1');
  const policies = await resolvePolicies(strs(values, 'policy'), io.cwd);
  const scenario = str(values, 'scenario');
  const all = [];
  for (const source of sources) {
    const results = await exploreTies(source, {
      policies,
      maxOrders,
      ...(scenario !== undefined ? { scenario } : {}),
      adapters: !bool(values, 'no-adapters'),
    });
    if (scenario !== undefined && results.length === 0)
      throw new UsageError(`--scenario ${scenario}: ${source} has no such scenario`);
    if (bool(values, 'json')) all.push({ trace: source, scenarios: results });
    else io.stdout.write(formatTies(source, results));
  }
  if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  return 0;
}
