/**
 * `check`'s result cache: a trace's replay result against the check's policies, kept by content
 * under the cache directory (PINBENCH_CACHE, else $XDG_CACHE_HOME/pinbench, else
 * ~/.cache/pinbench; `check-results/`), never in the checkout. A check run again with nothing
 * changed reads its results instead of gunzipping, parsing and stepping every recording again.
 *
 * A stale entry would give a wrong verdict, so the key covers everything a result depends on:
 * the trace's bytes (SHA-256, not mtime) and the path it is named by (results carry it), the
 * recording information its adapters read from sidecars, every policy spec in order with the
 * content of a module's whole import graph, the replay options (strict, adapters, outcomes,
 * config overrides, matrix label), and pinbench's own code: every file under src/ and policies/
 * (tests excepted) plus package.json, and the Node version. A module that imports anything but
 * files (relative, absolute, `file:`) and `node:` built-ins
 * reaches code the key cannot see: no cache for it.
 *
 * Results with an `error` verdict or a trace error are not kept (an overrun budget is timing, not
 * content). An entry is a header line (key, length and SHA-256 of the body) and the body; one
 * that does not match is ignored and replaced. Writes go to a temporary file renamed into place.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordingInfo } from '../replay/adapters.ts';
import type { BaselineRecords, RecordUse } from '../replay/baseline-records.ts';
import { canonical, decodeCacheEntry, encodeCacheEntry, writeCacheEntry } from '../replay/cache-entry.ts';
import { isModulePath } from '../replay/policy-spec.ts';
import type { ReadCacheUse, ReadTraceCache } from '../replay/read-trace-cache.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { sourceDigest } from './source-digest.ts';
import { cacheDirectory } from './typecheck-policy.ts';

/** Bumped when the entry format or the key's make-up changes. */
const CACHE_VERSION = 'check-result/1';

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
const OWN_CODE = [join(PROJECT_ROOT, 'src', sep), join(PROJECT_ROOT, 'policies', sep)];

/** What one trace's replay depends on besides the trace and the code. */
export interface CheckReplaySettings {
  /** Policy ids, and module paths resolved to absolute paths, in the check's order. */
  policySpecs: readonly string[];
  strict: boolean;
  adapters: boolean;
  outcomes: boolean;
}

export interface CheckCacheCounts {
  hits: number;
  misses: number;
  /** Entries found damaged (length or checksum) and ignored. */
  corrupt: number;
  written: number;
  /** Traces that cannot be cached (standard input, a URL, an unreadable file). */
  uncacheable: number;
  /** Traces replayed: read from the read cache (read-trace-cache.ts), or read and kept there. */
  readHits: number;
  readMisses: number;
  /** Traces replayed with the baseline's record (baseline-records.ts), or recording it. */
  recordHits: number;
  recordMisses: number;
  /** Records made after the check, apart from the candidate (recordBaseline). */
  recordsMade: number;
  /** Scenarios replayed, and those where the candidate too took the baseline's record. */
  scenarios: number;
  shared: number;
}

let codeDigestMemo: string | undefined;

/**
 * The digest of pinbench's own code: what replays a trace (ingest, model, adapters, replay) and
 * the releases (policies/). All of src/ rather than a module graph, so that nothing reached by a
 * computed import is missed; tests are left out.
 */
export function pinbenchCodeDigest(root = PROJECT_ROOT): string {
  if (root === PROJECT_ROOT && codeDigestMemo !== undefined) return codeDigestMemo;
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'policies'));
  files.push(join(root, 'package.json'));
  const h = createHash('sha256').update(CACHE_VERSION).update('\0').update(process.version).update('\0');
  for (const f of files.map((p) => relative(root, p)).sort()) {
    h.update(f)
      .update('\0')
      .update(
        createHash('sha256')
          .update(readFileSync(join(root, f)))
          .digest('hex'),
      );
    h.update('\n');
  }
  const digest = h.digest('hex');
  if (root === PROJECT_ROOT) codeDigestMemo = digest;
  return digest;
}

// The specifiers of import and export statements, of `import('...')` and `require('...')`; and an
// import whose specifier is computed (not a string literal).
const SPECIFIER_RES = [
  /^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]*)\1/gm,
  /^\s*import\s*(['"])([^'"]*)\1/gm,
  /\b(?:import|require)\s*\(\s*(['"])([^'"]*)\1/g,
];
const DYNAMIC_RE = /\b(?:import|require)\s*\(\s*[^'"\s]/;

/**
 * The hash of a policy module's code: every file it reaches through relative, absolute or
 * `file:` imports, by path and content; pinbench's own src/ and policies/ stop the walk (the code
 * digest covers them). Null when the graph reaches anything else (a package, a computed import,
 * a file that cannot be read): code the key cannot see, so no cache.
 */
export function moduleContentHash(entry: string): string | null {
  const files = new Map<string, string>();
  const stack = [entry];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (files.has(path) || OWN_CODE.some((dir) => path.startsWith(dir))) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null;
    }
    if (DYNAMIC_RE.test(text)) return null;
    files.set(path, createHash('sha256').update(text).digest('hex'));
    for (const spec of SPECIFIER_RES.flatMap((re) => [...text.matchAll(re)].map((m) => m[2]!))) {
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('./') || spec.startsWith('../')) stack.push(resolve(dirname(path), spec));
      else if (isAbsolute(spec)) stack.push(spec);
      else if (spec.startsWith('file:')) stack.push(fileURLToPath(spec));
      else return null;
    }
  }
  const h = createHash('sha256');
  for (const [path, hash] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    h.update(`${path}\0${hash}\n`);
  return h.digest('hex');
}

/** The part of every key that is the same for all traces of a check; null: do not cache. */
export function settingsDigest(
  settings: CheckReplaySettings,
  codeDigest = pinbenchCodeDigest(),
): string | null {
  const h = createHash('sha256').update(CACHE_VERSION).update('\0').update(codeDigest).update('\0');
  for (const spec of settings.policySpecs) {
    h.update(spec).update('\0');
    if (isModulePath(spec)) {
      const code = moduleContentHash(spec);
      if (code === null) return null;
      h.update(code).update('\0');
    }
  }
  h.update(JSON.stringify([settings.strict, settings.adapters, settings.outcomes]));
  return h.digest('hex');
}

/** The result of `traces` that the check must still replay, and where each result goes. */
export class CheckCache {
  readonly dir: string;
  private readonly settings: string;
  readonly counts: CheckCacheCounts = {
    hits: 0,
    misses: 0,
    corrupt: 0,
    written: 0,
    uncacheable: 0,
    readHits: 0,
    readMisses: 0,
    recordHits: 0,
    recordMisses: 0,
    recordsMade: 0,
    scenarios: 0,
    shared: 0,
  };
  /** Where the traces the check replays are read from (shared by every check: no policy in its key). */
  readonly readTraces: ReadTraceCache;
  /** The baseline's records (the first policy's; every candidate checked against it shares them). */
  readonly baselineRecords: BaselineRecords | undefined;

  private constructor(dir: string, settings: string, code: string, baseline: string | null) {
    this.dir = dir;
    this.settings = settings;
    this.readTraces = { dir: join(dir, '..', 'read-traces'), code };
    this.baselineRecords =
      baseline === null
        ? undefined
        : { dir: join(dir, '..', 'baseline-records'), settings: baseline, policy: 0 };
  }

  /** A baseline record made apart, in a thread with the baseline alone (check.ts recordBaseline). */
  noteRecordsMade(): void {
    this.counts.recordsMade++;
  }

  /** What the baseline's records did for a replayed trace. */
  noteRecords(use: RecordUse): void {
    if (use.use === 'hit') this.counts.recordHits++;
    else if (use.use !== 'none') this.counts.recordMisses++;
    if (use.use === 'damaged') this.counts.corrupt++;
    this.counts.scenarios += use.scenarios;
    this.counts.shared += use.shared;
  }

  /** What the read cache did for a replayed trace. */
  noteRead(use: ReadCacheUse): void {
    if (use === 'hit') this.counts.readHits++;
    else if (use !== 'none') this.counts.readMisses++;
    if (use === 'damaged') this.counts.corrupt++;
  }

  /** Null when the check's policies cannot be cached (see moduleContentHash). */
  static open(
    env: NodeJS.ProcessEnv,
    settings: CheckReplaySettings,
    codeDigest = pinbenchCodeDigest(),
  ): CheckCache | null {
    const s = settingsDigest(settings, codeDigest);
    if (s === null) return null;
    // The baseline's records depend on the baseline alone (the read key covers the rest).
    const baseline =
      settings.policySpecs.length > 1
        ? settingsDigest({ ...settings, policySpecs: settings.policySpecs.slice(0, 1) }, codeDigest)
        : null;
    return new CheckCache(join(cacheDirectory(env), 'check-results'), s, codeDigest, baseline);
  }

  /** The key of one trace under one configuration; null when the trace cannot be cached. */
  async key(
    source: string,
    config: { label: string; overrides: Readonly<Record<string, unknown>> },
    adapters: boolean,
  ): Promise<string | null> {
    return (await this.keys(source, [config], adapters))[0]!;
  }

  /** The keys of one trace under each configuration, the trace read and hashed once. */
  async keys(
    source: string,
    configs: readonly { label: string; overrides: Readonly<Record<string, unknown>> }[],
    adapters: boolean,
  ): Promise<(string | null)[]> {
    const digest = await sourceDigest(source).catch(() => null);
    if (digest === null) {
      this.counts.uncacheable += configs.length;
      return configs.map(() => null);
    }
    const info = adapters ? canonical(recordingInfo(source)) : '-';
    return configs.map((config) =>
      createHash('sha256')
        .update(this.settings)
        .update('\0')
        .update(source)
        .update('\0')
        .update(`${digest.sha256}:${digest.bytes}`)
        .update('\0')
        .update(info)
        .update('\0')
        .update(config.label)
        .update('\0')
        .update(canonical(config.overrides))
        .digest('hex'),
    );
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The stored result, or null (absent, or damaged: then it is ignored and counted). */
  async read(key: string): Promise<TraceReplayResult | null> {
    const buf = await readFile(this.file(key)).catch(() => null);
    if (buf === null) {
      this.counts.misses++;
      return null;
    }
    const result = decodeEntry(key, buf);
    if (result === null) {
      this.counts.corrupt++;
      this.counts.misses++;
      return null;
    }
    this.counts.hits++;
    return result;
  }

  /** Keeps a result unless it holds an error; a failed write only loses the entry. */
  async write(key: string, result: TraceReplayResult): Promise<void> {
    if (!cacheable(result)) return;
    if (await writeEntry(this.file(key), key, result)) this.counts.written++;
  }

  private summaryFile(): string {
    return join(this.dir, 'policies', `${this.settings}.json`);
  }

  /**
   * What the check needs of its policies besides their replays (ids, whether the tables are
   * the same), as the last load of these very modules found it: a check whose every trace is
   * read from the cache does not load a user's module again (a watched thread of its own).
   */
  async readSummary(): Promise<PolicySummary | null> {
    const buf = await readFile(this.summaryFile()).catch(() => null);
    return buf && decodeEntry<PolicySummary>(this.settings, buf);
  }

  async writeSummary(summary: PolicySummary): Promise<void> {
    await writeEntry(this.summaryFile(), this.settings, summary);
  }
}

/** The check's policies as its report names them. */
export interface PolicySummary {
  /** Baseline and candidate ids. */
  ids: [string, string];
  /** The candidate runs the very same functions as the baseline. */
  sameTable: boolean;
}

function writeEntry(file: string, key: string, value: unknown): Promise<boolean> {
  return writeCacheEntry(file, CACHE_VERSION, key, Buffer.from(JSON.stringify(value)));
}

/** Only results that content alone decides: no trace error, no `error` verdict. */
export function cacheable(result: TraceReplayResult): boolean {
  if (result.error) return false;
  return !result.scenarios.some((s) => s.verdicts.some((v) => v.verdict === 'error'));
}

export function encodeEntry(key: string, value: unknown): Buffer {
  return encodeCacheEntry(CACHE_VERSION, key, Buffer.from(JSON.stringify(value)));
}

/** The entry's value when its header names this key and its body is whole; else null. */
export function decodeEntry<T = TraceReplayResult>(key: string, buf: Buffer): T | null {
  const body = decodeCacheEntry(CACHE_VERSION, key, buf);
  if (body === null) return null;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    return null;
  }
}
