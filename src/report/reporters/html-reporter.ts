/**
 * The static HTML report: writes every page of the report layout (report-paths.ts) into a
 * directory, self-contained (relative links, its own CSS and scripts, no network). Divergence
 * pages and list pages are written as the divergences stream by, so memory holds one page of
 * rows plus the compact index, whatever the run's size. The report is built in a sibling
 * temporary directory and swapped in at the end: a reader never sees half a report, and a
 * failed generation leaves the previous one in place.
 */
import { randomBytes } from 'node:crypto';
import { writeFile as writeFileCallback } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type DivergenceRow, divergenceRow } from '../../store/divergence-row.ts';
import { reportReads } from '../../store/report-queries.ts';
import type { Store, StoredDivergence } from '../../store/store.ts';
import { DivergenceIndexBuilder } from '../divergence-index.ts';
import type { SafeHtml } from '../html.ts';
import { matrixDataScript } from '../matrix-data.ts';
import {
  type MinimisedSlice,
  minimisedSliceHtml,
  minimisedSlicePath,
  type SliceMinimiser,
} from '../minimised-slices.ts';
import { divergenceListPageCount, renderDivergenceListPage } from '../pages/divergence-list-page.ts';
import {
  type Neighbours,
  partitionKey,
  type RootRef,
  renderDivergencePage,
} from '../pages/divergence-page.ts';
import {
  FIDELITY_PATH,
  type FidelityPageInput,
  fidelityPageHtml,
  fidelitySummary,
} from '../pages/fidelity-page.ts';
import { KIND_EXAMPLES, KIND_FULL_PAGES, renderKindListPage, renderKindPage } from '../pages/kind-pages.ts';
import { matrixPageCount, renderMatrixPage } from '../pages/matrix-page.ts';
import { type PageEnv, STATIC_ENV } from '../pages/page-env.ts';
import { renderPolicyListPage, renderPolicyPage } from '../pages/policy-pages.ts';
import { renderSummaryPage } from '../pages/summary-page.ts';
import { ASSET_NAMES, loadAssets } from '../report-assets.ts';
import type { ReportContext } from '../report-context.ts';
import { checkReportDirReplaceable } from '../report-dir-safety.ts';
import {
  assetPath,
  DIVERGENCE_INDEX_DATA,
  DIVERGENCE_TEXT_DATA,
  DIVERGENCES_PER_PAGE,
  divergenceListPath,
  divergencePath,
  KINDS_PATH,
  kindPath,
  MATRIX_DATA,
  matrixPath,
  POLICIES_PATH,
  policyPath,
  REPORT_MARKER,
  SUMMARY_PATH,
} from '../report-paths.ts';
import type { Reporter } from '../reporter.ts';

export interface HtmlReportResult {
  /** The summary page (`<dir>/index.html`). */
  path: string;
  dir: string;
  /** HTML pages written. */
  pages: number;
  /** Bytes of every file written (pages, assets, data). */
  bytes: number;
  /** Divergence kinds (a page each). */
  kinds: number;
  divergences: number;
}

/** Which divergence pages a report has: one per kind (default), or also one per occurrence. */
export const REPORT_PAGE_SETS = ['kinds', 'all'] as const;
export type ReportPageSet = (typeof REPORT_PAGE_SETS)[number];

export interface HtmlReporterOptions {
  store: Store;
  outDir: string;
  env?: PageEnv;
  /**
   * `kinds` (default): a page per divergence kind, occurrences in the list's data only; `all`:
   * also a page per occurrence (d/<ab>/<signature>.html) and the static list pages.
   */
  pages?: ReportPageSet;
  /** Files written concurrently (default 32). */
  concurrency?: number;
  /** Real recordings against their kernels' models: written as `fidelity.html`, linked from the summary. */
  fidelity?: FidelityPageInput;
  /** Minimises the example of each kind (and each divergence page's) into a linked slice file. */
  minimiser?: SliceMinimiser;
}

/**
 * fs.writeFile through its callback: the promise API's FileHandle costs the main thread about
 * 0.1 ms more a file (a large report writes ~8,000).
 */
function writeFileAt(path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => writeFileCallback(path, data, (e) => (e ? reject(e) : resolve())));
}

/** Writes files with bounded concurrency, creating directories once. */
class FileSink {
  readonly root: string;
  pages = 0;
  bytes = 0;
  private readonly dirs = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly limit: number;
  private failed: { error: unknown } | null = null;

  constructor(root: string, limit: number) {
    this.root = root;
    this.limit = limit;
  }

  async write(path: string, data: string | Buffer): Promise<void> {
    const abs = join(this.root, path);
    const dir = dirname(abs);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    this.bytes += buf.length;
    if (path.endsWith('.html')) this.pages++;
    // A failed write (a full disk) is kept and thrown by the next write or flush: left in a
    // promise nobody awaits it would be an unhandled rejection that kills the process.
    const p: Promise<void> = writeFileAt(abs, buf)
      .catch((e: unknown) => {
        this.failed ??= { error: e };
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    if (this.inflight.size >= this.limit) await Promise.race(this.inflight);
    if (this.failed) throw this.failed.error;
  }

  async flush(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failed) throw this.failed.error;
  }

  /** Waits for the writes in flight, whatever their outcome (before the directory is removed). */
  async settle(): Promise<void> {
    await Promise.all(this.inflight);
  }
}

export class HtmlReporter implements Reporter {
  readonly name = 'html';
  result: HtmlReportResult | null = null;
  private readonly store: Store;
  private readonly outDir: string;
  private readonly env: PageEnv;
  private readonly fidelity: FidelityPageInput | null;
  private readonly minimiser: SliceMinimiser | null;
  private readonly all: boolean;
  private readonly concurrency: number;
  private sink: FileSink | null = null;
  private tmpDir = '';
  private index: DivergenceIndexBuilder | null = null;
  private listRows: DivergenceRow[] = [];
  private listPage = 1;
  private listPages = 1;
  private pending: { d: StoredDivergence; root: RootRef | null } | null = null;
  private prevSig: string | null = null;
  /** The scenario being streamed (divergences come scenario by scenario) and its roots by partition. */
  private scenarioKey = '';
  private roots = new Map<string, RootRef>();
  private readonly written = new Map<string, Neighbours>();
  private readonly dupes = new Set<string>();
  private streamed = 0;
  /** Minimised slices made, by signature (a kind's example may also have a divergence page). */
  private readonly slices = new Map<string, MinimisedSlice>();

  constructor(opts: HtmlReporterOptions) {
    this.store = opts.store;
    this.outDir = resolve(opts.outDir);
    this.all = opts.pages === 'all';
    this.env = { ...(opts.env ?? STATIC_ENV), occurrencePages: this.all };
    this.fidelity = opts.fidelity ?? null;
    this.minimiser = opts.minimiser ?? null;
    if (this.fidelity) this.env = { ...this.env, fidelity: fidelitySummary(this.fidelity) };
    this.concurrency = opts.concurrency ?? 32;
    // Full divergences (why paths, context) are read only to write a page per occurrence; the
    // kinds report reads the list's slim rows itself (onRunEnd), a fraction of the bytes.
    if (this.all) this.onDivergences = (rows, ctx) => this.onOccurrences(rows, ctx);
  }

  onDivergences?: (rows: readonly StoredDivergence[], ctx: ReportContext) => Promise<void>;

  /** The list's rows: its data for the script, and the static list pages. */
  private async addListRow(row: DivergenceRow, ctx: ReportContext): Promise<void> {
    this.streamed++;
    this.index!.add(row);
    // Without pages per occurrence, the list's static page 1 holds the first rows (for readers
    // without JavaScript) and the rest live in the list's data only.
    if (this.all || this.listPage === 1) {
      this.listRows.push(row);
      if (this.listRows.length === DIVERGENCES_PER_PAGE) await this.flushListPage(ctx);
    }
  }

  async onRunStart(ctx: ReportContext): Promise<void> {
    await checkReportDirReplaceable(this.outDir);
    await mkdir(dirname(this.outDir), { recursive: true });
    this.tmpDir = join(
      dirname(this.outDir),
      `.${basename(this.outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    const sink = new FileSink(this.tmpDir, this.concurrency);
    this.sink = sink;
    this.index = new DivergenceIndexBuilder(ctx, this.all);
    this.listPages = this.all ? divergenceListPageCount(ctx.totals.divergences) : 1;
    const assets = await loadAssets();
    for (const name of ASSET_NAMES) await sink.write(assetPath(name), assets.get(name)!);
    await sink.write(SUMMARY_PATH, renderSummaryPage(ctx, this.env));
    if (this.fidelity) await sink.write(FIDELITY_PATH, fidelityPageHtml(this.fidelity, ctx.generatedAt));
    // A large run's matrix: page 1 of each order as HTML, the rest as compact data the page's
    // script shows (matrix-data.ts); `--pages all` writes every page.
    const dataPages = !this.all && matrixPageCount(ctx) > 1;
    const matrixPages = dataPages ? 1 : matrixPageCount(ctx);
    for (let page = 1; page <= matrixPages; page++) {
      for (const order of ['grouped', 'release'] as const) {
        await sink.write(
          matrixPath(page, order),
          renderMatrixPage(ctx, this.env, page, order, { dataPages }),
        );
      }
    }
    if (dataPages) await sink.write(MATRIX_DATA, matrixDataScript(ctx));
    await sink.write(POLICIES_PATH, renderPolicyListPage(ctx, this.env));
    await sink.write(KINDS_PATH, renderKindListPage(ctx, this.env));
    for (const p of ctx.policies) await sink.write(policyPath(p.id), renderPolicyPage(ctx, this.env, p));
  }

  private async onOccurrences(rows: readonly StoredDivergence[], ctx: ReportContext): Promise<void> {
    for (const d of rows) {
      await this.addListRow(divergenceRow(d), ctx);
      const scenarioKey = `${d.trace}\0${d.matrix}\0${d.scenario}`;
      if (scenarioKey !== this.scenarioKey) {
        this.scenarioKey = scenarioKey;
        this.roots = new Map();
      }
      const partition = partitionKey(d.classes);
      if (d.root) this.roots.set(partition, { signature: d.signature, seq: d.seq, line: d.line });
      const root = d.root ? null : (this.roots.get(partition) ?? null);
      if (this.written.has(d.signature) || this.pending?.d.signature === d.signature) {
        this.dupes.add(d.signature);
        continue;
      }
      // One divergence behind: a page is written once the next one is known (its `next` link).
      if (this.pending) {
        await this.writeDivergence(ctx, [this.pending.d], {
          prev: this.prevSig,
          next: d.signature,
          root: this.pending.root,
        });
        this.prevSig = this.pending.d.signature;
      }
      this.pending = { d, root };
    }
  }

  private async writeDivergence(ctx: ReportContext, occ: StoredDivergence[], nb: Neighbours): Promise<void> {
    const sig = occ[0]!.signature;
    this.written.set(sig, nb);
    const slice = await this.minimisedSlice(divergencePath(sig), occ[0]!);
    await this.sink!.write(divergencePath(sig), renderDivergencePage(ctx, this.env, occ, nb, slice));
  }

  private async flushListPage(ctx: ReportContext): Promise<void> {
    const total = Math.max(ctx.totals.divergences, this.streamed);
    if (this.all) this.listPages = Math.max(this.listPages, divergenceListPageCount(total));
    await this.sink!.write(
      divergenceListPath(this.listPage),
      renderDivergenceListPage(ctx, this.env, this.listPage, total, this.listRows, this.all),
    );
    this.listPage++;
    this.listRows = [];
  }

  async onRunEnd(ctx: ReportContext): Promise<void> {
    const sink = this.sink!;
    if (!this.all) {
      // The context's scenarios name the rows' traces and scenarios (one read of them, not two).
      for await (const rows of reportReads(this.store).streamDivergenceRows(
        ctx.run.id,
        undefined,
        ctx.scenarios,
      )) {
        for (const row of rows) await this.addListRow(row, ctx);
      }
    }
    if (this.pending) {
      await this.writeDivergence(ctx, [this.pending.d], {
        prev: this.prevSig,
        next: null,
        root: this.pending.root,
      });
    }
    if (this.listRows.length > 0 || this.listPage === 1) await this.flushListPage(ctx);
    await this.writeKindPages(ctx);
    for (const sig of this.dupes) {
      const all = await this.store.divergence(sig, ctx.run.id);
      if (all)
        await this.writeDivergence(ctx, all.occurrences, this.written.get(sig) ?? { prev: null, next: null });
    }
    await sink.write(DIVERGENCE_INDEX_DATA, this.index!.toScript());
    await sink.write(DIVERGENCE_TEXT_DATA, this.index!.toTextScript());
    await sink.write(
      REPORT_MARKER,
      `${JSON.stringify({ run: ctx.run.id, generatedAt: ctx.generatedAt.toISOString(), divergences: this.streamed })}\n`,
    );
    await sink.flush();
    await swapIn(this.tmpDir, this.outDir);
    this.result = {
      path: join(this.outDir, SUMMARY_PATH),
      dir: this.outDir,
      pages: sink.pages,
      bytes: sink.bytes,
      kinds: ctx.kinds.length,
      divergences: this.streamed,
    };
  }

  /** A page per divergence kind, with its first occurrences (read in one query). */
  private async writeKindPages(ctx: ReportContext): Promise<void> {
    if (ctx.kinds.length === 0) return;
    const full = this.all ? undefined : ctx.kinds.slice(0, KIND_FULL_PAGES).map((k) => k.kind);
    const examples = await reportReads(this.store).kindExamples(ctx.run.id, KIND_EXAMPLES, full);
    // The kinds' slices are read ahead together (cached ones cost no read each).
    await this.minimiser?.prepare?.(ctx.kinds.flatMap((k) => examples.get(k.kind)?.first ?? []));
    for (const k of ctx.kinds) {
      const first = examples.get(k.kind)?.first;
      const slice = first ? await this.minimisedSlice(kindPath(k.kind), first) : undefined;
      const opts = { occurrencePages: this.all, ...(slice ? { slice } : {}) };
      await this.sink!.write(
        kindPath(k.kind),
        renderKindPage(ctx, this.env, k, first, examples.get(k.kind)?.rows ?? [], opts),
      );
    }
  }

  /** Writes `d`'s minimised slice (once per signature) and says so on the page at `here`. */
  private async minimisedSlice(here: string, d: StoredDivergence): Promise<SafeHtml | undefined> {
    if (!this.minimiser) return undefined;
    let m = this.slices.get(d.signature);
    if (!m) {
      m = await this.minimiser.slice(d);
      this.slices.set(d.signature, m);
      if (m.kind === 'minimised') await this.sink!.write(minimisedSlicePath(d.signature), m.text);
    }
    return minimisedSliceHtml(here, d.signature, m);
  }

  /** Removes the temporary directory after a failure. */
  async abort(): Promise<void> {
    await this.sink?.settle();
    if (this.tmpDir) await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/** Replaces `dir` by `tmp`: the old report is moved aside, the new one renamed in, the old removed. */
async function swapIn(tmp: string, dir: string): Promise<void> {
  const old = `${tmp}.old`;
  let moved = false;
  try {
    await rename(dir, old);
    moved = true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw e;
  }
  await rename(tmp, dir);
  if (moved) await rm(old, { recursive: true, force: true });
}
