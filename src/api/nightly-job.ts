/**
 * `pinbench nightly`: fetch the configured sources -> the main job (runJob, under the config's
 * name) -> the HTML report -> compare with the previous complete run of the same config (new
 * divergences not accepted in triage, fixed ones, verdicts that went from pass to fail/error) ->
 * the CI outputs (JUnit, KCIDB, LKP text) -> the webhook.
 *
 * Exit code: 1 when something new regressed or a failure the trace headers do not expect
 * occurred, else 0; 2 for setup errors (bad config, no trace at
 * all, an unwritable report or output). A source that fails to download is reported and the run
 * goes on without it, marked partial; a webhook that fails is reported and changes nothing.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isPinbenchError } from '../errors.ts';
import { loadExportModel } from '../export/collect-export-model.ts';
import type {
  BaselineRegression,
  ExportModel,
  ExportSource,
  NightlyVerdict,
} from '../export/export-model.ts';
import { baselineRegressions, nightlyVerdict } from '../export/export-model.ts';
import { EXPORT_FORMATS, EXPORTERS, type ExportFormat } from '../export/exporters.ts';
import type { HttpOptions } from '../ingest/index.ts';
import type { Verdict } from '../replay/results.ts';
import { writeRunReport } from '../report/write-html-report.ts';
import type { RunInfo, Store } from '../store/store.ts';
import { type NightlyConfig, type NightlyOutputs, resolveNightlyPolicies } from './nightly-config.ts';
import { fetchNightlySources, type SourceReport } from './nightly-sources.ts';
import { type RunJobOptions, runJob } from './run-job.ts';
import { postWebhook, type WebhookOptions, type WebhookResult } from './webhook.ts';

export interface NightlyJobOptions {
  config: NightlyConfig;
  store: Store;
  cwd: string;
  /** Output files (the command line's, over the config's). */
  outputs?: NightlyOutputs;
  /** Webhook URL (the command line's, over the config's); null: none. */
  webhook?: string | null;
  jobs?: number;
  progress?: (message: string) => void;
  /** Each trace result once stored (run-job.ts): for a progress line. */
  onTraceStored?: RunJobOptions['onTraceStored'];
  /** Downloader overrides (tests: short retry delays). */
  http?: Partial<HttpOptions>;
  webhookOptions?: WebhookOptions;
}

/** The JSON summary the webhook receives (and `pinbench nightly --json` prints). */
export interface NightlySummary {
  type: 'pinbench-nightly';
  version: 1;
  config: string;
  exitCode: 0 | 1 | 2;
  verdict: string;
  run: {
    id: number;
    status: string;
    startedAt: string;
    endedAt: string | null;
    gitRevision: string | null;
    gitDirty: boolean | null;
  };
  previousRun: number | null;
  counts: Record<Verdict, number>;
  regressions: number;
  /** Candidate-vs-baseline regressions in this run (baseline passes, candidate does not). */
  baselineRegressions: number;
  /** Failures the trace headers expect (known) and do not (unexpected: these make exit code 1). */
  knownFailures: number;
  unexpectedFailures: number;
  newDivergences: number;
  fixedDivergences: number;
  acceptedNewDivergences: number;
  verdictChanges: number;
  partial: boolean;
  sources: ExportSource[];
  report: string | null;
  outputs: Partial<Record<ExportFormat, string>>;
  problems: string[];
  details: {
    regressions: {
      trace: string;
      scenario: string;
      policy: string;
      before: string;
      after: string;
      failed: string[];
    }[];
    baselineRegressions: BaselineRegression[];
    newDivergences: {
      signature: string;
      title: string;
      trace: string;
      scenario: string;
      seq: number;
      event: string;
      classes: string[][];
    }[];
  };
}

export interface NightlyJobResult {
  exitCode: 0 | 1 | 2;
  verdict: NightlyVerdict;
  run: RunInfo;
  previous: RunInfo | null;
  model: ExportModel;
  sources: SourceReport[];
  report: { index: string | null; link: string | null; error: string | null };
  outputs: { format: ExportFormat; path: string }[];
  webhook: WebhookResult | null;
  summary: NightlySummary;
  /** Setup problems that make the exit code 2 although the run was stored (report, outputs). */
  problems: string[];
}

function toExportSource(r: SourceReport): ExportSource {
  return {
    source: r.source,
    kind: r.kind,
    traces: r.traces,
    downloaded: r.downloaded,
    cached: r.cached,
    error: r.error,
    failures: r.failures.map((f) => ({
      name: f.name,
      ...(f.url !== undefined ? { url: f.url } : {}),
      error: f.error,
    })),
  };
}

function errorText(e: unknown): string {
  return isPinbenchError(e) ? e.message : ((e as Error)?.message ?? String(e));
}

export async function runNightly(opts: NightlyJobOptions): Promise<NightlyJobResult> {
  const { config, store } = opts;
  const say = opts.progress ?? (() => {});
  const problems: string[] = [];

  const policies = await resolveNightlyPolicies(config);
  const fetched = await fetchNightlySources(config, {
    cwd: opts.cwd,
    progress: say,
    ...(opts.http ? { http: opts.http } : {}),
  });
  for (const s of fetched.sources) {
    const n = s.downloaded + s.cached;
    say(
      `source ${s.source}: ${s.error ?? `${s.traces} trace(s)${n ? ` (${s.downloaded} downloaded, ${s.cached} cached)` : ''}`}` +
        (s.failures.length ? `, ${s.failures.length} failed` : ''),
    );
  }
  if (fetched.traces.length === 0) {
    const why = fetched.sources.map(
      (s) => `${s.field}: ${s.error ?? s.failures.map((f) => `${f.name}: ${f.error}`).join('; ')}`,
    );
    throw new ConfigError('PB_CONFIG', `no trace to replay: every source failed (${why.join(' | ')})`, {
      location: { file: config.display },
    });
  }

  const displayNames = new Map(fetched.traces.filter((t) => t.name !== t.path).map((t) => [t.path, t.name]));
  const job = await runJob({
    store,
    sources: fetched.traces.map((t) => t.path),
    policySpecs: config.policies,
    policies,
    jobs: opts.jobs ?? config.jobs ?? availableParallelism(),
    cwd: opts.cwd,
    ...(config.configs ? { configs: config.configs } : {}),
    strict: config.strict,
    configName: config.name,
    partial: fetched.partial,
    displayNames,
    progress: say,
    ...(opts.onTraceStored ? { onTraceStored: opts.onTraceStored } : {}),
  });
  const runId = job.run.id;
  const previousRunId = job.previous?.id ?? null;

  // The HTML report: reports/<run id>/ under the config's report directory, plus latest/.
  let index: string | null = null;
  let reportError: string | null = null;
  try {
    index = (
      await writeRunReport(store, runId, {
        reportsDir: config.reportDir,
        cwd: opts.cwd,
        previousRunId,
        baseline: config.baseline ?? null,
      })
    ).path;
  } catch (e) {
    reportError = `the HTML report could not be written to ${config.reportDir}: ${errorText(e)}`;
    problems.push(reportError);
  }
  const link = config.reportUrl
    ? new URL(`${runId}/`, config.reportUrl.endsWith('/') ? config.reportUrl : `${config.reportUrl}/`).href
    : index !== null
      ? pathToFileURL(index).href
      : null;

  const model = await loadExportModel(
    store,
    runId,
    { baseline: config.baseline, sources: fetched.sources.map(toExportSource), reportUrl: link },
    { previousRunId },
  );
  const verdict = nightlyVerdict(model);

  const files: NightlyOutputs = { ...config.outputs, ...opts.outputs };
  const outputs: NightlyJobResult['outputs'] = [];
  for (const format of EXPORT_FORMATS) {
    const path = files[format];
    if (path === undefined) continue;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(
        path,
        EXPORTERS[format].render(model, { junit: { hostname: hostname() }, kcidb: config.kcidb }),
      );
      outputs.push({ format, path });
    } catch (e) {
      problems.push(`--${format} ${path}: ${errorText(e)}`);
    }
  }

  const exitCode: 0 | 1 | 2 = problems.length ? 2 : verdict.exitCode;
  const summary = nightlySummary(model, verdict, exitCode, {
    partial: fetched.partial || job.run.status === 'partial',
    outputs,
    problems,
  });
  const url = opts.webhook !== undefined ? opts.webhook : config.webhook;
  let webhook: WebhookResult | null = null;
  if (url) {
    webhook = await postWebhook(url, summary, {
      retries: config.http.retries,
      retryBaseMs: Math.max(config.http.retryDelayMs, 1),
      timeoutMs: Math.min(config.http.timeoutMs, 30_000),
      ...opts.webhookOptions,
    });
    say(
      webhook.ok
        ? `webhook ${webhook.target}: delivered${webhook.attempts > 1 ? ` on attempt ${webhook.attempts}` : ''}`
        : `webhook ${webhook.target}: not delivered: ${webhook.error}`,
    );
  }
  return {
    exitCode,
    verdict,
    run: await store.getRun(runId),
    previous: job.previous,
    model,
    sources: fetched.sources,
    report: { index, link, error: reportError },
    outputs,
    webhook,
    summary,
    problems,
  };
}

function nightlySummary(
  m: ExportModel,
  v: NightlyVerdict,
  exitCode: 0 | 1 | 2,
  extra: { partial: boolean; outputs: NightlyJobResult['outputs']; problems: string[] },
): NightlySummary {
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, inconclusive: 0, unsupported: 0, error: 0 };
  for (const c of m.cases) counts[c.verdict]++;
  const c = m.comparison;
  const vsBaseline = baselineRegressions(m.cases, m.policies, m.baseline);
  return {
    type: 'pinbench-nightly',
    version: 1,
    config: m.run.configName ?? '',
    exitCode,
    verdict: v.line,
    run: {
      id: m.run.id,
      status: m.run.status,
      startedAt: m.run.startedAt,
      endedAt: m.run.endedAt,
      gitRevision: m.run.gitRevision,
      gitDirty: m.run.gitDirty,
    },
    previousRun: c?.previousRunId ?? null,
    counts,
    regressions: v.regressions,
    baselineRegressions: vsBaseline.length,
    knownFailures: v.knownFailures,
    unexpectedFailures: v.unexpectedFailures,
    newDivergences: v.newDivergences,
    fixedDivergences: c?.fixed.length ?? 0,
    acceptedNewDivergences: c?.acceptedNew ?? 0,
    verdictChanges: c?.verdictChanges.length ?? 0,
    partial: extra.partial,
    sources: m.sources,
    report: m.reportUrl,
    outputs: Object.fromEntries(extra.outputs.map((o) => [o.format, o.path])),
    problems: extra.problems,
    details: {
      regressions: (c?.regressions ?? []).slice(0, 50).map((r) => ({
        trace: r.trace,
        scenario: r.scenario,
        policy: r.policy,
        before: r.before,
        after: r.after,
        failed: r.failed,
      })),
      baselineRegressions: vsBaseline.slice(0, 50),
      newDivergences: (c?.newDivergences ?? []).slice(0, 50).map((d) => ({
        signature: d.signature,
        title: d.title,
        trace: d.trace,
        scenario: d.scenario,
        seq: d.seq,
        event: d.event,
        classes: d.classes,
      })),
    },
  };
}
