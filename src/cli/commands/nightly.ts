/**
 * `pinbench nightly`: the scheduled job a CI runs every night (see README, "Nightly"): fetch the
 * configured traces, run them against the configured policies under the config's name, compare
 * with the previous complete run of that config, write the HTML report and the CI outputs, POST
 * the summary to a webhook. Exit 0 nothing new regressed, 1 something did, 2 setup errors.
 */
import { resolve } from 'node:path';
import { findNightlyConfig, loadNightlyConfig } from '../../api/nightly-config.ts';
import { runNightly } from '../../api/nightly-job.ts';
import { UsageError } from '../../errors.ts';
import { openStore } from '../../store/store.ts';
import { bool, type Command, int, str } from '../command.ts';
import { Progress, progressWanted, storingJobProgress } from '../progress.ts';

const URL_RE = /^https?:\/\/[^\s/]+/i;

export const nightlyCommand: Command = {
  name: 'nightly',
  summary: 'The nightly job: fetch traces, run, compare with the last night, write report and CI outputs',
  details:
    'Reads pinbench.config.json (or pinbench.config.ts) from the working directory, or --config FILE:\n' +
    'trace sources (local globs, HTTP(S) manifests of {url, sha256, name?}, downloaded once into\n' +
    '.pinbench/cache by content), policies, baseline, database, report directory, config name.\n' +
    'A source that fails to download is reported and the run goes on without it (marked partial).\n' +
    'Exit 0 when nothing regressed since the previous complete run of the same config, 1 when a\n' +
    'verdict went from pass to fail/error or a divergence appeared that triage has not accepted,\n' +
    '2 on setup errors. A failing --webhook is reported and never changes the exit code.',
  options: {
    config: {
      type: 'string',
      arg: 'FILE',
      description: 'The nightly config (default: pinbench.config.json or .ts here)',
    },
    webhook: {
      type: 'string',
      arg: 'URL',
      description: 'POST the JSON summary here (retried; failures only reported)',
    },
    junit: { type: 'string', arg: 'FILE', description: 'Write JUnit XML (GitLab, Jenkins)' },
    kcidb: { type: 'string', arg: 'FILE', description: 'Write KCIDB I/O JSON (schema v5.0)' },
    lkp: { type: 'string', arg: 'FILE', description: 'Write a plain-text report for a mailing-list reply' },
    db: { type: 'string', arg: 'DIR|URL', description: "Results database (over the config's db)" },
    jobs: {
      type: 'string',
      short: 'j',
      arg: 'N',
      description: 'Worker threads (default: the config, else cores)',
    },
    json: { type: 'boolean', description: 'Print the summary (what the webhook gets) as JSON' },
  },
  async run(values, positionals, io) {
    if (positionals.length) {
      throw new UsageError(
        `nightly takes no trace arguments (got '${positionals[0]}'): list sources in the config`,
      );
    }
    const webhookArg = str(values, 'webhook');
    if (webhookArg !== undefined && !URL_RE.test(webhookArg))
      throw new UsageError(`--webhook: '${webhookArg}' is not an http(s) URL`);
    const config = await loadNightlyConfig(findNightlyConfig(io.cwd, str(values, 'config')), {
      cwd: io.cwd,
      env: io.env,
    });
    const outputs = Object.fromEntries(
      (['junit', 'kcidb', 'lkp'] as const).flatMap((k) => {
        const v = str(values, k);
        return v !== undefined ? [[k, resolve(io.cwd, v)]] : [];
      }),
    );
    const store = await openStore({ db: str(values, 'db') ?? config.db, cwd: io.cwd, env: io.env });
    try {
      const jobs = int(values, 'jobs');
      // The sources are known once downloaded: the line counts traces, and bytes as they come.
      const progress = progressWanted(io, bool(values, 'json'))
        ? new Progress({ stream: io.stderr, label: 'nightly', traces: 0 })
        : null;
      const result = await runNightly({
        config,
        store,
        cwd: io.cwd,
        outputs,
        ...(webhookArg !== undefined ? { webhook: webhookArg } : {}),
        ...(jobs !== undefined ? { jobs } : {}),
        ...storingJobProgress(io, progress),
      }).finally(() => progress?.end());
      if (bool(values, 'json')) {
        io.stdout.write(`${JSON.stringify(result.summary)}\n`);
      } else {
        const out: string[] = [result.verdict.line];
        const c = result.model.comparison;
        for (const r of (c?.regressions ?? []).slice(0, 20)) {
          out.push(
            `  regression: ${r.trace} ${r.scenario} ${r.policy}: ${r.before} -> ${r.after}${r.failed[0] ? ` (${r.failed[0]})` : ''}`,
          );
        }
        for (const r of result.summary.details.baselineRegressions.slice(0, 20)) {
          out.push(
            `  regression against baseline ${r.baseline}: ${r.trace} ${r.scenario} ${r.candidate}: ${r.verdict}${r.failed[0] ? ` (${r.failed[0]})` : ''}`,
          );
        }
        for (const d of (c?.newDivergences ?? []).slice(0, 20)) {
          out.push(`  new divergence [${d.signature}] ${d.title} (${d.trace}:${d.line})`);
        }
        for (const s of result.sources) {
          if (s.error) out.push(`  source failed: ${s.source}: ${s.error}`);
          for (const f of s.failures) out.push(`  source failed: ${s.source}: ${f.name}: ${f.error}`);
        }
        for (const o of result.outputs) out.push(`  ${o.format}: ${o.path}`);
        if (result.report.link) out.push(`  report: ${result.report.link}`);
        if (result.webhook && !result.webhook.ok)
          out.push(`  webhook not delivered: ${result.webhook.error}`);
        out.push(`  run ${result.run.id} ${result.run.status} in ${store.location}`);
        io.stdout.write(`${out.join('\n')}\n`);
      }
      for (const p of result.problems) io.stderr.write(`pinbench nightly: ${p}\n`);
      return result.exitCode;
    } finally {
      await store.close();
    }
  },
};
