/**
 * One divergence as listings show it, the one row shape the read side shares: `diff` and the
 * nightly comparison (new / gone / still), the divergence list's index (report and serve), and
 * the static list pages. No outcomes, why paths or context: those are in `StoredDivergence`.
 */
export interface DivergenceRow {
  signature: string;
  /** Its divergence kind (replay/divergence-kind.ts); null only in rows no kind was computed for. */
  kind: string | null;
  /** Scenario, call and the outcome difference in one line ('' where a row predates titles). */
  title: string;
  trace: string;
  matrix: string;
  scenario: string;
  seq: number;
  line: number;
  event: string;
  root: boolean;
  /** The call's trace line, cut to 240 characters. */
  text: string;
  /** Each class's policies, e.g. [["v5.19","v6.0-rc3"],["v6.0-rc1"]]. */
  classes: string[][];
}

/** The text a row keeps of the call's line. */
export const ROW_TEXT_MAX = 240;

/** A full divergence as a row. */
export function divergenceRow(
  d: Omit<DivergenceRow, 'kind' | 'classes'> & {
    kind?: string | null;
    classes: readonly { policies: string[] }[];
  },
): DivergenceRow {
  return {
    signature: d.signature,
    kind: d.kind ?? null,
    title: d.title,
    trace: d.trace,
    matrix: d.matrix,
    scenario: d.scenario,
    seq: d.seq,
    line: d.line,
    event: d.event,
    root: d.root,
    text: d.text.length > ROW_TEXT_MAX ? d.text.slice(0, ROW_TEXT_MAX) : d.text,
    classes: d.classes.map((c) => c.policies),
  };
}

/**
 * SQL for a divergence row's class partition (alias `d`). Since migration 0007 every row has one
 * (stored by content, rows from before converted); a fallback that parses the classes made the
 * planner cost each row as a read of its classes, and pick nested loops that took minutes.
 */
export const PARTITION_SQL = 'd.partition';

/** The partition column as read: JSON text, or (a driver that parses) the lists themselves. */
export function parsePartition(v: string | string[][]): string[][] {
  return typeof v === 'string' ? (JSON.parse(v) as string[][]) : v;
}
