/**
 * `check --coverage`: which of the candidate's changes no scenario reaches. A check that finds no
 * regression over scenarios that never call the changed code proves nothing about it; this names
 * the overridden functions never called and the branch arms of changed code never taken.
 *
 * The changed files are the measured files (policies/, the candidate's module) in the
 * candidate's module graph but not in the baseline's: a user's module, or the family versions a
 * registry candidate uses and the baseline does not.
 */
import { pathToFileURL } from 'node:url';
import type { Policy } from '../model/kernel.ts';
import { moduleGraph } from '../replay/module-graph.ts';
import { type CoverageReport, measureCoverage, moduleUrl } from './coverage.ts';

export interface UnreachedChange {
  what: 'override' | 'function' | 'branches';
  file: string;
  line: number;
  /** Function name, or the arms at that line (`if true in isLongtermPinnable`). */
  name: string;
  /** The sentence for the check's text. */
  text: string;
}

export interface CandidateCoverage {
  policy: string;
  /** Changed files (as the coverage report names them). */
  files: string[];
  functions: { reached: number; total: number };
  branches: { reached: number; total: number };
  unreached: UnreachedChange[];
}

function graphOf(p: Policy): Set<string> {
  const entries = Object.values(p.versions)
    .map((v) => v.module)
    .filter((m): m is string => m !== undefined);
  if (p.source !== undefined) entries.push(pathToFileURL(p.source).href);
  return new Set(moduleGraph(entries).map(moduleUrl));
}

/** What the candidate's changed files look like in a coverage report of the candidate alone. */
export function candidateChanges(
  report: CoverageReport,
  candidate: Policy,
  baseline: Policy,
): CandidateCoverage {
  const before = graphOf(baseline);
  const out: CandidateCoverage = {
    policy: candidate.id,
    files: [],
    functions: { reached: 0, total: 0 },
    branches: { reached: 0, total: 0 },
    unreached: [],
  };
  // A user's overrides by name; for a registry candidate, its changed files' kernel functions.
  const overrides = new Set(
    candidate.source !== undefined ? candidate.overrides : Object.keys(candidate.ops),
  );
  for (const g of report.groups) {
    const rel = g.releases.find((r) => r.policy === candidate.id);
    if (!rel) continue;
    for (const i of rel.files) {
      const f = g.files[i]!;
      if (before.has(f.url)) continue;
      out.files.push(f.file);
      const c = rel.counts[i]!;
      out.functions.reached += c.functionsTally.reached;
      out.functions.total += c.functionsTally.total;
      out.branches.reached += c.branchesTally.reached;
      out.branches.total += c.branchesTally.total;
      const mine = rel.unreached.filter((u) => u.file === f.file);
      for (const u of mine.filter((x) => x.what === 'function')) {
        const what = overrides.has(u.name) ? 'override' : 'function';
        out.unreached.push({
          what,
          file: f.file,
          line: u.line,
          name: u.name,
          text: `${what} ${u.name} (${f.file}:${u.line}) is never called by any scenario`,
        });
      }
      const byLine = new Map<number, string[]>();
      for (const u of mine.filter((x) => x.what === 'branch'))
        byLine.set(u.line, [...(byLine.get(u.line) ?? []), u.name]);
      for (const [line, names] of [...byLine].sort(([a], [b]) => a - b))
        out.unreached.push({
          what: 'branches',
          file: f.file,
          line,
          name: names.join(', '),
          text: `branches at ${f.file}:${line} not reached (${names.join(', ')})`,
        });
    }
  }
  return out;
}

/** Replays the corpus with the candidate alone under coverage and names what its changes miss. */
export async function candidateCoverage(opts: {
  sources: string[];
  candidateSpec: string;
  candidate: Policy;
  baseline: Policy;
  cwd: string;
  adapters: boolean;
}): Promise<CandidateCoverage> {
  const report = await measureCoverage({
    sources: opts.sources,
    policySpecs: [opts.candidateSpec],
    cwd: opts.cwd,
    adapters: opts.adapters,
    jobs: 1,
  });
  return candidateChanges(report, opts.candidate, opts.baseline);
}

export function formatCandidateCoverage(c: CandidateCoverage): string {
  if (c.files.length === 0) return `coverage: the candidate changes no policy file the baseline lacks\n`;
  const lines = [
    `coverage of the candidate's changes (${c.files.join(', ')}): functions ${c.functions.reached}/${c.functions.total}, branches ${c.branches.reached}/${c.branches.total}`,
  ];
  if (c.unreached.length === 0) lines.push('  every changed function and branch is reached by some scenario');
  for (const u of c.unreached) lines.push(`  ${u.text}`);
  return `${lines.join('\n')}\n`;
}
