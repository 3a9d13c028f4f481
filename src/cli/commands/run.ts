/**
 * `pinbench run`: the main job (what `npm start` runs): the shipped corpus (or the given traces)
 * against every release, stored in the embedded database (or PostgreSQL), then the summary and
 * the HTML report.
 */
import { fidelityOfRecordings } from '../../api/fidelity.ts';
import { policiesRevision } from '../../api/git-revision.ts';
import { makeKindSlices, RUN_TOTAL_BUDGET_MS } from '../../api/repro-minimised.ts';
import { runJob } from '../../api/run-job.ts';
import { formatShard, parseRunId, parseShard, type ShardSpec, sourcesHash } from '../../api/shard.ts';
import { isEnvironmentError, UsageError } from '../../errors.ts';
import { expandMatrix, parseConfigOverrides } from '../../replay/config-overrides.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
import { formatSummary, tallyExitCode } from '../../replay/summary.ts';
import { formatOrderDependent } from '../../report/order-dependence-text.ts';
import { writeRunReport } from '../../report/write-html-report.ts';
import { createShardedRun } from '../../store/shard-runs.ts';
import { openStore } from '../../store/store.ts';
import { bool, type Command, int, str, strs } from '../command.ts';
import { progressFor, statusLineFor, storingJobProgress } from '../progress.ts';
import { fidelityBrief } from './fidelity.ts';
import { minimisedCounts, minimisedSummary, NO_MINIMIZE_OPTION, reportMinimiser } from './minimize-option.ts';
import { corpusSources, policyTimeout, REPLAY_OPTIONS } from './replay.ts';
import { DB_OPTION } from './store-options.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'The main job: replay the corpus against every release, store the results, write the report',
  positionals: '[trace...]',
  details:
    'Without traces, runs the shipped corpus under traces/. Results go to the embedded database in\n' +
    '.pinbench/db (or --db DIR, PINBENCH_DB, or a postgres:// URL). A run killed part-way is marked\n' +
    'incomplete; `pinbench run --resume ID` finishes it.\n\n' +
    'Several machines can share the work on one PostgreSQL server: each runs `--shard I/N --run-id R`\n' +
    '(a deterministic slice of the sorted trace list, all writing into run R, created by whichever\n' +
    'shard comes first); the last shard to finish marks the run complete. `--create-run` makes R\n' +
    'beforehand and prints it. A shard that failed is run again with the same options.',
  options: {
    ...REPLAY_OPTIONS,
    db: DB_OPTION,
    'no-report': {
      type: 'boolean',
      description: 'Do not write the HTML report (reports/<run>/, reports/latest/)',
    },
    ...NO_MINIMIZE_OPTION,
    resume: { type: 'string', arg: 'RUN', description: 'Finish an incomplete run (its id, or "latest")' },
    outcomes: { type: 'boolean', description: 'Also store every outcome record (large)' },
    json: { type: 'boolean', description: 'Print the run as JSON instead of the summary' },
    shard: {
      type: 'string',
      arg: 'I/N',
      description: 'Replay the I-th of N slices of the corpus into --run-id (I from 1)',
    },
    'run-id': { type: 'string', arg: 'R', description: 'Write into run R, creating it if no shard has yet' },
    'create-run': { type: 'boolean', description: 'Create a run for shards to join, print its id, and exit' },
  },
  async run(values, positionals, io) {
    const resumeRef = str(values, 'resume');
    const shardArg = str(values, 'shard');
    const runIdArg = str(values, 'run-id');
    const createRun = bool(values, 'create-run');
    if (resumeRef !== undefined && (shardArg !== undefined || runIdArg !== undefined || createRun)) {
      throw new UsageError(
        '--resume finishes a single-writer run; a shard is re-run with --run-id R --shard I/N',
      );
    }
    if (createRun && (shardArg !== undefined || runIdArg !== undefined)) {
      throw new UsageError(
        '--create-run makes a new run and prints its id; shards then take --run-id R --shard I/N',
      );
    }
    if (shardArg !== undefined && runIdArg === undefined) {
      throw new UsageError(
        '--shard needs --run-id R: the run every shard writes into (`pinbench run --create-run` makes one)',
      );
    }
    const shard: ShardSpec | undefined = shardArg !== undefined ? parseShard(shardArg) : undefined;
    const runId = runIdArg !== undefined ? parseRunId(runIdArg) : undefined;
    // Every trace named must exist before a run is created: a typo stores nothing.
    const given = resumeRef === undefined ? await corpusSources(positionals, io) : undefined;
    const store = await openStore({ db: str(values, 'db'), cwd: io.cwd, env: io.env });
    try {
      const specs = strs(values, 'policy');
      const policyTimeoutMs = policyTimeout(values);
      const policies = await resolvePolicies(specs, io.cwd, { timeoutMs: policyTimeoutMs });
      const overrides = parseConfigOverrides(strs(values, 'config'));
      const matrix = strs(values, 'matrix');
      const configs = matrix.length
        ? expandMatrix(matrix).map((c) => ({ label: c.label, overrides: { ...overrides, ...c.overrides } }))
        : Object.keys(overrides).length
          ? [{ label: '', overrides }]
          : undefined;
      let resume: number | undefined;
      let sources: string[];
      if (resumeRef !== undefined) {
        const run = await store.resolveRun(resumeRef);
        if (run.options.sharded === true) {
          throw new UsageError(
            `run ${run.id} is sharded: run its unfinished shards again with --run-id ${run.id} --shard I/${String(run.options.shards ?? 'N')}`,
          );
        }
        resume = run.id;
        const opt = run.options as { sources?: string[] };
        if (positionals.length)
          throw new UsageError('--resume takes the traces of the run it resumes; give none');
        sources = opt.sources ?? [];
      } else sources = given!;
      if (createRun) {
        const id = await createShardedRun(store, {
          ...(await policiesRevision(io.cwd)),
          outcomes: bool(values, 'outcomes'),
          sourcesHash: sourcesHash(sources),
          options: { sources, policies: specs, configs: configs ?? [], strict: bool(values, 'strict') },
        });
        io.stdout.write(bool(values, 'json') ? `${JSON.stringify({ id })}\n` : `${id}\n`);
        return 0;
      }
      const progress = await progressFor(io, {
        json: bool(values, 'json'),
        label: 'run',
        sources,
        configs: configs?.length ?? 1,
      });
      const jobs = int(values, 'jobs') ?? 2;
      const result = await runJob({
        store,
        sources,
        policySpecs: specs,
        policies,
        jobs,
        cwd: io.cwd,
        policyTimeoutMs,
        ...(configs ? { configs } : {}),
        strict: bool(values, 'strict'),
        adapters: !bool(values, 'no-adapters'),
        outcomes: bool(values, 'outcomes'),
        ...(resume !== undefined ? { resume } : {}),
        ...(runId !== undefined ? { runId, ...(shard ? { shard } : {}) } : {}),
        ...storingJobProgress(io, progress),
      }).finally(() => progress?.end());
      // The report covers the whole run: a shard writes it only when it finished the run.
      // A report that cannot be written (full disk) still lets the summary print; its error
      // comes after it.
      let reportFailure: unknown = null;
      // Real recordings among the sources: checked as `pinbench fidelity` checks them (each against
      // its kernel's release model, a Debian kernel's stable id included), for the summary and the
      // report's fidelity page. A shard that did not finish the run leaves both to the one that does.
      const finished = !(result.shard && !result.shard.finishedRun);
      const writeReport = !bool(values, 'no-report') && finished;
      const recorded = finished ? await fidelityOfRecordings(sources, io.cwd) : null;
      // The kinds' minimised slices are made here, with the run's budget, whether or not the
      // report is written now: a report (this one, or `pinbench report` later, from the cache)
      // then only reads them.
      const minimiser = finished
        ? reportMinimiser(values, store, result.run.id, io, policyTimeoutMs, {
            totalBudgetMs: RUN_TOTAL_BUDGET_MS,
            workers: jobs,
          })
        : undefined;
      const status = minimiser ? statusLineFor(io, { json: bool(values, 'json'), label: 'run' }) : null;
      const slicingFrom = performance.now();
      let slicingMs = 0;
      const sliced = !minimiser
        ? false
        : await makeKindSlices(minimiser, store, result.run.id, (done, total) =>
            status?.phase(`minimising the divergence kinds' slices for the report: ${done}/${total}`),
          )
            .finally(() => {
              status?.end();
              slicingMs = performance.now() - slicingFrom;
            })
            .then(
              () => true,
              async (e: unknown) => {
                await minimiser.close();
                if (!isEnvironmentError(e)) throw e;
                reportFailure = e;
                return false;
              },
            );
      const report =
        !writeReport || (minimiser && !sliced)
          ? undefined
          : await writeRunReport(store, result.run.id, {
              cwd: io.cwd,
              ...(recorded ? { fidelity: recorded } : {}),
              ...(minimiser ? { minimiser } : {}),
            })
              .finally(() => minimiser?.close())
              .catch((e: unknown) => {
                if (!isEnvironmentError(e)) throw e;
                reportFailure = e;
                return undefined;
              });
      if (!writeReport) await minimiser?.close();
      const kinds = await store.kindCount(result.run.id);
      if (bool(values, 'json')) {
        const { results: _results, summary: _summary, ...rest } = result;
        const failures = result.summary.failures;
        io.stdout.write(
          `${JSON.stringify({ ...rest, failures, kinds: kinds.kinds, ...(report ? { report: report.path } : {}) })}\n`,
        );
      } else {
        io.stdout.write(
          formatSummary(result.summary, { policies: policies.map((p) => p.id), fidelity: !recorded }),
        );
        if (recorded) io.stdout.write(`\n${fidelityBrief(recorded)}`);
        io.stdout.write(formatOrderDependent(await store.orderDependentDivergences(result.run.id)));
        const sh = result.shard;
        if (sh) {
          io.stdout.write(
            `\nshard ${formatShard(sh)} of run ${result.run.id} done (${sh.done}/${sh.count} shards): run ${result.run.id} ` +
              `${sh.finishedRun ? result.run.status : `waits for ${sh.count - sh.done} more shard(s)`} in ${store.location}`,
          );
        } else io.stdout.write(`\nrun ${result.run.id} ${result.run.status} in ${store.location}`);
        io.stdout.write(
          ` (replay ${(result.timings.replay / 1000).toFixed(1)} s, store ${(result.timings.store / 1000).toFixed(1)} s)\n`,
        );
        io.stdout.write(
          `${kinds.kinds} divergence kind(s) over ${kinds.divergences} divergence(s) in run ${result.run.id}\n`,
        );
        if (result.diff && result.previous) {
          const d = result.diff;
          io.stdout.write(
            `since run ${result.previous.id}: ${d.new.length} new, ${d.fixed.length} fixed divergence(s), ${d.verdictChanges.length} verdict change(s); ` +
              `kinds ${d.kinds.new.length} new, ${d.kinds.gone.length} gone, ${d.kinds.still.length} still\n`,
          );
        }
        if (report)
          io.stdout.write(`report: ${report.path} (${report.pages} pages)${minimisedSummary(minimiser)}\n`);
        else if (sliced && minimiser)
          io.stdout.write(
            `for the report of run ${result.run.id}: ${minimisedCounts(minimiser)} in ${(slicingMs / 1000).toFixed(1)} s\n`,
          );
      }
      if (reportFailure) throw reportFailure;
      // Bad input (2) or the environment (3) first; failures the trace headers expect (known
      // historical bugs) do not fail the run, unexpected ones do (1).
      const inputExit = tallyExitCode(result.summary);
      return inputExit !== 0 ? inputExit : result.summary.failures.unexpected > 0 ? 1 : 0;
    } finally {
      await store.close();
    }
  },
};
