/**
 * The programmatic API for static reports. `pinbench run` calls `writeRunReport` after a run
 * (reports/<run-id>/ plus reports/latest/), `pinbench report` either of them.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IoError, isPinbenchError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { html } from './html.ts';
import type { SliceMinimiser } from './minimised-slices.ts';
import type { FidelityPageInput } from './pages/fidelity-page.ts';
import { REPORT_CSP } from './pages/page-layout.ts';
import { prepareLatestDir } from './report-dir-safety.ts';
import { REPORT_MARKER, SUMMARY_PATH } from './report-paths.ts';
import { type RunReportersOptions, runReporters } from './reporter.ts';
import { HtmlReporter, type HtmlReportResult, type ReportPageSet } from './reporters/html-reporter.ts';

export type { HtmlReportResult } from './reporters/html-reporter.ts';

/**
 * Writes the static HTML report of run `runId` into `outDir` (its summary is
 * `<outDir>/index.html`), replacing an earlier report there. Reads the store only.
 */
export interface HtmlReportOptions extends RunReportersOptions {
  /** `kinds` (default): a page per divergence kind; `all`: also a page per occurrence. */
  pages?: ReportPageSet;
  /** Real recordings against their kernels' models: a `fidelity.html` page the summary links. */
  fidelity?: FidelityPageInput;
  /** Minimises each kind's example into a slice file the page links (src/api/repro-minimised.ts). */
  minimiser?: SliceMinimiser;
}

export async function writeHtmlReport(
  store: Store,
  runId: number,
  outDir: string,
  opts: HtmlReportOptions = {},
): Promise<HtmlReportResult> {
  const reporter = new HtmlReporter({
    store,
    outDir,
    ...(opts.pages ? { pages: opts.pages } : {}),
    ...(opts.fidelity ? { fidelity: opts.fidelity } : {}),
    ...(opts.minimiser ? { minimiser: opts.minimiser } : {}),
  });
  try {
    await runReporters(store, runId, [reporter], opts);
  } catch (e) {
    await reporter.abort();
    throw reportWriteFailure(e, outDir);
  }
  return reporter.result!;
}

export interface RunReportOptions extends HtmlReportOptions {
  /** The reports directory (default `reports` under the working directory). */
  reportsDir?: string;
  cwd?: string;
}

export interface RunReportResult extends HtmlReportResult {
  /** `<reportsDir>/latest/index.html`, which redirects to this run's report. */
  latest: string;
}

/**
 * `reports/<run-id>/index.html` for the run, and `reports/latest/index.html` pointing at it (a
 * small redirect page, so no symlinks and nothing copied twice).
 */
export async function writeRunReport(
  store: Store,
  runId: number,
  opts: RunReportOptions = {},
): Promise<RunReportResult> {
  const reportsDir = resolve(opts.cwd ?? process.cwd(), opts.reportsDir ?? 'reports');
  const result = await writeHtmlReport(store, runId, join(reportsDir, String(runId)), opts);
  const latest = await writeLatestRedirect(reportsDir, runId).catch((e: unknown) => {
    throw reportWriteFailure(e, join(reportsDir, 'latest'));
  });
  return { ...result, latest };
}

/** Points `<reportsDir>/latest/` at run `runId`'s report (written atomically). */
export async function writeLatestRedirect(reportsDir: string, runId: number): Promise<string> {
  const dir = join(reportsDir, 'latest');
  await prepareLatestDir(dir);
  const target = `../${runId}/${SUMMARY_PATH}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta http-equiv="refresh" content="0; url=${target}">
<title>pinbench: latest report (run ${runId})</title>
</head>
<body>
<p>The latest report is <a href="${target}">run ${runId}</a>.</p>
</body>
</html>
`;
  const file = join(dir, SUMMARY_PATH);
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, page.value);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await writeFile(join(dir, REPORT_MARKER), `${JSON.stringify({ latest: runId })}\n`);
  return file;
}

const WRITE_FAILURES: Record<string, [string, string]> = {
  ENOSPC: ['no space left on device', 'free space there, or write the report elsewhere'],
  EDQUOT: ['disk quota exceeded', 'free space there, or write the report elsewhere'],
  EROFS: ['read-only file system', 'write the report elsewhere'],
  EACCES: ['permission denied', 'make it writable, or write the report elsewhere'],
  EPERM: ['operation not permitted', 'make it writable, or write the report elsewhere'],
  EIO: ['input/output error', 'check the disk (dmesg)'],
};

/** A file system error while writing the report, as an IoError naming the directory (exit 3). */
function reportWriteFailure(e: unknown, dir: string): unknown {
  if (isPinbenchError(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code ? WRITE_FAILURES[code] : undefined;
  if (why === undefined) return e;
  return new IoError(
    `cannot write the report in ${dir}: ${why[0]} (${code}): ${why[1]}; the run itself is stored`,
    {
      cause: e,
    },
  );
}
