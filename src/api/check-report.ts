/**
 * `check --html DIR`: a shareable HTML report of a check, made by the report stage's own writer
 * rather than a renderer of its own. The check's two policies are replayed into a throwaway
 * PGlite database (a run like any other), the run's report is written into DIR, and the check's
 * text (headline, regressions, errors, exit meaning) is put beside it as check.txt.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { writeHtmlReport } from '../report/write-html-report.ts';
import { openStore } from '../store/store.ts';
import { runJob } from './run-job.ts';

export interface CheckReportOptions {
  sources: string[];
  policySpecs: string[];
  policies: readonly Policy[];
  configs?: { label: string; overrides: Partial<TraceConfig> }[];
  strict: boolean;
  adapters: boolean;
  jobs: number;
  cwd: string;
  outDir: string;
  /** The check as text (formatCheck), kept beside the HTML. */
  text: string;
}

export async function writeCheckHtml(opts: CheckReportOptions): Promise<{ dir: string; pages: number }> {
  const dbDir = await mkdtemp(join(tmpdir(), 'pinbench-check-db-'));
  try {
    const store = await openStore({ db: join(dbDir, 'db'), cwd: opts.cwd });
    try {
      const job = await runJob({
        store,
        sources: opts.sources,
        policySpecs: opts.policySpecs,
        policies: opts.policies,
        jobs: opts.jobs,
        cwd: opts.cwd,
        ...(opts.configs ? { configs: opts.configs } : {}),
        strict: opts.strict,
        adapters: opts.adapters,
      });
      const report = await writeHtmlReport(store, job.run.id, opts.outDir);
      await writeFile(join(opts.outDir, 'check.txt'), opts.text);
      return { dir: opts.outDir, pages: report.pages };
    } finally {
      await store.close();
    }
  } finally {
    await rm(dbDir, { recursive: true, force: true });
  }
}
