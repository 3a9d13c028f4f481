/**
 * Reporters by name, as `pinbench report --format NAME` and the run command select them: the
 * report's own (HTML, JSON, terminal) and the CI exports (JUnit, KCIDB, LKP text), every one a
 * Reporter over the same result model (ReportContext plus the divergence stream). Add a reporter
 * by adding its name and factory here.
 */
import { UsageError } from '../errors.ts';
import type { ExportExtras } from '../export/collect-export-model.ts';
import { type ExportRenderOptions, ExportReporter } from '../export/exporters.ts';
import type { Store } from '../store/store.ts';
import type { PageEnv } from './pages/page-env.ts';
import type { Reporter } from './reporter.ts';
import { HtmlReporter } from './reporters/html-reporter.ts';
import { JsonReporter } from './reporters/json-reporter.ts';
import { TerminalReporter } from './reporters/terminal-reporter.ts';

export const REPORTER_NAMES = ['html', 'json', 'terminal', 'junit', 'kcidb', 'lkp'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterOptions {
  store: Store;
  /** Where text reporters write. */
  out: NodeJS.WritableStream;
  /** Where the HTML reporter writes its directory. */
  outDir: string;
  env?: PageEnv;
  maxDivergences?: number;
  /** For the CI exports: the baseline, the sources' fate, the report link. */
  exportExtras?: ExportExtras;
  exportOptions?: ExportRenderOptions;
}

/** The file a text reporter writes into an output directory. */
export const REPORTER_FILES: Record<Exclude<ReporterName, 'html'>, string> = {
  json: 'report.json',
  terminal: 'report.txt',
  junit: 'junit.xml',
  kcidb: 'kcidb.json',
  lkp: 'lkp.txt',
};

export const REPORTERS: Record<ReporterName, (opts: ReporterOptions) => Reporter> = {
  html: (o) => new HtmlReporter({ store: o.store, outDir: o.outDir, ...(o.env ? { env: o.env } : {}) }),
  json: (o) => new JsonReporter({ out: o.out }),
  terminal: (o) =>
    new TerminalReporter({
      out: o.out,
      ...(o.maxDivergences !== undefined ? { maxDivergences: o.maxDivergences } : {}),
    }),
  junit: (o) => new ExportReporter('junit', o.out, o.exportExtras, o.exportOptions),
  kcidb: (o) => new ExportReporter('kcidb', o.out, o.exportExtras, o.exportOptions),
  lkp: (o) => new ExportReporter('lkp', o.out, o.exportExtras, o.exportOptions),
};

export function isReporterName(name: string): name is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(name);
}

export function createReporter(name: string, opts: ReporterOptions): Reporter {
  if (!isReporterName(name)) {
    throw new UsageError(`--format: '${name}' is not a reporter (have: ${REPORTER_NAMES.join(', ')})`);
  }
  return REPORTERS[name](opts);
}
