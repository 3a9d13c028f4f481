/** `pinbench replay`: traces against policies; a summary, or the NDJSON contract with --json. */
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { findCorpusFiles } from '../../ingest/index.ts';
import { expandMatrix, parseConfigOverrides } from '../../replay/config-overrides.ts';
import { isModulePath, resolvePolicies } from '../../replay/load-policies.ts';
import { writeNdjson } from '../../replay/ndjson.ts';
import { replayCorpus } from '../../replay/replay-corpus.ts';
import { formatSummary, hasInputErrors } from '../../replay/summary.ts';
import { bool, type Command, type CommandIo, int, type ParsedValues, strs } from '../command.ts';
import { EXPLORE_TIES_OPTIONS, runExploreTies } from './explore-ties.ts';

export const REPLAY_OPTIONS = {
  policy: {
    type: 'string',
    multiple: true,
    arg: 'ID|PATH',
    description:
      'Policy id (release, pre-/post-<commit>, variant) or a policy module path; default: every release',
  },
  jobs: {
    type: 'string',
    short: 'j',
    arg: 'N',
    description: `Worker threads (0: none)`,
    default: String(availableParallelism()),
  },
  config: {
    type: 'string',
    multiple: true,
    arg: 'K=V',
    description: 'Override a pinbench_config field for every trace',
  },
  matrix: {
    type: 'string',
    multiple: true,
    arg: 'K=V1,V2',
    description: 'Replay under each value (axes multiply)',
  },
  strict: { type: 'boolean', description: 'Bad lines and bad fields are errors, not skips' },
  'no-adapters': { type: 'boolean', description: 'Do not adapt real recordings (io_uring case markers)' },
} as const satisfies Command['options'];

/** The traces to replay: the arguments, or the shipped corpus under traces/. */
export async function corpusSources(positionals: string[], io: CommandIo): Promise<string[]> {
  if (positionals.length) return positionals;
  // Relative to the working directory, so output names the same files on every machine.
  const files = await findCorpusFiles(resolve(io.cwd, 'traces'));
  if (files.length === 0) throw new UsageError('no traces given and none found under traces/');
  return files.map((f) => relative(io.cwd, f));
}

export async function replayFromOptions(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
  outcomes: boolean,
) {
  const specs = strs(values, 'policy');
  const policies = await resolvePolicies(specs, io.cwd);
  const overrides = parseConfigOverrides(strs(values, 'config'));
  const matrix = strs(values, 'matrix');
  const configs = matrix.length
    ? expandMatrix(matrix).map((c) => ({ label: c.label, overrides: { ...overrides, ...c.overrides } }))
    : [{ label: '', overrides }];
  const progress = io.stderr as NodeJS.WriteStream;
  const results = await replayCorpus(sources, {
    policySpecs: specs.map((s) => (isModulePath(s) ? resolve(io.cwd, s) : s)),
    policies,
    jobs: int(values, 'jobs') ?? availableParallelism(),
    outcomes,
    strict: bool(values, 'strict'),
    configs,
    adapters: !bool(values, 'no-adapters'),
    cwd: io.cwd,
    onProgress: (done, total) => {
      if (progress.isTTY) progress.write(`\rreplayed ${done}/${total} trace(s)${done === total ? '\n' : ''}`);
    },
  });
  return { policies, results };
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Replay traces against policies and report verdicts and divergences',
  positionals: '[trace...]',
  details:
    'Without traces, replays the shipped corpus under traces/. Exit 0 when every trace was read, 2 on bad input.',
  options: {
    ...REPLAY_OPTIONS,
    json: {
      type: 'boolean',
      description: 'NDJSON records (outcome, final, divergence, verdict) as in spec/model.md',
    },
    'max-divergences': {
      type: 'string',
      arg: 'N',
      description: 'Root divergences shown in the summary',
      default: '10',
    },
    ...EXPLORE_TIES_OPTIONS,
  },
  async run(values, positionals, io) {
    const json = bool(values, 'json');
    const sources = await corpusSources(positionals, io);
    if (bool(values, 'explore-ties')) return runExploreTies(values, sources, io);
    const { policies, results } = await replayFromOptions(values, sources, io, json);
    if (json) writeNdjson(results, io.stdout);
    else
      io.stdout.write(
        formatSummary(results, {
          policies: policies.map((p) => p.id),
          maxDivergences: int(values, 'max-divergences') ?? 10,
        }),
      );
    const failedTrace = results.find((r) => r.error);
    if (failedTrace) io.stderr.write(`pinbench replay: ${failedTrace.error!.message}\n`);
    return hasInputErrors(results) ? 2 : 0;
  },
};
