/**
 * `pinbench check`: does a candidate policy regress a known scenario against a baseline?
 * Exit 0 none, 1 regressions, 2 bad input. What a developer runs before posting a patch, and what CI runs.
 */
import { UsageError } from '../../errors.ts';
import { checkRegressions } from '../../replay/check.ts';
import type { TraceReplayResult } from '../../replay/results.ts';
import { formatCheck } from '../../replay/summary.ts';
import { escapeTerminal } from '../../terminal-text.ts';
import { type Command, str } from '../command.ts';
import { corpusSources, REPLAY_OPTIONS, replayFromOptions } from './replay.ts';

const { policy: _policy, ...shared } = REPLAY_OPTIONS;

/** `trace scenario policy: reason` of every `error` verdict of the given policies. */
function erroredScenarios(results: readonly TraceReplayResult[], policies: readonly string[]): string[] {
  return results.flatMap((t) =>
    t.scenarios.flatMap((s) =>
      s.verdicts
        .filter((v) => v.verdict === 'error' && policies.includes(v.policy))
        .map((v) => `${t.trace} ${s.scenario} ${v.policy}: ${v.reason ?? 'error'}`),
    ),
  );
}

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
    if (report.scenarios === 0 && !results.some((r) => r.error)) {
      throw new UsageError(
        `no scenarios in ${sources.length === 1 ? sources[0] : `the ${sources.length} traces given`}: nothing was checked`,
      );
    }
    if (values.json === true) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(formatCheck(report));
    const bad = results.find((r) => r.error);
    if (bad) {
      io.stderr.write(`pinbench check: ${bad.error!.message}\n`);
      return 2;
    }
    // A scenario either side could not replay decides nothing: the check is not valid (exit 2).
    const errored = erroredScenarios(results, [policies[0]!.id, candidateId]);
    if (errored.length) {
      io.stderr.write(
        `pinbench check: ${errored.length} scenario(s) ended in error (the check is not valid), e.g. ${escapeTerminal(errored[0]!)}\n`,
      );
      return 2;
    }
    return report.regressions.length > 0 ? 1 : 0;
  },
};
