/**
 * The divergence list's compact index: one column array per field, strings interned into tables
 * (traces, scenarios, events, class partitions, family sets), so 100k divergences fit in a few
 * MB that the list's script filters in milliseconds. The call texts (what a search looks through
 * besides names) are most of the bytes, so they are a second file loaded once the list works. It is written as a script file
 * (`window.PINBENCH_DIVERGENCES = {...};`, JSON with `<` `>` `&` escaped) because browsers do
 * not let a page opened from file:// fetch a .json file; a <script src> works from both file://
 * and `pinbench serve` under `script-src 'self'`.
 */
import type { DivergenceRow } from '../store/divergence-row.ts';
import { jsonForScript } from './html.ts';
import { classesText } from './pages/fragments.ts';
import { isAccepted, isNew, type ReportContext } from './report-context.ts';
import { DIVERGENCES_PER_PAGE, signatureSlug } from './report-paths.ts';
import { traceLabels } from './trace-numbers.ts';

export const FLAG_ROOT = 1;
export const FLAG_NEW = 2;
export const FLAG_ACCEPTED = 4;

class Interner {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(v: string): number {
    let i = this.ids.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.ids.set(v, i);
    }
    return i;
  }
}

/** The call's payload without the ftrace prefix: what a search looks through. */
export function payloadOf(text: string, event: string): string {
  const at = text.indexOf(`${event}: `);
  const s = at >= 0 ? text.slice(at + event.length + 2) : text.trim();
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

export class DivergenceIndexBuilder {
  private readonly ctx: ReportContext;
  private readonly occurrencePages: boolean;
  private readonly traces = new Interner();
  private readonly matrices = new Interner();
  private readonly scenarios = new Interner();
  private readonly events = new Interner();
  private readonly families = new Interner();
  private readonly partitions = new Interner();
  private readonly familySets = new Interner();
  private readonly partitionLabels: string[] = [];
  private readonly partitionPolicies: number[][] = [];
  private readonly familySetLists: number[][] = [];
  private readonly partitionFamilySet: number[] = [];
  private readonly extraPolicies: string[] = [];
  private readonly policyIdx: Map<string, number>;
  private readonly kinds = new Interner();
  private readonly kindTitles: string[] = [];
  private readonly titleOf: Map<string, string>;
  private readonly cols = {
    sig: [] as string[],
    tr: [] as number[],
    mx: [] as number[],
    sc: [] as number[],
    seq: [] as number[],
    ln: [] as number[],
    ev: [] as number[],
    fl: [] as number[],
    cs: [] as number[],
    fs: [] as number[],
    kd: [] as number[],
  };
  /** Call text per row, kept apart: the list loads it after it is interactive (search only). */
  private readonly texts: string[] = [];

  /** `occurrencePages`: rows open their own page (`--pages all`), else their kind's page. */
  constructor(ctx: ReportContext, occurrencePages = false) {
    this.ctx = ctx;
    this.occurrencePages = occurrencePages;
    this.titleOf = new Map(ctx.kinds.map((k) => [k.kind, k.title]));
    this.policyIdx = new Map(ctx.policyIds.map((id, i) => [id, i]));
    this.matrices.id('');
    // `traces` in the run's trace-number order: pages link the list filtered to trace N as #t=N.
    for (const label of traceLabels(ctx)) this.traces.id(label);
  }

  get size(): number {
    return this.cols.sig.length;
  }

  add(row: DivergenceRow): void {
    const c = this.cols;
    const key = row.classes.map((x) => x.join(',')).join('|');
    const before = this.partitions.values.length;
    const cs = this.partitions.id(key);
    if (cs === before) {
      this.partitionLabels.push(
        classesText(
          row.classes.map((policies) => ({ policies })),
          this.ctx.policyIds,
        ),
      );
      const members = new Set<number>();
      for (const cl of row.classes) for (const p of cl) members.add(this.policyIndex(p));
      this.partitionPolicies.push([...members].sort((a, b) => a - b));
      const fams = this.ctx.families.families(row.classes);
      const fkey = fams.join(',');
      const fBefore = this.familySets.values.length;
      const fs = this.familySets.id(fkey);
      if (fs === fBefore) this.familySetLists.push(fams.map((f) => this.families.id(f)));
      this.partitionFamilySet.push(fs);
    }
    c.sig.push(signatureSlug(row.signature));
    c.tr.push(this.traces.id(row.trace));
    c.mx.push(this.matrices.id(row.matrix));
    c.sc.push(this.scenarios.id(row.scenario));
    c.seq.push(row.seq);
    c.ln.push(row.line);
    c.ev.push(this.events.id(row.event));
    c.fl.push(
      (row.root ? FLAG_ROOT : 0) |
        (isNew(this.ctx, row.signature) ? FLAG_NEW : 0) |
        (isAccepted(this.ctx, row.signature) ? FLAG_ACCEPTED : 0),
    );
    c.cs.push(cs);
    c.fs.push(this.partitionFamilySet[cs]!);
    const kBefore = this.kinds.values.length;
    const kd = this.kinds.id(row.kind ?? '');
    if (kd === kBefore) this.kindTitles.push(this.titleOf.get(row.kind ?? '') ?? '');
    c.kd.push(kd);
    this.texts.push(payloadOf(row.text, row.event));
    // The script finds a divergence's page at d/<first two of sig>/<sig>.html (report-paths).
  }

  private policyIndex(id: string): number {
    let i = this.policyIdx.get(id);
    if (i === undefined) {
      i = this.ctx.policyIds.length + this.extraPolicies.length;
      this.extraPolicies.push(id);
      this.policyIdx.set(id, i);
    }
    return i;
  }

  toJSON(): object {
    return {
      v: 1,
      run: this.ctx.run.id,
      total: this.size,
      pageSize: DIVERGENCES_PER_PAGE,
      hasPrevious: this.ctx.newSignatures !== null,
      occurrencePages: this.occurrencePages,
      kinds: this.kinds.values,
      kindTitles: this.kindTitles,
      traces: this.traces.values,
      matrices: this.matrices.values,
      scenarios: this.scenarios.values,
      events: this.events.values,
      policies: [...this.ctx.policyIds, ...this.extraPolicies],
      families: this.families.values,
      partitions: this.partitionLabels,
      partitionPolicies: this.partitionPolicies,
      familySets: this.familySetLists,
      rows: this.cols,
    };
  }

  /** The index as a script file's text. */
  toScript(): string {
    return `window.PINBENCH_DIVERGENCES = ${jsonForScript(this.toJSON())};\n`;
  }

  /** The call texts, in row order, as a script file's text. */
  toTextScript(): string {
    return `window.PINBENCH_DIVERGENCE_TEXT = ${jsonForScript({ run: this.ctx.run.id, text: this.texts })};\n`;
  }
}
