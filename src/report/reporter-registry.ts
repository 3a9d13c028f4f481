/**
 * Reporters by name, as `pinbench report --format NAME` and the run command select them. Add a
 * reporter by adding its name and factory here.
 */
import { UsageError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { PageEnv } from './pages/page-env.ts';
import type { Reporter } from './reporter.ts';
import { HtmlReporter } from './reporters/html-reporter.ts';
import { JsonReporter } from './reporters/json-reporter.ts';
import { TerminalReporter } from './reporters/terminal-reporter.ts';

export const REPORTER_NAMES = ['html', 'json', 'terminal'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterOptions {
  store: Store;
  /** Where text reporters write. */
  out: NodeJS.WritableStream;
  /** Where the HTML reporter writes its directory. */
  outDir: string;
  env?: PageEnv;
  maxDivergences?: number;
}

export const REPORTERS: Record<ReporterName, (opts: ReporterOptions) => Reporter> = {
  html: (o) => new HtmlReporter({ store: o.store, outDir: o.outDir, ...(o.env ? { env: o.env } : {}) }),
  json: (o) => new JsonReporter({ out: o.out }),
  terminal: (o) =>
    new TerminalReporter({
      out: o.out,
      ...(o.maxDivergences !== undefined ? { maxDivergences: o.maxDivergences } : {}),
    }),
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
