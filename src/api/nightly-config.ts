/**
 * The nightly job's configuration: `pinbench.config.json` (or `pinbench.config.ts` exporting the
 * same object as its default export), found in the working directory or given with --config.
 *
 *   {
 *     "name": "mainline-nightly",
 *     "sources": ["traces/*.trace", { "manifest": "https://ci.example.org/traces/manifest.json" }],
 *     "policies": ["v6.1", "v6.6", "v6.11", "./patches/my-fix.ts"],
 *     "baseline": "v6.11",
 *     "db": "postgres://pinbench@db.example.org/pinbench",
 *     "reportDir": "reports/nightly",
 *     "reportUrl": "https://ci.example.org/pinbench/"
 *   }
 *
 * Relative paths in the file are relative to the file; defaults follow the working directory as
 * every other command does. `${NAME}` in `db` and `webhook` is replaced by the environment
 * variable NAME (keep passwords and tokens out of the file). Every problem is a ConfigError
 * naming the file and the field: `pinbench.config.json: sources[1].manifest: ... [PB_CONFIG]`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, isPinbenchError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import type { Policy } from '../model/kernel.ts';
import { expandMatrix, parseConfigOverrides } from '../replay/config-overrides.ts';
import { isModulePath, resolvePolicies } from '../replay/load-policies.ts';

export const CONFIG_FILES = ['pinbench.config.json', 'pinbench.config.ts'] as const;

/** Where traces come from: local files (a path, a directory, or a glob) or an HTTP(S) manifest. */
export type NightlySource =
  | { kind: 'glob'; pattern: string; field: string }
  | { kind: 'manifest'; location: string; label: string; field: string };

/** HTTP settings for downloads (traces, manifests) and the webhook. */
export interface NightlyHttp {
  /** Response headers, and each gap in the body, must come within this (the webhook: at most 30 s). */
  timeoutMs: number;
  /** Largest trace accepted. */
  maxBytes: number;
  /**
   * Each download (a trace, a manifest) must finish within this, retries included; null: a
   * minute plus its size limit at 1 MiB/s (a server trickling bytes never resets it).
   */
  deadlineMs: number | null;
  /** Retries after the first attempt (connection errors, 5xx). */
  retries: number;
  /** First retry delay; doubles per retry. */
  retryDelayMs: number;
  /** Downloads at once. */
  concurrency: number;
}

export interface NightlyOutputs {
  junit?: string;
  kcidb?: string;
  lkp?: string;
}

export interface NightlyConfig {
  /** The config file (absolute) and its directory (where relative paths start). */
  file: string;
  /** The file as messages name it (relative to the working directory when inside it). */
  display: string;
  dir: string;
  /** The config name: a nightly compares with the previous complete run of the same name. */
  name: string;
  sources: NightlySource[];
  /** Policy ids and module paths (made absolute); [] is every release. */
  policies: string[];
  baseline: string | null;
  /** `--db` for this job (expanded); undefined: PINBENCH_DB or .pinbench/db as usual. */
  db: string | undefined;
  reportDir: string;
  /** The URL where `reportDir` is published; the report link is `<reportUrl>/<run id>/`. */
  reportUrl: string | null;
  cacheDir: string;
  http: NightlyHttp;
  webhook: string | null;
  outputs: NightlyOutputs;
  kcidb: { origin: string; treeName: string | null; gitRepositoryUrl: string | null };
  jobs: number | undefined;
  strict: boolean;
  /** Replay configurations (`config` overrides and `matrix` axes, as `pinbench run` takes them). */
  configs: { label: string; overrides: Partial<TraceConfig> }[] | undefined;
}

const DEFAULT_HTTP: NightlyHttp = {
  timeoutMs: 30_000,
  maxBytes: 1024 ** 3,
  deadlineMs: null,
  retries: 3,
  retryDelayMs: 250,
  concurrency: 4,
};

const TOP_KEYS = [
  'name',
  'sources',
  'policies',
  'baseline',
  'db',
  'reportDir',
  'reportUrl',
  'cacheDir',
  'http',
  'webhook',
  'outputs',
  'kcidb',
  'jobs',
  'strict',
  'config',
  'matrix',
  '$schema',
] as const;

type Json = Record<string, unknown>;

/** Validation with errors that name the file and the field. */
class Fields {
  readonly display: string;
  constructor(display: string) {
    this.display = display;
  }

  fail(field: string, detail: string): never {
    throw new ConfigError('PB_CONFIG', `${field}: ${detail}`, { location: { file: this.display } });
  }

  object(v: unknown, field: string, keys: readonly string[]): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(field, `expected an object, got ${kind(v)}`);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) {
        const near = keys.find((x) => similar(x, k));
        this.fail(
          field ? `${field}.${k}` : k,
          `unknown field${near ? ` (did you mean '${near}'?)` : ` (known: ${keys.filter((x) => x !== '$schema').join(', ')})`}`,
        );
      }
    }
    return v as Json;
  }

  string(
    v: unknown,
    field: string,
    opts: { optional?: boolean; pattern?: RegExp; what?: string } = {},
  ): string | undefined {
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== 'string' || v.trim() === '')
      this.fail(field, `expected ${opts.what ?? 'a non-empty string'}, got ${kind(v)}`);
    if (opts.pattern && !opts.pattern.test(v))
      this.fail(field, `expected ${opts.what ?? `a string matching ${opts.pattern}`}, got '${v}'`);
    return v;
  }

  int(v: unknown, field: string, min: number, max: number): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `expected a whole number from ${min} to ${max}, got ${kind(v)}`);
    }
    return v;
  }

  strings(v: unknown, field: string): string[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, `expected an array of strings, got ${kind(v)}`);
    return v.map((x, i) => this.string(x, `${field}[${i}]`)!);
  }

  /** `${NAME}` from the environment. */
  expand(v: string, field: string, env: NodeJS.ProcessEnv): string {
    return v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '')
        this.fail(field, `environment variable ${name} (used as \${${name}}) is not set`);
      return value;
    });
  }
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function similar(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  if (Math.abs(x.length - y.length) > 2) return false;
  // Edit distance <= 2 (typos like "polices", "reportdir").
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [
    i,
    ...Array<number>(y.length).fill(0),
  ]);
  for (let j = 1; j <= y.length; j++) d[0]![j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
  }
  return d[x.length]![y.length]! <= 2;
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, col: pos - before.lastIndexOf('\n') };
}

/** The config file: `--config FILE`, else the first of CONFIG_FILES in `cwd`. */
export function findNightlyConfig(cwd: string, given?: string): string {
  if (given !== undefined) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new ConfigError('PB_CONFIG', `no such file`, { location: { file: given } });
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(
    'PB_CONFIG',
    `no ${CONFIG_FILES.join(' or ')} in ${cwd}: write one (see README, "Nightly") or give --config FILE`,
  );
}

async function readConfigValue(file: string, display: string): Promise<unknown> {
  if (/\.[mc]?[jt]s$/.test(file)) {
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (e) {
      throw new ConfigError('PB_CONFIG', `cannot load: ${(e as Error).message}`, {
        location: { file: display },
        cause: e,
      });
    }
    const value =
      typeof mod.default === 'function' ? await (mod.default as () => unknown)() : await mod.default;
    if (value === undefined) {
      throw new ConfigError(
        'PB_CONFIG',
        'no default export: `export default { name: ..., sources: [...] }`',
        {
          location: { file: display },
        },
      );
    }
    return value;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError('PB_CONFIG', `cannot read: ${(e as Error).message}`, {
      location: { file: display },
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos
      ? lineCol(text, Number(pos[1]))
      : /end of JSON/i.test(msg)
        ? lineCol(text, text.length)
        : null;
    throw new ConfigError('PB_CONFIG', `not valid JSON: ${msg.replace(/ \(line \d+ column \d+\)$/, '')}`, {
      location: { file: display, ...(where ?? {}) },
    });
  }
}

export interface LoadConfigOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads and validates a nightly config file. */
export async function loadNightlyConfig(file: string, opts: LoadConfigOptions): Promise<NightlyConfig> {
  const abs = resolve(opts.cwd, file);
  const rel = relative(opts.cwd, abs);
  const display = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  const value = await readConfigValue(abs, display);
  return validateNightlyConfig(value, { file: abs, display, cwd: opts.cwd, env: opts.env ?? process.env });
}

const URL_RE = /^https?:\/\/[^\s/]+/i;
const GLOB_CHARS = /[*?[\]{}]/;

/** Validates a config object (what the file held) into a NightlyConfig. */
export function validateNightlyConfig(
  value: unknown,
  ctx: { file: string; display: string; cwd: string; env: NodeJS.ProcessEnv },
): NightlyConfig {
  const f: Fields = new Fields(ctx.display);
  const dir = dirname(ctx.file);
  const path = (p: string) => resolve(dir, p);
  const top = f.object(value, '', TOP_KEYS);

  const name = f.string(top.name, 'name', {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    what: 'a config name (letters, digits, . _ -; at most 100)',
  })!;

  const list = top.sources;
  if (!Array.isArray(list) || list.length === 0) {
    f.fail(
      'sources',
      `expected a non-empty array of sources (paths, globs, or {"manifest": URL}), got ${kind(list)}`,
    );
  }
  const labels = new Set<string>();
  const sources: NightlySource[] = list.map((s: unknown, i: number): NightlySource => {
    const field = `sources[${i}]`;
    if (typeof s === 'string') return { kind: 'glob', pattern: f.string(s, field)!, field };
    const o = f.object(s, field, ['glob', 'manifest', 'name']);
    if ((o.glob === undefined) === (o.manifest === undefined)) {
      f.fail(
        field,
        'expected exactly one of "glob" (local files) or "manifest" (a URL or file listing traces)',
      );
    }
    if (o.glob !== undefined) {
      if (o.name !== undefined) f.fail(`${field}.name`, 'only a manifest source takes a name');
      return { kind: 'glob', pattern: f.string(o.glob, `${field}.glob`)!, field: `${field}.glob` };
    }
    const m = f.string(o.manifest, `${field}.manifest`, { what: 'an http(s) URL or a file path' })!;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(m) && !URL_RE.test(m)) {
      f.fail(`${field}.manifest`, `only http:// and https:// manifests can be fetched, got '${m}'`);
    }
    const location = URL_RE.test(m) ? m : path(m);
    const label = f.string(o.name, `${field}.name`, { optional: true }) ?? m;
    if (labels.has(label)) f.fail(`${field}.name`, `another manifest is already called '${label}'`);
    labels.add(label);
    return { kind: 'manifest', location, label, field: `${field}.manifest` };
  });
  for (const s of sources) {
    if (s.kind === 'glob' && URL_RE.test(s.pattern)) {
      f.fail(s.field, `a URL is not a local path: list remote traces in a manifest ({"manifest": URL})`);
    }
  }

  const policies = f.strings(top.policies, 'policies').map((p) => (isModulePath(p) ? path(p) : p));
  const seen = new Set<string>();
  f.strings(top.policies, 'policies').forEach((p, i) => {
    if (seen.has(p)) f.fail(`policies[${i}]`, `'${p}' is listed twice`);
    seen.add(p);
  });
  const baseline = f.string(top.baseline, 'baseline', { optional: true }) ?? null;

  const db = top.db !== undefined ? f.expand(f.string(top.db, 'db')!, 'db', ctx.env) : undefined;
  const dbResolved = db === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(db) ? db : path(db);

  const reportUrl = f.string(top.reportUrl, 'reportUrl', {
    optional: true,
    pattern: URL_RE,
    what: 'an http(s) URL',
  });
  const webhook =
    top.webhook !== undefined ? f.expand(f.string(top.webhook, 'webhook')!, 'webhook', ctx.env) : null;
  if (webhook !== null && !URL_RE.test(webhook)) f.fail('webhook', 'expected an http(s) URL');

  const http: NightlyHttp = { ...DEFAULT_HTTP };
  if (top.http !== undefined) {
    const h = f.object(top.http, 'http', [
      'timeoutMs',
      'maxBytes',
      'deadlineMs',
      'retries',
      'retryDelayMs',
      'concurrency',
    ]);
    http.timeoutMs = f.int(h.timeoutMs, 'http.timeoutMs', 1, 3_600_000) ?? http.timeoutMs;
    http.maxBytes = f.int(h.maxBytes, 'http.maxBytes', 1, Number.MAX_SAFE_INTEGER) ?? http.maxBytes;
    http.deadlineMs = f.int(h.deadlineMs, 'http.deadlineMs', 1, 86_400_000) ?? http.deadlineMs;
    http.retries = f.int(h.retries, 'http.retries', 0, 10) ?? http.retries;
    http.retryDelayMs = f.int(h.retryDelayMs, 'http.retryDelayMs', 0, 600_000) ?? http.retryDelayMs;
    http.concurrency = f.int(h.concurrency, 'http.concurrency', 1, 64) ?? http.concurrency;
  }

  const outputs: NightlyOutputs = {};
  if (top.outputs !== undefined) {
    const o = f.object(top.outputs, 'outputs', ['junit', 'kcidb', 'lkp']);
    for (const k of ['junit', 'kcidb', 'lkp'] as const) {
      const v = f.string(o[k], `outputs.${k}`, { optional: true, what: 'a file path' });
      if (v !== undefined) outputs[k] = path(v);
    }
  }

  const kcidb = {
    origin: 'pinbench',
    treeName: null as string | null,
    gitRepositoryUrl: null as string | null,
  };
  if (top.kcidb !== undefined) {
    const k = f.object(top.kcidb, 'kcidb', ['origin', 'treeName', 'gitRepositoryUrl']);
    kcidb.origin =
      f.string(k.origin, 'kcidb.origin', {
        optional: true,
        pattern: /^[a-z0-9_]+$/,
        what: 'a KCIDB origin ([a-z0-9_]+)',
      }) ?? kcidb.origin;
    kcidb.treeName = f.string(k.treeName, 'kcidb.treeName', { optional: true }) ?? null;
    kcidb.gitRepositoryUrl =
      f.string(k.gitRepositoryUrl, 'kcidb.gitRepositoryUrl', {
        optional: true,
        pattern: /^(https|git):\/\/.+/,
        what: 'an https:// or git:// repository URL',
      }) ?? null;
  }

  if (top.strict !== undefined && typeof top.strict !== 'boolean')
    f.fail('strict', `expected true or false, got ${kind(top.strict)}`);

  let configs: NightlyConfig['configs'];
  try {
    const overrides = parseConfigOverrides(
      top.config === undefined
        ? []
        : Array.isArray(top.config)
          ? f.strings(top.config, 'config')
          : Object.entries(f.object(top.config, 'config', Object.keys(top.config as object))).map(
              ([k, v]) => `${k}=${String(v)}`,
            ),
    );
    const matrix = f.strings(top.matrix, 'matrix');
    configs = matrix.length
      ? expandMatrix(matrix).map((c) => ({ label: c.label, overrides: { ...overrides, ...c.overrides } }))
      : Object.keys(overrides).length
        ? [{ label: '', overrides }]
        : undefined;
  } catch (e) {
    if (e instanceof ConfigError && e.location?.file === ctx.display) throw e;
    const field = top.matrix !== undefined && /matrix/.test((e as Error).message) ? 'matrix' : 'config';
    f.fail(field, isPinbenchError(e) ? e.detail : (e as Error).message);
  }

  return {
    file: ctx.file,
    display: ctx.display,
    dir,
    name,
    sources,
    policies,
    baseline,
    db: dbResolved,
    reportDir:
      top.reportDir !== undefined ? path(f.string(top.reportDir, 'reportDir')!) : resolve(ctx.cwd, 'reports'),
    reportUrl: reportUrl ?? null,
    cacheDir:
      top.cacheDir !== undefined
        ? path(f.string(top.cacheDir, 'cacheDir')!)
        : resolve(ctx.cwd, '.pinbench', 'cache'),
    http,
    webhook,
    outputs,
    kcidb,
    jobs: f.int(top.jobs, 'jobs', 0, 1024),
    strict: top.strict === true,
    configs,
  };
}

/** Whether a glob source is a pattern (else a plain path: a file or a directory). */
export function isGlobPattern(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/**
 * The config's policies, resolved one by one so a bad one is named by its field; the baseline
 * must be one of them (or, with no policies listed, one of the releases).
 */
export async function resolveNightlyPolicies(config: NightlyConfig): Promise<Policy[]> {
  const display = config.display;
  const fail = (field: string, detail: string): never => {
    throw new ConfigError('PB_CONFIG', `${field}: ${detail}`, { location: { file: display } });
  };
  let policies: Policy[] = [];
  if (config.policies.length === 0) policies = await resolvePolicies([], config.dir);
  for (const [i, spec] of config.policies.entries()) {
    try {
      policies.push(...(await resolvePolicies([spec], config.dir)));
    } catch (e) {
      if (!isPinbenchError(e)) throw e;
      fail(`policies[${i}]`, e.detail);
    }
  }
  const ids = policies.map((p) => p.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) fail('policies', `two entries are the policy '${dup}'`);
  if (config.baseline !== null && !ids.includes(config.baseline)) {
    fail('baseline', `'${config.baseline}' is not one of the policies run (${ids.join(', ')})`);
  }
  return policies;
}
