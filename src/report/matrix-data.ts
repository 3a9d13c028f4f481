/**
 * The verdict matrix as compact data for `assets/matrix.js`: a large static report writes page 1
 * of the matrix as HTML (each order) and the script shows any other page from this, so the
 * report no longer holds 2 x N/500 pages of table cells (120 MiB of a 64 MiB synthetic run's
 * 207 MiB report). One character per verdict, and for the cells that say more than their
 * verdict (expected beside actual, failed assertions, a reason) a note with its parts; the
 * texts the script builds from them are the ones matrix-page.ts writes.
 */
import { jsonForScript } from './html.ts';
import { cellNote, columns } from './pages/matrix-page.ts';
import type { ReportContext } from './report-context.ts';
import { MATRIX_ROWS_PER_PAGE } from './report-paths.ts';
import { traceNumber } from './trace-numbers.ts';

/** A verdict as one character (`.`: no verdict). */
export const VERDICT_CODES = {
  pass: 'p',
  fail: 'f',
  inconclusive: 'i',
  unsupported: 'u',
  error: 'e',
} as const;

/** The verdict codes in the order a note's expected verdict counts them from 1. */
export const NOTE_VERDICTS = 'pfiue';

export interface MatrixData {
  perPage: number;
  policies: string[];
  /** Column order per matrix order: [policy index, 1 if it starts a group]. */
  columns: { grouped: [number, number][]; release: [number, number][] };
  /** [label, matrix, trace number (trace-numbers.ts)] per trace and matrix; rows name theirs by index. */
  traces: [string, string, number][];
  rows: { name: string[]; trace: number[]; divergences: number[]; roots: number[]; verdicts: string[] };
  /** Distinct detail texts (` (warns=0 (got 1))`), notes name theirs by index. */
  details: string[];
  /**
   * Five numbers a note, flat, in row order: rows since the previous note's row, policy index,
   * kind (0 none, 1 known, 2 unexpected), expected verdict (0 none, else 1 + its place in
   * NOTE_VERDICTS), detail index. A 64 MiB synthetic run has ~67,000 notes: as arrays of mixed
   * values they were 1.2 MB of the report.
   */
  notes: number[];
}

export function matrixData(ctx: ReportContext): MatrixData {
  const traces: [string, string, number][] = [];
  const traceIndex = new Map<string, number>();
  const details: string[] = [];
  const detailIndex = new Map<string, number>();
  const rows: MatrixData['rows'] = { name: [], trace: [], divergences: [], roots: [], verdicts: [] };
  const notes: MatrixData['notes'] = [];
  let lastRow = 0;
  ctx.scenarios.forEach((r, ri) => {
    const tk = `${r.trace}\0${r.matrix}`;
    let ti = traceIndex.get(tk);
    if (ti === undefined) {
      ti = traces.length;
      traces.push([r.trace, r.matrix, traceNumber(ctx, r.trace)!]);
      traceIndex.set(tk, ti);
    }
    rows.name.push(r.name);
    rows.trace.push(ti);
    rows.divergences.push(r.divergences);
    rows.roots.push(r.roots);
    rows.verdicts.push(r.verdicts.map((v) => (v ? VERDICT_CODES[v] : '.')).join(''));
    r.verdicts.forEach((v, pi) => {
      if (!v) return;
      const { kind, expected, detail } = cellNote(r, pi);
      if (kind === null && expected === null && detail === '') return;
      let di = detailIndex.get(detail);
      if (di === undefined) {
        di = details.length;
        details.push(detail);
        detailIndex.set(detail, di);
      }
      const exp = expected
        ? NOTE_VERDICTS.indexOf(VERDICT_CODES[expected as keyof typeof VERDICT_CODES]) + 1
        : 0;
      notes.push(ri - lastRow, pi, kind === 'known' ? 1 : kind === 'unexpected' ? 2 : 0, exp, di);
      lastRow = ri;
    });
  });
  const cols = (order: 'grouped' | 'release') =>
    columns(ctx, order).map((c): [number, number] => [c.index, c.first ? 1 : 0]);
  return {
    perPage: MATRIX_ROWS_PER_PAGE,
    policies: ctx.policyIds,
    columns: { grouped: cols('grouped'), release: cols('release') },
    traces,
    rows,
    details,
    notes,
  };
}

/** The data as the script file `data/matrix.js`. */
export function matrixDataScript(ctx: ReportContext): string {
  return `window.PINBENCH_MATRIX = ${jsonForScript(matrixData(ctx))};\n`;
}
