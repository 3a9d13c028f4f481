/** `pinbench replay`: traces against policies; a summary, or the NDJSON contract with --json. */
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import type { ReplayOutput } from '../../api/replay-output.ts';
import { UsageError } from '../../errors.ts';
import { expandTraceArgs, findCorpusFiles } from '../../ingest/corpus.ts';
import { expandMatrix, parseConfigOverrides } from '../../replay/config-overrides.ts';
import { DEFAULT_POLICY_TIMEOUT_MS } from '../../replay/module-probe.ts';
import { absoluteSpecs } from '../../replay/policy-spec.ts';
import { type CorpusOptions, replayCorpus } from '../../replay/replay-corpus.ts';
import type { TraceReplayResult } from '../../replay/results.ts';
import { formatSummary, tallyExitCode } from '../../replay/summary.ts';
import { bool, type Command, type CommandIo, int, type ParsedValues, strs } from '../command.ts';
import { progressFor } from '../progress.ts';
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
  'policy-timeout-ms': {
    type: 'string',
    arg: 'MS',
    description:
      "How long a policy module's own code may run per scenario (then that policy is `error` there) and at load (then exit 2)",
    default: String(DEFAULT_POLICY_TIMEOUT_MS),
  },
} as const satisfies Command['options'];

/**
 * The traces to replay: the arguments (a directory stands for the trace files under it; every
 * path must exist), or the shipped corpus under traces/.
 */
export async function corpusSources(positionals: string[], io: CommandIo): Promise<string[]> {
  if (positionals.length) return expandTraceArgs(positionals, io.cwd);
  // Relative to the working directory, so output names the same files on every machine.
  const files = await findCorpusFiles(resolve(io.cwd, 'traces'));
  if (files.length === 0) throw new UsageError('no traces given and none found under traces/');
  return files.map((f) => relative(io.cwd, f));
}

/** `--policy-timeout-ms`: a positive whole number of milliseconds. */
export function policyTimeout(values: ParsedValues): number {
  const ms = int(values, 'policy-timeout-ms') ?? DEFAULT_POLICY_TIMEOUT_MS;
  if (ms < 1) throw new UsageError('--policy-timeout-ms must be at least 1');
  return ms;
}

/** `check`'s caches of what replaying reads (read-trace-cache.ts, baseline-records.ts). */
export type ReadCacheOptions = Pick<
  CorpusOptions,
  'readCache' | 'onReadCache' | 'baselineRecords' | 'onRecords'
>;

export async function replayFromOptions(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
  outcomes: boolean,
  /** The command prints JSON: no progress line (default: when it prints outcomes). */
  json = outcomes,
  /** Streams every trace's scenarios here instead of keeping them in the results (replay-output.ts). */
  output?: ReplayOutput,
  /** The read cache (`check`). */
  readCache?: ReadCacheOptions,
) {
  // The releases and the model load with it: `check`, which often needs neither here, starts faster.
  const { resolvePolicies } = await import('../../replay/load-policies.ts');
  const policies = await resolvePolicies(strs(values, 'policy'), io.cwd, {
    timeoutMs: policyTimeout(values),
  });
  const results = await replayLoaded(values, sources, io, { policies }, outcomes, json, output, readCache);
  return { policies, results };
}

/**
 * replayFromOptions with the policies loaded already: in this thread (`policies`), or only in
 * replay workers that loaded them (`workers`, module-probe.ts startPolicyWorker; `check`).
 */
export async function replayLoaded(
  values: ParsedValues,
  sources: string[],
  io: CommandIo,
  loaded: Pick<CorpusOptions, 'policies' | 'workers'>,
  outcomes: boolean,
  json = outcomes,
  output?: ReplayOutput,
  readCache?: ReadCacheOptions,
): Promise<TraceReplayResult[]> {
  const specs = strs(values, 'policy');
  const overrides = parseConfigOverrides(strs(values, 'config'));
  const matrix = strs(values, 'matrix');
  const configs = matrix.length
    ? expandMatrix(matrix).map((c) => ({ label: c.label, overrides: { ...overrides, ...c.overrides } }))
    : [{ label: '', overrides }];
  const progress = await progressFor(io, { json, label: 'replay', sources, configs: configs.length });
  return replayCorpus(sources, {
    policySpecs: absoluteSpecs(specs, io.cwd),
    ...loaded,
    jobs: int(values, 'jobs') ?? availableParallelism(),
    outcomes,
    strict: bool(values, 'strict'),
    configs,
    adapters: !bool(values, 'no-adapters'),
    cwd: io.cwd,
    policyTimeoutMs: policyTimeout(values),
    ...(output ? { stream: async (job) => output.sink(job) } : {}),
    ...readCache,
    onResult: async (r, i) => {
      await output?.result(r, i);
      progress?.traceDone({ bytes: r.bytes, scenarios: r.scenarioCount ?? r.scenarios.length });
    },
  }).finally(() => {
    progress?.end();
    output?.dispose();
  });
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Replay traces against policies and report verdicts and divergences',
  positionals: '[trace...]',
  details:
    'Without traces, replays the shipped corpus under traces/. Exit 0 when every trace was read and no\n' +
    'scenario is an error (failed expectations are reported, not an exit code: see run and check), 2 on bad\n' +
    'input, 3 when the environment kept a trace from being read.',
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
    const maxDivergences = int(values, 'max-divergences') ?? 10;
    // Streamed: NDJSON lines go out trace by trace, the summary comes from a bounded tally.
    const { ReplayOutput } = await import('../../api/replay-output.ts');
    const output = new ReplayOutput({
      json: json ? io.stdout : undefined,
      rootsKept: Math.max(0, maxDivergences),
    });
    const { policies } = await replayFromOptions(values, sources, io, json, json, output);
    const tally = output.tally;
    if (!json) io.stdout.write(formatSummary(tally, { policies: policies.map((p) => p.id), maxDivergences }));
    const failedTrace = tally.traceErrors[0];
    if (failedTrace) io.stderr.write(`pinbench replay: ${failedTrace.message}\n`);
    return tallyExitCode(tally);
  },
};
