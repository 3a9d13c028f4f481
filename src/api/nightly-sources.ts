/**
 * The nightly's corpus: local files (a path, a directory, a glob) and HTTP(S) manifests, a JSON
 * list of `{"url", "sha256", "name"?}`. Manifest traces are downloaded with the ingest stage's
 * downloader (undici, exact timeouts, size limit, bounded retries, SHA-256 checked) into a cache
 * addressed by content: `<cacheDir>/<sha256>`. The cache is looked up by the expected hash first,
 * so an unchanged trace is never downloaded twice; a cached file is re-hashed before use, and a
 * damaged one is replaced.
 *
 * A source that fails (manifest unreachable, checksum mismatch, 5xx after retries, a stalled
 * body, a glob that matches nothing) is reported and left out, and the run goes on with the rest
 * marked partial: a trace that did not arrive whole and checked is never handed to the replay, so
 * nothing of it is stored. A local failure (the cache's disk is full or read-only) is not the
 * source's fault and would hit every other download too: it ends the nightly (IoError, exit 3).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { glob, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { IoError, isPinbenchError } from '../errors.ts';
import { downloadToTemp, expandTraceArgs, type HttpOptions } from '../ingest/index.ts';
import { isGlobPattern, type NightlyConfig, type NightlySource } from './nightly-config.ts';

/** A manifest may list this many bytes of JSON at most. */
const MANIFEST_MAX_BYTES = 16 << 20;

export interface FetchedTrace {
  /** What the replay reads: a path relative to the working directory, or a cache file. */
  path: string;
  /** How results name it: the path for local files, the manifest's name for downloads. */
  name: string;
  /** The source (its label) it came from. */
  source: string;
}

export interface SourceFailure {
  /** The trace's name (or the manifest entry's position). */
  name: string;
  url?: string;
  error: string;
}

export interface SourceReport {
  /** A glob or path as configured, or a manifest's label. */
  source: string;
  kind: NightlySource['kind'];
  /** Where in the config it is, e.g. `sources[1].manifest`. */
  field: string;
  /** Traces it contributed to the run. */
  traces: number;
  downloaded: number;
  /** Traces found in the cache by their SHA-256 (no download). */
  cached: number;
  bytesDownloaded: number;
  /** The whole source failed (no manifest, a glob matching nothing). */
  error: string | null;
  /** Traces of the source that failed; the others were used. */
  failures: SourceFailure[];
}

export interface FetchResult {
  traces: FetchedTrace[];
  sources: SourceReport[];
  /** Some source or trace failed: the run is partial. */
  partial: boolean;
}

export interface FetchOptions {
  cwd: string;
  progress?: (message: string) => void;
  /** Test hook: overrides of the downloader's settings. */
  http?: Partial<HttpOptions>;
}

function message(e: unknown): string {
  return isPinbenchError(e) ? e.message : ((e as Error)?.message ?? String(e));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function cwdRelative(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

async function localFiles(config: NightlyConfig, pattern: string, cwd: string): Promise<string[]> {
  const abs = resolve(config.dir, pattern);
  // A path or a directory reads as on the command line (`pinbench run DIR`).
  if (!isGlobPattern(pattern)) return (await expandTraceArgs([abs], cwd)).map((f) => cwdRelative(cwd, f));
  const out: string[] = [];
  for await (const entry of glob(pattern, { cwd: config.dir })) {
    const file = resolve(config.dir, entry);
    if ((await stat(file).catch(() => null))?.isFile()) out.push(cwdRelative(cwd, file));
  }
  if (out.length === 0) throw new Error(`the glob matched no files (in ${config.dir})`);
  return out.sort();
}

interface ManifestEntry {
  url: string;
  sha256: string;
  name: string;
}

function httpOptions(config: NightlyConfig, extra: Partial<HttpOptions> = {}): HttpOptions {
  return {
    headersTimeoutMs: config.http.timeoutMs,
    bodyTimeoutMs: config.http.timeoutMs,
    connectTimeoutMs: Math.min(config.http.timeoutMs, 10_000),
    maxBytes: config.http.maxBytes,
    ...(config.http.deadlineMs !== null ? { deadlineMs: config.http.deadlineMs } : {}),
    retries: config.http.retries,
    retryBaseMs: config.http.retryDelayMs,
    ...extra,
  };
}

async function readManifest(
  config: NightlyConfig,
  location: string,
  extra: Partial<HttpOptions>,
): Promise<{ entries: (ManifestEntry | SourceFailure)[] }> {
  let text: string;
  if (/^https?:\/\//i.test(location)) {
    await mkdir(config.cacheDir, { recursive: true });
    const dl = await downloadToTemp(location, {
      ...httpOptions(config, extra),
      maxBytes: MANIFEST_MAX_BYTES,
      tmpDir: config.cacheDir,
    });
    try {
      text = await readFile(dl.path, 'utf8');
    } finally {
      await dl.cleanup();
    }
  } else text = await readFile(location, 'utf8');
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (e) {
    throw new Error(`the manifest is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(list))
    throw new Error('the manifest must be a JSON array of {"url", "sha256", "name"?}');
  const entries = list.map((raw: unknown, i): ManifestEntry | SourceFailure => {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const at = typeof o.name === 'string' && o.name ? o.name : `entry ${i}`;
    if (typeof o.url !== 'string') return { name: at, error: `entry ${i}: "url" must be a string` };
    let url: URL;
    try {
      url = /^https?:\/\//i.test(location) ? new URL(o.url, location) : new URL(o.url);
    } catch {
      return { name: at, error: `entry ${i}: "url" '${o.url}' is not a URL` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { name: at, url: url.href, error: `entry ${i}: only http(s) URLs can be fetched` };
    }
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(o.sha256)) {
      return { name: at, url: url.href, error: `entry ${i}: "sha256" must be 64 hex digits` };
    }
    if (o.name !== undefined && (typeof o.name !== 'string' || !o.name.trim() || /[\0-\x1f]/.test(o.name))) {
      return { name: at, url: url.href, error: `entry ${i}: "name" must be a non-empty single-line string` };
    }
    const fromUrl = decodeURIComponent(basename(url.pathname));
    const name = typeof o.name === 'string' ? o.name : fromUrl || o.sha256.slice(0, 12);
    return { url: url.href, sha256: o.sha256.toLowerCase(), name };
  });
  return { entries };
}

/** A manifest trace into the cache; whether it was downloaded (else found there) and its size. */
async function cacheTrace(
  config: NightlyConfig,
  entry: ManifestEntry,
  extra: Partial<HttpOptions>,
): Promise<{ path: string; downloaded: boolean; bytes: number }> {
  const file = join(config.cacheDir, entry.sha256);
  const st = await stat(file).catch(() => null);
  if (st?.isFile()) {
    if ((await sha256File(file)) === entry.sha256) return { path: file, downloaded: false, bytes: 0 };
    await rm(file, { force: true }); // damaged (truncated, edited): fetch it again
  }
  const dl = await downloadToTemp(entry.url, {
    ...httpOptions(config, extra),
    expectedSha256: entry.sha256,
    tmpDir: config.cacheDir,
  });
  try {
    await rename(dl.path, file);
  } finally {
    await dl.cleanup();
  }
  return { path: file, downloaded: true, bytes: dl.bytes };
}

export async function fetchNightlySources(config: NightlyConfig, opts: FetchOptions): Promise<FetchResult> {
  const say = opts.progress ?? (() => {});
  const extra = opts.http ?? {};
  const traces: FetchedTrace[] = [];
  const names = new Set<string>();
  const reports: SourceReport[] = [];
  const queue = new PQueue({ concurrency: config.http.concurrency });

  for (const src of config.sources) {
    const label = src.kind === 'glob' ? src.pattern : src.label;
    const report: SourceReport = {
      source: label,
      kind: src.kind,
      field: src.field,
      traces: 0,
      downloaded: 0,
      cached: 0,
      bytesDownloaded: 0,
      error: null,
      failures: [],
    };
    reports.push(report);
    if (src.kind === 'glob') {
      try {
        for (const path of await localFiles(config, src.pattern, opts.cwd)) {
          if (names.has(path)) continue; // two globs matching one file: replay it once
          names.add(path);
          traces.push({ path, name: path, source: label });
          report.traces++;
        }
      } catch (e) {
        report.error = message(e);
      }
      continue;
    }
    let entries: (ManifestEntry | SourceFailure)[];
    try {
      ({ entries } = await readManifest(config, src.location, extra));
    } catch (e) {
      if (e instanceof IoError) throw e; // our disk, not the source: every other download fails too
      report.error = `manifest ${src.location}: ${message(e)}`;
      say(`source ${label}: ${report.error}`);
      continue;
    }
    await mkdir(config.cacheDir, { recursive: true });
    const slots: (FetchedTrace | null)[] = [];
    await Promise.all(
      entries.map((entry, i) => {
        slots.push(null);
        if ('error' in entry) {
          report.failures.push(entry);
          return undefined;
        }
        if (names.has(entry.name)) {
          report.failures.push({
            name: entry.name,
            url: entry.url,
            error: `another trace is already named '${entry.name}'`,
          });
          return undefined;
        }
        names.add(entry.name);
        return queue.add(async () => {
          try {
            const got = await cacheTrace(config, entry, extra);
            if (got.downloaded) {
              report.downloaded++;
              report.bytesDownloaded += got.bytes;
            } else report.cached++;
            slots[i] = { path: got.path, name: entry.name, source: label };
          } catch (e) {
            if (e instanceof IoError) throw e;
            report.failures.push({ name: entry.name, url: entry.url, error: message(e) });
            say(`source ${label}: ${entry.name}: ${message(e)}`);
          }
        });
      }),
    );
    for (const t of slots) {
      if (t) {
        traces.push(t);
        report.traces++;
      }
    }
    // Downloads finish in any order; report failures in a stable one.
    report.failures.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const partial = reports.some((r) => r.error !== null || r.failures.length > 0);
  return { traces, sources: reports, partial };
}
