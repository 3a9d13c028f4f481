/**
 * The JSON reporter: one JSON document per run, streamed (divergences are written as they are
 * read, so a run with 100k of them never sits in memory). Keys are stable; add keys freely.
 *
 *   {"type":"pinbench-report","version":1,"run":{...},"totals":{...},"policies":[...],
 *    "groups":[{"label","policies","counts"}],"scenarios":[{"trace","matrix","scenario","calls",
 *    "divergences","roots","verdicts":{POLICY:VERDICT}}],"traces":[...],"previous":ID|null,
 *    "changes":{"new","fixed","unchanged","verdictChanges":[...]}|null,
 *    "divergences":[{"signature","trace","matrix","scenario","seq","line","event","root","new",
 *    "accepted","classes":[[POLICY...]],"families":[FAMILY...]}],"divergenceCount":N}
 */
import type { StoredDivergence } from '../../store/store.ts';
import { isAccepted, isNew, type ReportContext } from '../report-context.ts';
import type { Reporter } from '../reporter.ts';

export interface JsonReporterOptions {
  out: NodeJS.WritableStream;
}

function write(out: NodeJS.WritableStream, s: string): Promise<void> | void {
  if (out.write(s)) return;
  return new Promise((resolve) => out.once('drain', () => resolve()));
}

export class JsonReporter implements Reporter {
  readonly name = 'json';
  private readonly out: NodeJS.WritableStream;
  private count = 0;

  constructor(opts: JsonReporterOptions) {
    this.out = opts.out;
  }

  async onRunStart(ctx: ReportContext): Promise<void> {
    const head = {
      type: 'pinbench-report',
      version: 1,
      run: ctx.run,
      totals: ctx.totals,
      policies: ctx.policies,
      groups: ctx.groups,
      scenarios: ctx.scenarios.map((s) => ({
        trace: s.trace,
        matrix: s.matrix,
        scenario: s.name,
        calls: s.calls,
        divergences: s.divergences,
        roots: s.roots,
        verdicts: Object.fromEntries(
          ctx.policyIds.flatMap((p, i) => (s.verdicts[i] ? [[p, s.verdicts[i]]] : [])),
        ),
      })),
      traces: ctx.traces,
      previous: ctx.previous?.id ?? null,
      changes: ctx.diff
        ? {
            new: ctx.diff.new.length,
            fixed: ctx.diff.fixed.length,
            unchanged: ctx.diff.unchanged.length,
            verdictChanges: ctx.diff.verdictChanges,
          }
        : null,
    };
    const text = JSON.stringify(head);
    await write(this.out, `${text.slice(0, -1)},"divergences":[`);
  }

  async onDivergences(rows: readonly StoredDivergence[], ctx: ReportContext): Promise<void> {
    const parts: string[] = [];
    for (const d of rows) {
      const classes = d.classes.map((c) => c.policies);
      parts.push(
        JSON.stringify({
          signature: d.signature,
          trace: d.trace,
          matrix: d.matrix,
          scenario: d.scenario,
          seq: d.seq,
          line: d.line,
          event: d.event,
          root: d.root,
          new: isNew(ctx, d.signature),
          accepted: isAccepted(ctx, d.signature),
          classes,
          families: ctx.families.families(classes),
        }),
      );
    }
    if (parts.length === 0) return;
    await write(this.out, `${this.count > 0 ? ',' : ''}${parts.join(',')}`);
    this.count += parts.length;
  }

  async onRunEnd(): Promise<void> {
    await write(this.out, `],"divergenceCount":${this.count}}\n`);
  }
}
