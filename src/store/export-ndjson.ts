/**
 * A stored run as NDJSON in model.md's machine-readable contract: per trace (by path, then
 * matrix label) and per scenario in trace order, its divergences by seq, then finals and
 * verdicts in the replay's policy order. Records are the replay's records: same keys, same key
 * order (the payload columns are `json`, which keeps text as written); a non-empty matrix label
 * adds a `matrix` key. Outcome records are included only when asked for and stored.
 */
import type { Kysely } from 'kysely';
import { divergenceTitle } from '../replay/divergence-identity.ts';
import type {
  DivergenceRecord,
  FinalRecord,
  OutcomeRecord,
  ResultRecord,
  Verdict,
  VerdictRecord,
} from '../replay/results.ts';
import type { StoreSchema } from './store-schema.ts';

export type NdjsonWrite = (chunk: string) => void | Promise<void>;

export interface ExportOptions {
  /** Include `outcome` records (only runs started with `outcomes: true` have them). */
  outcomes?: boolean;
}

function withMatrix<T extends ResultRecord>(rec: T, matrix: string): T {
  return matrix ? { ...rec, matrix } : rec;
}

/** Writes every record of the run; returns how many. */
export async function exportNdjson(
  db: Kysely<StoreSchema>,
  runId: number,
  write: NdjsonWrite,
  opts: ExportOptions = {},
): Promise<number> {
  const traces = await db
    .selectFrom('run_traces')
    .where('run_id', '=', runId)
    .select(['trace_id', 'matrix', 'source'])
    .orderBy('source')
    .orderBy('matrix')
    .execute();
  let count = 0;
  for (const t of traces) {
    const at = { run_id: runId, trace_id: t.trace_id, matrix: t.matrix };
    const scenarios = await db
      .selectFrom('scenarios')
      .where((eb) => eb.and(at))
      .select(['sidx', 'name'])
      .orderBy('sidx')
      .execute();
    const divergences = await db
      .selectFrom('divergences')
      .where((eb) => eb.and(at))
      .selectAll()
      .orderBy('sidx')
      .orderBy('seq')
      .execute();
    const finals = await db
      .selectFrom('finals')
      .where((eb) => eb.and(at))
      .selectAll()
      .orderBy('sidx')
      .orderBy('pord')
      .execute();
    const verdicts = await db
      .selectFrom('scenario_results')
      .where((eb) => eb.and(at))
      .selectAll()
      .orderBy('sidx')
      .orderBy('pord')
      .execute();
    const outcomes = opts.outcomes
      ? await db
          .selectFrom('outcomes')
          .where((eb) => eb.and(at))
          .selectAll()
          .orderBy('sidx')
          .orderBy('seq')
          .execute()
      : [];

    const lines: string[] = [];
    const emit = (rec: ResultRecord) => {
      lines.push(JSON.stringify(withMatrix(rec, t.matrix)));
    };
    let di = 0;
    let fi = 0;
    let vi = 0;
    let oi = 0;
    for (const sc of scenarios) {
      const base = { trace: t.source, scenario: sc.name };
      // Outcomes of a call, then its divergence, call by call.
      while (
        (oi < outcomes.length && outcomes[oi]!.sidx === sc.sidx) ||
        (di < divergences.length && divergences[di]!.sidx === sc.sidx)
      ) {
        const o = outcomes[oi];
        const d = divergences[di];
        const oSeq = o && o.sidx === sc.sidx ? o.seq : Number.POSITIVE_INFINITY;
        const dSeq = d && d.sidx === sc.sidx ? d.seq : Number.POSITIVE_INFINITY;
        if (o && oSeq <= dSeq) {
          emit({
            type: 'outcome',
            ...base,
            seq: o.seq,
            line: o.line,
            event: o.event,
            policy: o.policy,
            ...(o.outcome as Omit<
              OutcomeRecord,
              'type' | 'trace' | 'scenario' | 'seq' | 'line' | 'event' | 'policy'
            >),
          });
          oi++;
        } else if (d) {
          const rec: DivergenceRecord = {
            type: 'divergence',
            ...base,
            seq: d.seq,
            line: d.line,
            event: d.event,
            text: d.text,
            signature: d.signature,
            title:
              d.title ?? divergenceTitle(sc.name, d.seq, d.event, d.classes as DivergenceRecord['classes']),
            root: d.root,
            classes: d.classes as DivergenceRecord['classes'],
            unsupported: d.unsupported,
            context: d.context,
            ...d.extra,
          };
          emit(rec);
          di++;
        }
      }
      for (; fi < finals.length && finals[fi]!.sidx === sc.sidx; fi++) {
        const f = finals[fi]!;
        const rec: FinalRecord = {
          type: 'final',
          ...base,
          policy: f.policy,
          leaks: f.leaks,
          pinsAcquired: f.pins_acquired,
          pinsReleased: f.pins_released,
          lockedVm: Number(f.locked_vm),
          bugs: f.bugs,
          warnings: f.warnings,
          longtermUnpinnable: f.longterm_unpinnable,
          badPageMaps: f.bad_page_maps,
          ...f.extra,
        };
        emit(rec);
      }
      for (; vi < verdicts.length && verdicts[vi]!.sidx === sc.sidx; vi++) {
        const v = verdicts[vi]!;
        const rec: VerdictRecord = {
          type: 'verdict',
          ...base,
          policy: v.policy,
          verdict: v.verdict as Verdict,
          failed: v.failed,
        };
        if (v.reason !== null) rec.reason = v.reason;
        if (v.expected !== null) rec.expected = v.expected as Verdict;
        emit({ ...rec, ...v.extra });
      }
    }
    count += lines.length;
    if (lines.length) await write(`${lines.join('\n')}\n`);
  }
  return count;
}
