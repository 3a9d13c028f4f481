/**
 * `synth --target <family|file:line>`: a synthetic trace chosen for what it reaches. The generator
 * draws scenarios from one random stream per seed; guidance here picks among `candidates` seeds
 * (seed, seed+1, ...), each a trace of the same size, the one whose scenarios reach the most
 * branch arms of the target, measured with the coverage runner (one replay of every candidate
 * per policy, counts taken per trace). The unguided run is the first seed: same size, no choice.
 * The chosen trace is an ordinary synth trace, so `synth --seed <chosen>` writes it again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.ts';
import { type SynthOptions, synthesizeText } from '../model/synth/index.ts';
import {
  type CoverageReport,
  groupOf,
  measureCoveragePerTrace,
  POLICIES_DIR,
  policyModuleFiles,
} from './coverage.ts';

export interface TargetSpec {
  /** Absolute paths of the target files. */
  files: string[];
  /** With file:line: the line whose arms count (or the function holding it). */
  line?: number;
  label: string;
}

export interface TargetReach {
  seed: number;
  reached: number;
  total: number;
}

export interface SynthTargetResult {
  target: string;
  policies: number;
  candidates: TargetReach[];
  chosen: TargetReach;
  unguided: TargetReach;
  /** The chosen trace. */
  text: string;
}

/** `vma-checks`, `gup-helpers`, or `policies/gup/vma-checks/v5-4.ts:79`. */
export function resolveTarget(target: string, cwd: string): TargetSpec {
  const all = policyModuleFiles();
  const m = /^(.+):(\d+)$/.exec(target);
  if (m) {
    const root = resolve(POLICIES_DIR, '..');
    const file = [resolve(cwd, m[1]!), resolve(root, m[1]!)].find((f) => all.includes(f));
    if (!file) throw new UsageError(`--target ${target}: ${m[1]} is not a policy module under policies/`);
    return { files: [file], line: Number(m[2]), label: target };
  }
  const files = all.filter((f) => groupOf(f) === target);
  if (files.length === 0) {
    const groups = [...new Set(all.map(groupOf))].sort();
    throw new UsageError(`--target ${target}: no such family or module (${groups.join(', ')})`);
  }
  return { files, label: target };
}

/** Target arms reached / total in one report, summed over the releases that have the files. */
export function targetReach(r: CoverageReport, t: TargetSpec): { reached: number; total: number } {
  let reached = 0;
  let total = 0;
  for (const g of r.groups)
    for (const rel of g.releases)
      for (const i of rel.files) {
        const f = g.files[i]!;
        if (!t.files.some((abs) => f.url === pathToFileURL(abs).href)) continue;
        const c = rel.counts[i]!;
        if (t.line === undefined) {
          reached += c.branchesTally.reached;
          total += c.branchesTally.total;
          continue;
        }
        let arms = f.map.arms.map((a, k) => ({ a, k })).filter(({ a }) => a.line === t.line);
        if (arms.length === 0) {
          // A line without a branch of its own: the arms of the innermost function holding it.
          const at = f.map.lineStarts[t.line - 1] ?? -1;
          let fn = -1;
          f.map.functions.forEach((x, k) => {
            if (x.start <= at && at < x.end) fn = k;
          });
          if (fn < 0) throw new UsageError(`--target ${t.label}: no function or branch at that line`);
          arms = f.map.arms.map((a, k) => ({ a, k })).filter(({ a }) => a.fn === fn);
        }
        total += arms.length;
        reached += arms.filter(({ k }) => c.arms[k]! > 0).length;
      }
  return { reached, total };
}

export async function synthTarget(opts: {
  target: string;
  seed: number;
  candidates: number;
  synth: Omit<SynthOptions, 'seed'>;
  policySpecs: string[];
  cwd: string;
  jobs?: number;
}): Promise<SynthTargetResult> {
  const spec = resolveTarget(opts.target, opts.cwd);
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-synth-target-'));
  try {
    const texts: string[] = [];
    const sources: string[] = [];
    for (let i = 0; i < opts.candidates; i++) {
      const { text } = await synthesizeText({ ...opts.synth, seed: opts.seed + i });
      const path = join(dir, `seed-${opts.seed + i}.trace`);
      await writeFile(path, text);
      texts.push(text);
      sources.push(path);
    }
    const reports = await measureCoveragePerTrace({
      sources,
      policySpecs: opts.policySpecs,
      cwd: opts.cwd,
      only: spec.files,
      ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
    });
    const candidates = reports.map((r, i) => ({ seed: opts.seed + i, ...targetReach(r, spec) }));
    // Most arms reached; the earliest seed on a tie (so one candidate means no guidance).
    const chosen = candidates.reduce((best, c) => (c.reached > best.reached ? c : best));
    return {
      target: spec.label,
      policies: reports[0]?.policies.length ?? 0,
      candidates,
      chosen,
      unguided: candidates[0]!,
      text: texts[chosen.seed - opts.seed]!,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatSynthTarget(r: SynthTargetResult, scenarios: number): string {
  const gain = r.chosen.reached - r.unguided.reached;
  return (
    `target ${r.target}: guided (best of ${r.candidates.length} seeds: seed ${r.chosen.seed}) reaches ` +
    `${r.chosen.reached}/${r.chosen.total} branch arms over ${r.policies} policies; unguided (seed ` +
    `${r.unguided.seed}, the same ${scenarios} scenario(s)) ${r.unguided.reached}/${r.unguided.total} ` +
    `(${gain >= 0 ? '+' : ''}${gain})\n`
  );
}
