/**
 * `pinbench check`: does a candidate policy regress a known scenario against a baseline?
 * Exit 0 none, 1 regressions, 2 bad input. What a developer runs before posting a patch, and what CI runs.
 */
import { UsageError } from '../../errors.ts';
import { checkRegressions } from '../../replay/check.ts';
import { formatCheck } from '../../replay/summary.ts';
import { type Command, str } from '../command.ts';
import { corpusSources, REPLAY_OPTIONS, replayFromOptions } from './replay.ts';

const { policy: _policy, ...shared } = REPLAY_OPTIONS;

export const checkCommand: Command = {
  name: 'check',
  summary: 'Regression check: a candidate policy against a baseline over the corpus (exit 1 on regressions)',
  positionals: '[trace...]',
  details:
    'The candidate is a policy id (v6.0-rc1, post-873aefb376bb, fce831c92092-v1) or the path of your own\n' +
    'policy module (see README, "Checking a patch"). Without traces, the shipped corpus is used.',
  options: {
    candidate: { type: 'string', arg: 'ID|PATH', description: 'The policy under test (required)' },
    baseline: { type: 'string', arg: 'ID', description: 'The policy it must not regress against (required)' },
    json: { type: 'boolean', description: 'The check report as one JSON object' },
    ...shared,
  },
  async run(values, positionals, io) {
    const candidate = str(values, 'candidate');
    const baseline = str(values, 'baseline');
    if (!candidate || !baseline) throw new UsageError('--candidate and --baseline are both required');
    const sources = await corpusSources(positionals, io);
    const { policies, results } = await replayFromOptions(
      { ...values, policy: [baseline, candidate] },
      sources,
      io,
      false,
    );
    const candidateId = policies[1]!.id;
    const report = checkRegressions(
      candidateId,
      policies[0]!.id,
      results.flatMap((t) => t.scenarios.map((result) => ({ trace: t.trace, result }))),
    );
    // "no regressions" over nothing would read as a pass: checking no scenario is bad input.
    if (report.scenarios === 0) {
      const bad = results.find((r) => r.error)?.error;
      throw new UsageError(
        `no scenarios in ${sources.length === 1 ? sources[0] : `the ${sources.length} traces given`}: nothing was checked${bad ? ` (${bad.message})` : ''}`,
      );
    }
    if (values.json === true) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(formatCheck(report));
    const bad = results.find((r) => r.error);
    if (bad) {
      io.stderr.write(`pinbench check: ${bad.error!.message}\n`);
      return 2;
    }
    return report.regressions.length > 0 ? 1 : 0;
  },
};
