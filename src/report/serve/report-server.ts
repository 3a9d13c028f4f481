/**
 * `pinbench serve`: the database browsed live over HTTP, read-only. Every run's report is
 * answered under `/runs/<id>/` at the same paths the static report has (pages are rendered on
 * request from the store, with the same renderers), plus the run history (`/`), diffs between
 * runs (`/diff?a=&b=`) and the triage notes (`/triage`).
 *
 * Safety: binds 127.0.0.1 unless told otherwise; GET and HEAD only (405 otherwise); a strict
 * Content-Security-Policy on every response (scripts and styles from this origin only, no
 * inline code); request paths refused on `..` however encoded (request-target.ts), and no path
 * ever reaches the file system; on a loopback address, Host headers other than loopback names
 * are refused (DNS rebinding).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPinbenchError } from '../../errors.ts';
import { divergenceRow } from '../../store/divergence-row.ts';
import { reportReads } from '../../store/report-queries.ts';
import type { Store, StoredDivergence } from '../../store/store.ts';
import { fixedStoreSource, type StoreSource } from '../../store/store-snapshots.ts';
import { DivergenceIndexBuilder } from '../divergence-index.ts';
import { divergenceListPageCount, renderDivergenceListPage } from '../pages/divergence-list-page.ts';
import { type Neighbours, partitionKey, renderDivergencePage } from '../pages/divergence-page.ts';
import { KIND_EXAMPLES, renderKindListPage, renderKindPage } from '../pages/kind-pages.ts';
import { matrixPageCount, renderMatrixPage } from '../pages/matrix-page.ts';
import type { PageEnv } from '../pages/page-env.ts';
import { REPORT_CSP, type SiteLinks } from '../pages/page-layout.ts';
import { renderPolicyListPage, renderPolicyPage } from '../pages/policy-pages.ts';
import { renderSummaryPage } from '../pages/summary-page.ts';
import { contentTypeOf, isAssetName, loadAssets } from '../report-assets.ts';
import { loadReportContext, type ReportContext } from '../report-context.ts';
import { DIVERGENCES_PER_PAGE, policySlug } from '../report-paths.ts';
import { parseRequestTarget } from './request-target.ts';
import { renderDiffPage, renderErrorPage, renderRunsPage, renderTriagePage, runUrl } from './serve-pages.ts';

/** The header form of the report's policy, plus what only a header can say. */
export const SERVE_CSP = `${REPORT_CSP}; frame-ancestors 'none'`;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': SERVE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const SITE: SiteLinks = { runs: '/', triage: '/triage', diff: '/diff', assets: '/assets/' };
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface ReportServerOptions {
  /**
   * The database: one store for every request, or a source that lends one per request (serve's
   * snapshots of a PGlite directory, so that serving never keeps other commands out).
   */
  store: Store | StoreSource;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  pinbenchVersion?: string | null;
  /** Called for requests that fail with a 500 (the server keeps going). */
  onError?: (e: unknown) => void;
}

export interface ReportServer {
  url: string;
  host: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string | Buffer;
  type: string;
  headers?: Record<string, string>;
}

class NotFound extends Error {}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

function hostnameOf(header: string | undefined): string | null {
  if (!header) return null;
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.lastIndexOf(':');
  return (colon >= 0 ? header.slice(0, colon) : header).toLowerCase();
}

const html = (body: string, status = 200): Reply => ({ status, body, type: 'text/html; charset=utf-8' });

class LiveSite {
  private readonly store: Store;
  private readonly version: string | null;
  private readonly env: PageEnv;
  /**
   * Per run: its context and list index, reused while the run's fingerprint (status, counts,
   * triage entries) is unchanged, so a finished run's diff and index are read once, and a run
   * still being written, or a new acceptance, shows up on the next request.
   */
  private readonly runs = new Map<
    number,
    {
      fingerprint: string;
      ctx: Promise<ReportContext>;
      index: Promise<{ script: string; text: string; sigs: string[] }> | null;
    }
  >();

  constructor(store: Store, version: string | null) {
    this.store = store;
    this.version = version;
    // Served live, every divergence has its own page (read from the database on request).
    this.env = { site: SITE, runUrl: runUrl, pinbenchVersion: version, occurrencePages: true };
  }

  private async fingerprint(runId: number): Promise<string> {
    const run = await this.store.getRun(runId);
    const triage = await this.store.triage();
    return JSON.stringify([
      run.status,
      run.traces,
      run.divergences,
      run.endedAt?.getTime() ?? null,
      triage.map((t) => [t.signature, t.acceptedAt.getTime(), t.expired]),
    ]);
  }

  private async entry(runId: number) {
    const fingerprint = await this.fingerprint(runId);
    let e = this.runs.get(runId);
    if (!e || e.fingerprint !== fingerprint) {
      const ctx = loadReportContext(this.store, runId);
      e = { fingerprint, ctx, index: null };
      this.runs.set(runId, e);
      ctx.catch(() => this.runs.delete(runId));
    }
    return e;
  }

  private async context(runId: number): Promise<ReportContext> {
    return (await this.entry(runId)).ctx;
  }

  /** The list's compact index for a run, and the signatures in list order (for prev/next). */
  private async index(runId: number): Promise<{ script: string; text: string; sigs: string[] }> {
    const e = await this.entry(runId);
    if (!e.index) {
      const ctx = await e.ctx;
      e.index = (async () => {
        const b = new DivergenceIndexBuilder(ctx, true);
        const sigs: string[] = [];
        for await (const rows of reportReads(this.store).streamDivergenceRows(
          runId,
          undefined,
          ctx.scenarios,
        )) {
          for (const r of rows) {
            b.add(r);
            sigs.push(r.signature);
          }
        }
        return { script: b.toScript(), text: b.toTextScript(), sigs };
      })();
      e.index.catch(() => {
        if (this.runs.get(runId) === e) e.index = null;
      });
    }
    return e.index;
  }

  async handle(segments: string[], query: URLSearchParams): Promise<Reply> {
    const [first, ...rest] = segments;
    if (segments.length === 1 && (first === '' || first === 'index.html')) {
      const runs = await this.store.listRuns({ limit: 200 });
      return html(renderRunsPage(SITE, runs, this.store.location, this.version));
    }
    if (first === 'assets' && rest.length === 1) return this.asset(rest[0]!);
    if (first === 'triage' && rest.length === 0) return this.triage();
    if (first === 'diff' && rest.length === 0) return this.diff(query);
    if (first === 'runs' && rest.length >= 1) {
      const [ref, ...path] = rest;
      if (ref === 'latest') {
        const run = await this.store.resolveRun('latest');
        return {
          status: 302,
          body: '',
          type: 'text/plain',
          headers: { Location: `${runUrl(run.id)}${path.join('/')}` },
        };
      }
      if (!ref || !/^\d{1,9}$/.test(ref)) throw new NotFound(`no run '${ref ?? ''}'`);
      if (path.length === 0)
        return { status: 301, body: '', type: 'text/plain', headers: { Location: runUrl(Number(ref)) } };
      return this.runPage(Number(ref), path);
    }
    throw new NotFound('no such page');
  }

  private async asset(name: string): Promise<Reply> {
    if (!isAssetName(name)) throw new NotFound(`no asset '${name}'`);
    return { status: 200, body: (await loadAssets()).get(name)!, type: contentTypeOf(name) };
  }

  private async triage(): Promise<Reply> {
    const entries = await this.store.triage();
    const withRuns = [];
    for (const entry of entries) {
      const found = await this.store.divergence(entry.signature);
      withRuns.push({ entry, runId: found?.runId ?? null });
    }
    return html(renderTriagePage(SITE, withRuns, this.version));
  }

  private async diff(query: URLSearchParams): Promise<Reply> {
    const num = (k: string) => {
      const v = query.get(k);
      return v && /^\d{1,9}$/.test(v) ? Number(v) : null;
    };
    let a = num('a');
    let b = num('b');
    let message: string | null = null;
    if (b === null) {
      const [latest] = await this.store.listRuns({ limit: 1 });
      b = latest?.id ?? null;
    }
    if (a === null && b !== null) {
      a = (await this.store.previousCompletedRun(b))?.id ?? null;
      if (a === null) message = `Run ${b} has no earlier complete run of its config: choose two runs.`;
    }
    if (a === null || b === null)
      return html(renderDiffPage(SITE, a, b, null, message ?? 'No runs yet.', this.version));
    const diff = await this.store.diffRuns(a, b);
    return html(renderDiffPage(SITE, a, b, diff, message, this.version));
  }

  private async runPage(runId: number, path: string[]): Promise<Reply> {
    const ctx = await this.context(runId);
    const p = path.join('/');
    const env = this.env;
    if (p === '' || p === 'index.html') return html(renderSummaryPage(ctx, env));
    let m = /^matrix(-release)?(?:-(\d{1,6}))?\.html$/.exec(p);
    if (m) {
      const page = m[2] ? Number(m[2]) : 1;
      if (page < 1 || page > matrixPageCount(ctx)) throw new NotFound('no such matrix page');
      return html(renderMatrixPage(ctx, env, page, m[1] ? 'release' : 'grouped'));
    }
    m = /^divergences\/(?:index\.html|page-(\d{1,7})\.html)?$/.exec(p);
    if (m) {
      const page = m[1] ? Number(m[1]) : 1;
      const total = ctx.totals.divergences;
      if (page < 1 || page > divergenceListPageCount(total)) throw new NotFound('no such divergence page');
      const rows = await reportReads(this.store).divergencesAt(
        runId,
        (page - 1) * DIVERGENCES_PER_PAGE,
        DIVERGENCES_PER_PAGE,
      );
      const list = rows.map(divergenceRow);
      return html(renderDivergenceListPage(ctx, env, page, total, list));
    }
    if (p === 'data/divergence-text.js') {
      return { status: 200, body: (await this.index(runId)).text, type: 'text/javascript; charset=utf-8' };
    }
    if (p === 'data/divergences.js') {
      return {
        status: 200,
        body: (await this.index(runId)).script,
        type: 'text/javascript; charset=utf-8',
      };
    }
    m = /^d\/([0-9a-f]{2})\/([0-9a-f]{4,64})\.html$/.exec(p);
    if (m && m[2]!.startsWith(m[1]!)) {
      const found = await this.store.divergence(m[2]!, runId);
      if (!found) throw new NotFound(`run ${runId} has no divergence ${m[2]}`);
      return html(
        renderDivergencePage(
          ctx,
          env,
          found.occurrences,
          await this.neighbours(runId, found.occurrences[0]!),
        ),
      );
    }
    if (p === 'kinds/index.html' || p === 'kinds/') return html(renderKindListPage(ctx, env));
    m = /^k\/([0-9a-f]{2})\/([0-9a-f]{4,64})\.html$/.exec(p);
    if (m && m[2]!.startsWith(m[1]!)) {
      const kind = ctx.kinds.find((k) => k.kind === m![2]);
      if (!kind) throw new NotFound(`run ${runId} has no divergence kind ${m[2]}`);
      const examples = (await this.store.divergences(runId, { kind: kind.kind }, { limit: KIND_EXAMPLES }))
        .rows;
      return html(
        renderKindPage(ctx, env, kind, examples[0], examples.map(divergenceRow), { occurrencePages: true }),
      );
    }
    if (p === 'policies/index.html' || p === 'policies/') return html(renderPolicyListPage(ctx, env));
    m = /^policies\/([^/]+)\.html$/.exec(p);
    if (m) {
      const policy = ctx.policies.find((x) => policySlug(x.id) === m![1]);
      if (!policy) throw new NotFound(`run ${runId} has no policy '${m[1]}'`);
      return html(renderPolicyPage(ctx, env, policy));
    }
    m = /^assets\/([^/]+)$/.exec(p);
    if (m) return this.asset(m[1]!);
    throw new NotFound('no such page in this report');
  }

  /** Prev/next in list order, when the run's index has been built (the list page builds it). */
  /** Prev/next in list order when the run's index has been built (the list page builds it), and a cascade's root. */
  private async neighbours(runId: number, d: StoredDivergence): Promise<Neighbours> {
    let root: Neighbours['root'] = null;
    if (!d.root) {
      const roots = await this.store.divergences(
        runId,
        { trace: d.trace, matrix: d.matrix, scenario: d.scenario, rootOnly: true },
        { limit: 10_000 },
      );
      const key = partitionKey(d.classes);
      const r = roots.rows.filter((x) => x.seq < d.seq && partitionKey(x.classes) === key).at(-1);
      if (r) root = { signature: r.signature, seq: r.seq, line: r.line };
    }
    const hit = this.runs.get(runId)?.index;
    if (!hit) return { prev: null, next: null, root };
    const { sigs } = await hit;
    const i = sigs.indexOf(d.signature);
    if (i < 0) return { prev: null, next: null, root };
    return { prev: sigs[i - 1] ?? null, next: sigs[i + 1] ?? null, root };
  }

  errorPage(status: number, message: string): Reply {
    return html(renderErrorPage(SITE, status, message, this.version), status);
  }
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, {
    ...SECURITY_HEADERS,
    'Content-Type': reply.type,
    'Content-Length': String(body.length),
    ...reply.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function startReportServer(opts: ReportServerOptions): Promise<ReportServer> {
  const host = opts.host ?? '127.0.0.1';
  const source = 'acquire' in opts.store ? opts.store : fixedStoreSource(opts.store);
  // A site (and its per-run caches) per store: a new snapshot starts with fresh caches.
  const sites = new WeakMap<Store, LiveSite>();
  const siteFor = (store: Store): LiveSite => {
    const known = sites.get(store);
    if (known) return known;
    const site = new LiveSite(store, opts.pinbenchVersion ?? null);
    sites.set(store, site);
    return site;
  };
  const checkHost = isLoopback(host);
  const plain = (status: number, text: string, headers: Record<string, string> = {}): Reply => ({
    status,
    body: `${text}\n`,
    type: 'text/plain; charset=utf-8',
    headers,
  });

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(
          req,
          res,
          plain(405, 'pinbench serve is read-only: GET and HEAD only', { Allow: 'GET, HEAD' }),
        );
      }
      if (checkHost) {
        const name = hostnameOf(req.headers.host);
        if (name === null || !LOOPBACK_NAMES.has(name))
          return send(req, res, plain(403, 'unexpected Host header'));
      }
      const parsed = parseRequestTarget(req.url);
      if (!parsed.ok) return send(req, res, plain(400, `refused request path: ${parsed.reason}`));
      const lease = await source.acquire();
      const site = siteFor(lease.store);
      try {
        send(req, res, await site.handle(parsed.target.segments, parsed.target.query));
      } catch (e) {
        if (e instanceof NotFound) return send(req, res, site.errorPage(404, e.message));
        if (isPinbenchError(e) && e.code === 'PB_STORE') return send(req, res, site.errorPage(404, e.detail));
        opts.onError?.(e);
        send(req, res, site.errorPage(500, 'The page could not be made; the server log says why.'));
      } finally {
        lease.release();
      }
    })().catch((e: unknown) => {
      opts.onError?.(e);
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  });
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
