/**
 * `pinbench report`: a stored run as a report, regenerated from the database alone: the static
 * HTML report (reports/<run-id>/, and reports/latest/ pointing at it), JSON, or terminal text.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { UsageError } from '../../errors.ts';
import { formatBytes } from '../../report/pages/page-layout.ts';
import { runReporters } from '../../report/reporter.ts';
import {
  createReporter,
  isReporterName,
  REPORTER_FILES,
  REPORTER_NAMES,
} from '../../report/reporter-registry.ts';
import type { ReportPageSet } from '../../report/reporters/html-reporter.ts';
import { writeHtmlReport, writeRunReport } from '../../report/write-html-report.ts';
import { openStore } from '../../store/store.ts';
import { type Command, int, str } from '../command.ts';
import { statusLineFor } from '../progress.ts';
import { minimisedSummary, NO_MINIMIZE_OPTION, reportMinimiser } from './minimize-option.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write the report of a stored run: static HTML (default), JSON or terminal text',
  positionals: '[run-id|latest]',
  details:
    'Reads the database only. HTML goes to reports/<run-id>/index.html (and reports/latest/ points at\n' +
    'it) unless --out names a directory; JSON and terminal text go to standard output unless --out is\n' +
    'given (then DIR/report.json or DIR/report.txt). The run defaults to the latest.',
  options: {
    format: {
      type: 'string',
      short: 'f',
      arg: 'NAME',
      description: `Reporter: ${REPORTER_NAMES.join(', ')}`,
      default: 'html',
    },
    out: { type: 'string', short: 'o', arg: 'DIR', description: 'Output directory' },
    against: {
      type: 'string',
      arg: 'RUN',
      description: 'Compare with this run instead of the previous complete run of the same config',
    },
    baseline: {
      type: 'string',
      arg: 'ID',
      description:
        'Name the regressions of the other policies against this one (a nightly passes its baseline)',
    },
    pages: {
      type: 'string',
      arg: 'SET',
      description:
        'HTML divergence pages: kinds (a page per divergence kind; occurrences in the list) or all (also a page per occurrence)',
      default: 'kinds',
    },
    'max-divergences': {
      type: 'string',
      arg: 'N',
      description: 'Root divergences the terminal report shows with their why paths',
      default: '10',
    },
    db: {
      type: 'string',
      arg: 'DIR|URL',
      description: 'Results database: a PGlite directory or postgres://...',
    },
    ...NO_MINIMIZE_OPTION,
  },
  async run(values, positionals, io) {
    if (positionals.length > 1) throw new UsageError('give one run (an id, or latest)');
    const format = str(values, 'format') ?? 'html';
    if (!isReporterName(format)) {
      throw new UsageError(`--format: '${format}' is not a reporter (have: ${REPORTER_NAMES.join(', ')})`);
    }
    const out = str(values, 'out');
    const pageSet = str(values, 'pages') ?? 'kinds';
    if (pageSet !== 'kinds' && pageSet !== 'all') {
      throw new UsageError(`--pages: '${pageSet}' is not a page set (have: kinds, all)`);
    }
    const pages: ReportPageSet = pageSet;
    const against = str(values, 'against');
    if (against !== undefined && !/^\d+$/.test(against))
      throw new UsageError(`--against takes a run id, got '${against}'`);
    const store = await openStore({ db: str(values, 'db'), cwd: io.cwd, env: io.env });
    try {
      const run = await store.resolveRun(positionals[0] ?? 'latest');
      const baseline = str(values, 'baseline');
      const opts = {
        ...(against !== undefined ? { previousRunId: (await store.getRun(Number(against))).id } : {}),
        ...(baseline !== undefined ? { baseline } : {}),
        pages,
      };
      if (format === 'html') {
        const status = statusLineFor(io, { json: false, label: 'report' });
        status?.phase(`writing the HTML report of run ${run.id}`);
        const minimiser = reportMinimiser(values, store, run.id, io);
        const html = { ...opts, ...(minimiser ? { minimiser } : {}) };
        const r = await (out
          ? writeHtmlReport(store, run.id, resolve(io.cwd, out), html)
          : writeRunReport(store, run.id, { ...html, cwd: io.cwd })
        ).finally(async () => {
          status?.end();
          await minimiser?.close();
        });
        io.stdout.write(
          `report of run ${run.id}: ${relative(io.cwd, r.path) || r.path} (${r.pages} pages, ${formatBytes(r.bytes)}, ${r.kinds} kinds, ${r.divergences} divergences)${minimisedSummary(minimiser)}\n`,
        );
        return 0;
      }
      let stream: NodeJS.WritableStream = io.stdout;
      let file: ReturnType<typeof createWriteStream> | null = null;
      if (out) {
        const dir = resolve(io.cwd, out);
        await mkdir(dir, { recursive: true });
        file = createWriteStream(join(dir, REPORTER_FILES[format]));
        stream = file;
      }
      const reporter = createReporter(format, {
        store,
        out: stream,
        outDir: out ?? '',
        maxDivergences: int(values, 'max-divergences') ?? 10,
      });
      // Reports on standard output (json, terminal...) get no status line: only one written to a file.
      const status = out ? statusLineFor(io, { json: false, label: 'report' }) : null;
      status?.phase(`writing the ${format} report of run ${run.id}`);
      await runReporters(store, run.id, [reporter], opts).finally(() => status?.end());
      if (file) {
        file.end();
        await finished(file);
        io.stderr.write(`report of run ${run.id}: ${relative(io.cwd, file.path.toString())}\n`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
