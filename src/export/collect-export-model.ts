/**
 * Builds the export model from a stored run through the report stage's Reporter interface: the
 * run's small data from `ReportContext` (scenarios, verdicts, traces, policies, the diff with the
 * previous complete run, triage judged against this run's policy hashes), and divergences as they
 * stream past, keeping only the first one of each scenario (so memory follows the number of
 * scenarios, not of divergences).
 */

import type { DivergenceRecord, Verdict } from '../replay/results.ts';
import type { ReportContext } from '../report/report-context.ts';
import { isAccepted } from '../report/report-context.ts';
import type { Reporter, RunReportersOptions } from '../report/reporter.ts';
import { runReporters } from '../report/reporter.ts';
import type { Store, StoredDivergence } from '../store/store.ts';
import type { ExportCase, ExportComparison, ExportModel, ExportSource } from './export-model.ts';

export interface ExportExtras {
  baseline?: string | null;
  sources?: ExportSource[];
  reportUrl?: string | null;
}

const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'unsupported', 'error'];

/** A divergence in the model.md record shape, without the store's extra keys. */
function record(d: StoredDivergence): DivergenceRecord {
  const { matrix: _m, sha256: _s, kind: _k, ...rest } = d;
  return rest;
}

interface ScenarioSlot {
  name: string;
  sidx: number;
  first: DivergenceRecord | null;
  lastSeq: number;
}

export class ExportModelCollector implements Reporter {
  readonly name = 'export-model';
  private readonly extras: ExportExtras;
  /** Scenarios of each (trace, matrix), in sidx order, and where the divergence stream is. */
  private readonly slots = new Map<string, { list: ScenarioSlot[]; at: number }>();
  private built: ExportModel | null = null;

  constructor(extras: ExportExtras = {}) {
    this.extras = extras;
  }

  onRunStart(ctx: ReportContext): void {
    for (const s of ctx.scenarios) {
      const key = `${s.trace}\0${s.matrix}`;
      let e = this.slots.get(key);
      if (!e) {
        e = { list: [], at: -1 };
        this.slots.set(key, e);
      }
      e.list.push({ name: s.name, sidx: s.sidx, first: null, lastSeq: -1 });
    }
    for (const e of this.slots.values()) e.list.sort((a, b) => a.sidx - b.sidx);
  }

  /**
   * Divergences come in (trace, matrix, sidx, seq) order but carry the scenario's name, not its
   * position: a divergence belongs to the current scenario if the name matches and its seq goes
   * on increasing, else to the next scenario of that name (names may repeat within a trace).
   */
  onDivergences(rows: readonly StoredDivergence[]): void {
    for (const d of rows) {
      const e = this.slots.get(`${d.trace}\0${d.matrix}`);
      if (!e) continue;
      const cur = e.at >= 0 ? e.list[e.at] : undefined;
      if (cur && cur.name === d.scenario && d.seq > cur.lastSeq) {
        cur.lastSeq = d.seq;
        continue;
      }
      const next = e.list.findIndex((x, i) => i > e.at && x.name === d.scenario);
      if (next < 0) continue;
      e.at = next;
      const slot = e.list[next]!;
      slot.first = record(d);
      slot.lastSeq = d.seq;
    }
  }

  onRunEnd(ctx: ReportContext): void {
    this.built = this.build(ctx);
  }

  /** The model, once the reporters have run. */
  get model(): ExportModel {
    if (!this.built) throw new Error('ExportModelCollector: the run has not been read yet');
    return this.built;
  }

  private build(ctx: ReportContext): ExportModel {
    const traceMs = new Map(ctx.traces.map((t) => [`${t.trace}\0${t.matrix}`, t.ms]));
    const perTrace = new Map<string, number>();
    for (const s of ctx.scenarios) {
      const key = `${s.trace}\0${s.matrix}`;
      perTrace.set(key, (perTrace.get(key) ?? 0) + s.verdicts.filter((v) => v !== null).length);
    }
    const cases: ExportCase[] = [];
    for (const s of ctx.scenarios) {
      const key = `${s.trace}\0${s.matrix}`;
      const slot = this.slots.get(key)?.list.find((x) => x.sidx === s.sidx);
      const each = (traceMs.get(key) ?? 0) / 1000 / Math.max(1, perTrace.get(key) ?? 1);
      ctx.policyIds.forEach((policy, i) => {
        const verdict = s.verdicts[i];
        if (!verdict) return;
        cases.push({
          trace: s.trace,
          identity: s.identity,
          sha256: s.sha256,
          matrix: s.matrix,
          sidx: s.sidx,
          scenario: s.name,
          policy,
          verdict,
          failed: s.failed[i] ?? [],
          reason: s.reasons[i] ?? null,
          expected: s.expected[i] ?? null,
          seconds: each,
          divergence: slot?.first ?? null,
        });
      });
    }
    const counts = ctx.policyIds.map((policy) => {
      const c = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
      for (const x of cases) if (x.policy === policy) c[x.verdict]++;
      return { policy, counts: c };
    });
    let comparison: ExportComparison | null = null;
    if (ctx.previous && ctx.diff) {
      const d = ctx.diff;
      const unaccepted = d.new.filter((x) => !isAccepted(ctx, x.signature));
      comparison = {
        previousRunId: ctx.previous.id,
        regressions: d.verdictChanges
          .filter((v) => v.before === 'pass' && (v.after === 'fail' || v.after === 'error'))
          .map((v) => {
            const c = cases.find(
              (x) =>
                x.trace === v.trace &&
                x.matrix === v.matrix &&
                x.scenario === v.scenario &&
                x.policy === v.policy &&
                x.verdict === v.after,
            );
            return {
              trace: v.trace,
              matrix: v.matrix,
              scenario: v.scenario,
              policy: v.policy,
              before: 'pass' as const,
              after: v.after as Verdict,
              failed: c?.failed ?? [],
              divergence: c?.divergence ?? null,
            };
          }),
        newDivergences: unaccepted,
        acceptedNew: d.new.length - unaccepted.length,
        fixed: d.fixed,
        verdictChanges: d.verdictChanges,
      };
    }
    const run = ctx.run;
    return {
      generatedAt: ctx.generatedAt.toISOString(),
      run: {
        id: run.id,
        configName: run.configName,
        status: run.status,
        startedAt: run.startedAt.toISOString(),
        endedAt: run.endedAt ? run.endedAt.toISOString() : null,
        gitRevision: run.gitRevision,
        gitDirty: run.gitDirty,
        options: run.options,
      },
      policies: ctx.policies.map((p) => ({
        id: p.id,
        kind: p.kind,
        title: p.title,
        scopeRelease: p.scopeRelease,
        commit: p.commit,
        subject: p.subject,
        moduleHash: p.moduleHash,
        source: p.source,
        link: p.link,
      })),
      baseline: this.extras.baseline ?? null,
      traces: ctx.traces.map((t) => ({
        trace: t.trace,
        identity: t.identity,
        sha256: t.sha256,
        matrix: t.matrix,
        bytes: t.bytes,
        scenarios: t.scenarios,
        ms: t.ms,
        error: t.error,
      })),
      cases,
      counts,
      comparison,
      sources: this.extras.sources ?? [],
      reportUrl: this.extras.reportUrl ?? null,
    };
  }
}

/**
 * Reads run `runId` into the export model. `previousRunId` (default: the previous complete run of
 * the same config) is what "new" is measured against.
 */
export async function loadExportModel(
  store: Store,
  runId: number,
  extras: ExportExtras = {},
  opts: RunReportersOptions = {},
): Promise<ExportModel> {
  const collector = new ExportModelCollector(extras);
  await runReporters(store, runId, [collector], opts);
  return collector.model;
}
