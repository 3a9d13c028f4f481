/**
 * The CI export formats by name (the nightly's --junit/--kcidb/--lkp, and any command that wants
 * them): each renders the export model to text. `ExportReporter` wraps one as a report-stage
 * Reporter, so it can sit in src/report's registry beside html/json/terminal.
 */
import type { ReportContext } from '../report/report-context.ts';
import type { Reporter } from '../report/reporter.ts';
import type { StoredDivergence } from '../store/store.ts';
import { type ExportExtras, ExportModelCollector } from './collect-export-model.ts';
import type { ExportModel } from './export-model.ts';
import { type JunitOptions, renderJunit } from './junit.ts';
import { type KcidbOptions, renderKcidb } from './kcidb.ts';
import { renderLkp } from './lkp.ts';

export const EXPORT_FORMATS = ['junit', 'kcidb', 'lkp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRenderOptions {
  junit?: JunitOptions;
  kcidb?: KcidbOptions;
}

export interface Exporter {
  readonly format: ExportFormat;
  readonly description: string;
  render(model: ExportModel, opts?: ExportRenderOptions): string;
}

export const EXPORTERS: Record<ExportFormat, Exporter> = {
  junit: {
    format: 'junit',
    description: 'JUnit XML (GitLab, Jenkins): a testcase per scenario x policy',
    render: (m, o) => renderJunit(m, o?.junit),
  },
  kcidb: {
    format: 'kcidb',
    description: 'KCIDB I/O JSON (v5.0): checkout = policy set, build per policy, test per scenario x policy',
    render: (m, o) => renderKcidb(m, o?.kcidb),
  },
  lkp: {
    format: 'lkp',
    description: 'Plain text in the style of the kernel test robot, for a mailing-list reply',
    render: (m) => renderLkp(m),
  },
};

/** A Reporter that writes one export format of the run to `out` once the run is read. */
export class ExportReporter implements Reporter {
  readonly name: ExportFormat;
  private readonly collector: ExportModelCollector;
  private readonly out: NodeJS.WritableStream;
  private readonly opts: ExportRenderOptions;

  constructor(
    format: ExportFormat,
    out: NodeJS.WritableStream,
    extras: ExportExtras = {},
    opts: ExportRenderOptions = {},
  ) {
    this.name = format;
    this.collector = new ExportModelCollector(extras);
    this.out = out;
    this.opts = opts;
  }

  onRunStart(ctx: ReportContext): void {
    this.collector.onRunStart(ctx);
  }

  onDivergences(rows: readonly StoredDivergence[]): void {
    this.collector.onDivergences(rows);
  }

  onRunEnd(ctx: ReportContext): void {
    this.collector.onRunEnd(ctx);
    this.out.write(EXPORTERS[this.name].render(this.collector.model, this.opts));
  }
}
