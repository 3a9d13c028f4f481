/**
 * `synth --target <family|file:line>`: a synthetic trace biased toward the branches of a target.
 * The generator draws scenarios from one random stream per seed and has no knob per branch, so
 * guidance is selection: draw more scenarios than asked for, measure with the coverage runner
 * which target branch arms each one reaches under every policy (counts taken per scenario), and
 * keep a greedy cover: each pick the scenario that adds the most arms not yet reached. The
 * unguided run of the same size is the first scenarios drawn, which is what `synth` writes
 * without --target. Deterministic: the same seed and options choose the same scenarios.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { type SynthOptions, synthesizeText } from '../synth/index.ts';
import {
  type CoverageReport,
  groupOf,
  measureCoverageParts,
  moduleUrl,
  POLICIES_DIR,
  policyModuleFiles,
} from './coverage.ts';
import { readScenarios } from './read-scenarios.ts';

export interface TargetSpec {
  /** Absolute paths of the target files. */
  files: string[];
  /** With file:line: the line whose arms count (or the function holding it). */
  line?: number;
  label: string;
}

export interface TargetReach {
  /** Names of the scenarios. */
  scenarios: string[];
  reached: number;
  total: number;
}

export interface SynthTargetResult {
  target: string;
  policies: number;
  /** Scenarios drawn to choose from. */
  drawn: number;
  chosen: TargetReach;
  /** The first scenarios of the same seed, as many as chosen: what plain synth writes. */
  unguided: TargetReach;
  /** The trace of the chosen scenarios. */
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

/** The target arms one report reaches (`release|file|arm` keys), and how many arms there are. */
export function targetArms(r: CoverageReport, t: TargetSpec): { reached: Set<string>; total: number } {
  const reached = new Set<string>();
  let total = 0;
  for (const g of r.groups)
    for (const rel of g.releases)
      for (const i of rel.files) {
        const f = g.files[i]!;
        if (!t.files.some((abs) => f.url === moduleUrl(abs))) continue;
        const c = rel.counts[i]!;
        let arms = f.map.arms.map((_, k) => k);
        if (t.line === undefined) total += c.branchesTally.total;
        else {
          arms = arms.filter((k) => f.map.arms[k]!.line === t.line);
          if (arms.length === 0) {
            // A line without a branch of its own: the arms of the innermost function holding it.
            const at = f.map.lineStarts[t.line - 1] ?? -1;
            let fn = -1;
            f.map.functions.forEach((x, k) => {
              if (x.start <= at && at < x.end) fn = k;
            });
            if (fn < 0) throw new UsageError(`--target ${t.label}: no function or branch at that line`);
            arms = f.map.arms.map((_, k) => k).filter((k) => f.map.arms[k]!.fn === fn);
          }
          total += arms.length;
        }
        // An arm counted in no release's tally (a replaced version's code) has no count either.
        for (const k of arms) if (c.arms[k]! > 0) reached.add(`${rel.policy}|${f.file}|${k}`);
      }
  return { reached, total };
}

/**
 * The trace of some scenarios of a synth trace: its lines outside every scenario's span (header,
 * configs, noise before the first scenario), minus the tracefs entry count (the records no
 * longer match it), and the spans of the kept scenarios, in the original order.
 */
export function keepScenarios(text: string, starts: readonly number[], keep: ReadonlySet<number>): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const sorted = [...starts].sort((a, b) => a - b);
  const out: string[] = [];
  let span = -1; // index into sorted of the scenario the line belongs to
  lines.forEach((l, i) => {
    const n = i + 1;
    while (span + 1 < sorted.length && sorted[span + 1]! <= n) span++;
    if (span < 0) {
      if (!/^# entries-in-buffer\/entries-written:/.test(l)) out.push(l);
    } else if (keep.has(sorted[span]!) || /\bpinbench_config: /.test(l)) out.push(l);
  });
  return `${out.join('\n')}\n`;
}

export async function synthTarget(opts: {
  target: string;
  seed: number;
  /** Scenarios to write. */
  scenarios: number;
  /** Scenarios to draw and choose from. */
  drawn: number;
  synth: Omit<SynthOptions, 'seed' | 'scenarios' | 'sizeBytes'>;
  policySpecs: string[];
  cwd: string;
  jobs?: number;
}): Promise<SynthTargetResult> {
  const spec = resolveTarget(opts.target, opts.cwd);
  const drawn = Math.max(opts.drawn, opts.scenarios);
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-synth-target-'));
  try {
    const { text } = await synthesizeText({ ...opts.synth, seed: opts.seed, scenarios: drawn });
    const path = join(dir, 'drawn.trace');
    await writeFile(path, text);
    const read = await readScenarios(path, { adapters: false });
    const kept = read.scenarios.filter((sc) => sc.error === undefined);
    const reports = await measureCoverageParts(
      {
        sources: [path],
        policySpecs: opts.policySpecs,
        cwd: opts.cwd,
        only: spec.files,
        adapters: false,
        ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
      },
      'scenario',
    );
    const arms = reports.map((r) => targetArms(r, spec));
    const total = arms[0]?.total ?? 0;
    // Greedy cover: each pick adds the most target arms not yet reached; the earliest on a tie,
    // and in drawing order once nothing adds any (so the trace has the size asked for).
    const covered = new Set<string>();
    const picked: number[] = [];
    const k = Math.min(opts.scenarios, kept.length);
    while (picked.length < k) {
      let best = -1;
      let gain = -1;
      arms.forEach((a, i) => {
        if (picked.includes(i)) return;
        let g = 0;
        for (const key of a.reached) if (!covered.has(key)) g++;
        if (g > gain) {
          gain = g;
          best = i;
        }
      });
      picked.push(best);
      for (const key of arms[best]!.reached) covered.add(key);
    }
    const first = new Set<string>();
    for (let i = 0; i < k; i++) for (const key of arms[i]!.reached) first.add(key);
    const chosen = picked.sort((a, b) => a - b);
    return {
      target: spec.label,
      policies: reports[0]?.policies.length ?? 0,
      drawn,
      chosen: { scenarios: chosen.map((i) => kept[i]!.name), reached: covered.size, total },
      unguided: { scenarios: kept.slice(0, k).map((s) => s.name), reached: first.size, total },
      text: keepScenarios(
        text,
        read.scenarios.map((s) => s.line),
        new Set(chosen.map((i) => kept[i]!.line)),
      ),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatSynthTarget(r: SynthTargetResult): string {
  const gain = r.chosen.reached - r.unguided.reached;
  const n = r.chosen.scenarios.length;
  return (
    `target ${r.target}: guided (${n} of ${r.drawn} scenarios drawn, chosen for new target branches: ` +
    `${r.chosen.scenarios.join(' ')}) reaches ${r.chosen.reached}/${r.chosen.total} branch arms over ` +
    `${r.policies} polic${r.policies === 1 ? 'y' : 'ies'}; unguided (the first ${n}, as synth without --target writes them) ` +
    `${r.unguided.reached}/${r.unguided.total} (${gain >= 0 ? '+' : ''}${gain})\n`
  );
}
