/**
 * `pinbench coverage` as text: per family, functions and branch arms reached / total for every
 * release, then each unreached item once, with the releases it is unreached in (an item is
 * listed when its function runs but it does not, or, for a function, when its caller's code runs).
 */
import { escapeTerminal } from '../terminal-text.ts';
import type { CoverageReport, GroupCoverage, Tally } from './coverage.ts';

function pct(t: Tally): string {
  return t.total === 0 ? '  -  ' : `${((100 * t.reached) / t.total).toFixed(0).padStart(3)}%`;
}

function tally(t: Tally): string {
  return `${`${t.reached}/${t.total}`.padStart(7)} ${pct(t)}`;
}

/** `v6.0 .. v6.2` style list: all of them, or the ids when few. */
function releaseList(ids: readonly string[], of: number): string {
  if (ids.length === of) return of === 1 ? ids[0]! : `all ${of} releases with it`;
  if (ids.length <= 4) return ids.join(', ');
  return `${ids.length} of ${of} releases (${ids[0]} .. ${ids[ids.length - 1]})`;
}

export function formatGroup(g: GroupCoverage): string {
  const lines = [`${g.group}`];
  const width = Math.max(...g.releases.map((r) => r.policy.length));
  lines.push(`  ${'policy'.padEnd(width)}  ${'functions'.padStart(12)}  ${'branches'.padStart(12)}`);
  for (const r of g.releases)
    lines.push(`  ${escapeTerminal(r.policy).padEnd(width)}  ${tally(r.functions)}  ${tally(r.branches)}`);
  // Each unreached item once, with the releases where it is unreached, among those that have it.
  const items = new Map<string, { text: string; ids: string[]; file: string; line: number; col: number }>();
  const having = new Map<string, number>();
  for (const r of g.releases)
    for (const i of r.files) having.set(g.files[i]!.file, (having.get(g.files[i]!.file) ?? 0) + 1);
  for (const r of g.releases)
    for (const u of r.unreached) {
      const key = `${u.file}:${u.line}:${u.col}:${u.what}:${u.name}`;
      const hit = items.get(key) ?? {
        text: `${u.what === 'function' ? 'function' : 'branch  '} ${u.file}:${u.line}${u.what === 'branch' ? `:${u.col}` : ''} ${u.name}`,
        ids: [],
        file: u.file,
        line: u.line,
        col: u.col,
      };
      hit.ids.push(r.policy);
      items.set(key, hit);
    }
  if (items.size) {
    lines.push('  unreached:');
    const sorted = [...items.values()].sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
    );
    for (const it of sorted)
      lines.push(
        `    ${escapeTerminal(it.text)}: ${releaseList(it.ids, having.get(it.file) ?? it.ids.length)}`,
      );
  }
  return lines.join('\n');
}

export function formatCoverage(r: CoverageReport, opts: { group?: string } = {}): string {
  const groups = opts.group === undefined ? r.groups : r.groups.filter((g) => g.group === opts.group);
  const head =
    `coverage of the policy modules by ${r.traces.length} trace(s), ${r.scenarios} scenario(s), ` +
    `${r.calls} call(s), over ${r.policies.length} polic${r.policies.length === 1 ? 'y' : 'ies'}`;
  return `${[head, '', ...groups.map(formatGroup).flatMap((g) => [g, ''])].join('\n')}`;
}
