/**
 * KCIDB report data (the KernelCI common reporting database's I/O schema, version 5.0, checked in
 * tests against `schemas/kcidb-io.schema.json`), mapped from a pinbench run:
 *
 * - one checkout: the tested "source" is the policy set at the pinbench revision, i.e. the set of
 *   kernel-release models and patch policies. `patchset_hash` is, as KCIDB defines it, the
 *   SHA-256 over the newline-terminated SHA-256s of each "patch" in order; a policy's is its
 *   module hash (the hash of its logic). `patchset_files` lists the policies that have a file (a
 *   user module) or a link.
 * - one build per policy: pinbench does not build kernels; a "build" is a release (or patch)
 *   model, `config_name` its policy id.
 * - one test per scenario x policy, on that policy's build, `path` "pinbench.<trace>.<scenario>",
 *   status: fail -> FAIL, error -> ERROR, pass -> PASS, inconclusive -> DONE, unsupported -> SKIP;
 *   a trace that could not be replayed is an ERROR test per build. `log_excerpt` carries the
 *   failed assertions and the first divergence with its why paths.
 *
 * Ids are `<origin>:<config>-<run>[:<policy>[:<trace sha256 prefix>:<matrix>:<scenario index>]]`.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureKind } from '../replay/failure-kind.ts';
import type { Verdict } from '../replay/results.ts';
import type { ExportModel } from './export-model.ts';
import { expectationText, failureText } from './failure-text.ts';

export const KCIDB_VERSION = { major: 5, minor: 0 } as const;

export const KCIDB_STATUS: Record<Verdict, KcidbStatus> = {
  fail: 'FAIL',
  error: 'ERROR',
  pass: 'PASS',
  inconclusive: 'DONE',
  unsupported: 'SKIP',
};

export type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

export interface KcidbOptions {
  /** The origin: the CI system's name, `[a-z0-9_]+`. Default `pinbench`. */
  origin?: string;
  treeName?: string | null;
  /** The pinbench repository (https:// or git://), for `git_repository_url`. */
  gitRepositoryUrl?: string | null;
}

interface Resource {
  name: string;
  url: string;
}

export interface KcidbCheckout {
  id: string;
  origin: string;
  tree_name?: string;
  git_repository_url?: string;
  git_commit_hash?: string;
  patchset_files: Resource[];
  patchset_hash: string;
  comment: string;
  start_time: string;
  valid: boolean;
  misc: Record<string, unknown>;
}

export interface KcidbBuild {
  id: string;
  checkout_id: string;
  origin: string;
  comment: string;
  start_time: string;
  duration: number;
  architecture: string;
  config_name: string;
  status: KcidbStatus;
  misc: Record<string, unknown>;
}

export interface KcidbTest {
  id: string;
  build_id: string;
  origin: string;
  path: string;
  comment: string;
  status: KcidbStatus;
  start_time: string;
  duration: number;
  log_url?: string;
  log_excerpt?: string;
  environment: { comment: string };
  misc: Record<string, unknown>;
}

export interface KcidbData {
  version: { major: number; minor: number };
  checkouts: KcidbCheckout[];
  builds: KcidbBuild[];
  tests: KcidbTest[];
}

/** KCIDB strings may not hold NUL (v5.3 patterns); log excerpts are at most 16384 characters. */
function clean(s: string, max = Number.POSITIVE_INFINITY): string {
  const t = s.replace(/\0/g, '\\0');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A test path segment: `[a-zA-Z0-9_-]+`. */
function segment(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

/** RFC 3339 with an explicit offset, as KCIDB's examples write it. */
function time(iso: string): string {
  return iso.replace(/Z$/, '+00:00');
}

/** Seconds to the millisecond (no float noise in the JSON). */
function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}

function isUrl(s: string | null | undefined): s is string {
  if (!s) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function kcidbData(m: ExportModel, opts: KcidbOptions = {}): KcidbData {
  const origin = opts.origin ?? 'pinbench';
  const runKey = `${m.run.configName ?? 'run'}-${m.run.id}`;
  const checkoutId = `${origin}:${runKey}`;
  const buildId = (policy: string) => `${checkoutId}:${policy}`;
  const start = time(m.run.startedAt);
  const logUrl = isUrl(m.reportUrl) ? m.reportUrl : undefined;

  const patchsetHash = m.policies.length
    ? createHash('sha256')
        .update(m.policies.map((p) => `${p.moduleHash}\n`).join(''))
        .digest('hex')
    : '';
  const patchsetFiles: Resource[] = m.policies.flatMap((p) => {
    if (p.source)
      return [
        { name: clean(basename(p.source)) || `${segment(p.id)}.ts`, url: pathToFileURL(p.source).href },
      ];
    if (isUrl(p.link)) return [{ name: segment(p.id), url: p.link }];
    return [];
  });
  const failedSources = m.sources.flatMap((s) =>
    s.error !== null
      ? [{ source: s.source, error: clean(s.error) }]
      : s.failures.map((f) => ({ source: s.source, trace: f.name, error: clean(f.error) })),
  );
  const checkout: KcidbCheckout = {
    id: checkoutId,
    origin,
    ...(opts.treeName ? { tree_name: clean(opts.treeName) } : {}),
    ...(opts.gitRepositoryUrl ? { git_repository_url: opts.gitRepositoryUrl } : {}),
    ...(m.run.gitRevision && /^[0-9a-f]{40}$/.test(m.run.gitRevision)
      ? { git_commit_hash: m.run.gitRevision }
      : {}),
    patchset_files: patchsetFiles,
    patchset_hash: patchsetHash,
    comment: clean(
      `pinbench ${m.run.configName ?? ''} run ${m.run.id}: ${m.policies.map((p) => p.id).join(' ')}${m.baseline ? ` (baseline ${m.baseline})` : ''}`.replace(
        / {2,}/g,
        ' ',
      ),
    ),
    start_time: start,
    valid: true,
    misc: {
      run_id: m.run.id,
      config_name: m.run.configName,
      run_status: m.run.status,
      git_dirty: m.run.gitDirty,
      baseline: m.baseline,
      policies: m.policies.map((p) => ({
        id: p.id,
        kind: p.kind,
        commit: p.commit,
        subject: p.subject,
        module_hash: p.moduleHash,
      })),
      ...(failedSources.length ? { sources_failed: failedSources } : {}),
    },
  };

  const duration = new Map<string, number>();
  for (const c of m.cases) duration.set(c.policy, (duration.get(c.policy) ?? 0) + c.seconds);
  const builds: KcidbBuild[] = m.policies.map((p) => ({
    id: buildId(p.id),
    checkout_id: checkoutId,
    origin,
    comment: clean(p.subject ? `${p.title}: ${p.subject}` : p.title),
    start_time: start,
    duration: round(duration.get(p.id) ?? 0),
    architecture: 'x86_64',
    config_name: clean(p.id),
    status: 'PASS',
    misc: { kind: p.kind, scope_release: p.scopeRelease, module_hash: p.moduleHash, commit: p.commit },
  }));

  const tests: KcidbTest[] = m.cases.map((c) => {
    const excerpt = c.verdict === 'pass' ? '' : failureText(c);
    return {
      id: `${buildId(c.policy)}:${c.sha256.slice(0, 16)}:${c.matrix}:${c.sidx}`,
      build_id: buildId(c.policy),
      origin,
      path: `pinbench.${segment(c.identity.source)}.${segment(c.scenario)}`,
      comment: clean(`${c.scenario} (${c.trace}) on ${c.policy}: ${expectationText(c)}`),
      status: KCIDB_STATUS[c.verdict],
      start_time: start,
      duration: round(c.seconds),
      ...(logUrl ? { log_url: logUrl } : {}),
      ...(excerpt ? { log_excerpt: clean(excerpt, 16384) } : {}),
      environment: { comment: clean(`pinbench model of ${c.policy}`) },
      misc: {
        trace: c.trace,
        sha256: c.sha256,
        matrix: c.matrix,
        scenario: c.scenario,
        scenario_index: c.sidx,
        verdict: c.verdict,
        expected: c.expected,
        ...(failureKind(c) ? { failure: failureKind(c) } : {}),
        failed: c.failed,
        ...(c.divergence ? { divergence: c.divergence.signature, divergence_title: c.divergence.title } : {}),
      },
    };
  });
  for (const t of m.traces.filter((x) => x.error)) {
    for (const p of m.policies) {
      tests.push({
        id: `${buildId(p.id)}:${t.sha256.slice(0, 16) || 'unread'}:${t.matrix}:trace`,
        build_id: buildId(p.id),
        origin,
        path: `pinbench.${segment(t.identity.source)}`,
        comment: clean(`${t.trace} could not be replayed`),
        status: 'ERROR',
        start_time: start,
        duration: 0,
        log_excerpt: clean(`${t.error!.code}: ${t.error!.message}`, 16384),
        environment: { comment: clean(`pinbench model of ${p.id}`) },
        misc: { trace: t.trace, matrix: t.matrix, error_code: t.error!.code },
      });
    }
  }
  return { version: { ...KCIDB_VERSION }, checkouts: [checkout], builds, tests };
}

export function renderKcidb(m: ExportModel, opts: KcidbOptions = {}): string {
  return `${JSON.stringify(kcidbData(m, opts), null, 2)}\n`;
}
