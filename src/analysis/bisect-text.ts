/**
 * The terminal text of a bisection, shaped like `git bisect`: one `good`/`bad`/`skip` line per
 * policy, then "<policy> is the first bad policy" with what changed there.
 */
import type { BisectResult, BisectTransition } from './bisect.ts';

/** Trace text and module subjects are untrusted: control characters are shown, never sent. */
function plain(s: string): string {
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

function targetText(r: BisectResult): string {
  const t = r.target;
  if (t.kind === 'scenario') return `scenario ${plain(t.scenario)}`;
  if (t.kind === 'divergence')
    return `divergence ${t.id} (scenario ${plain(t.scenario)}, ${t.event} at line ${t.line})`;
  return 'every scenario';
}

function transitionText(t: BisectTransition, n: number, of: number, seen: ReadonlySet<string>): string[] {
  // "again" only when the range has already been in that state before this transition.
  const again = seen.has(t.toLabel) ? ' again' : '';
  const head =
    t.fromLabel !== t.toLabel
      ? `${t.to} is the first ${t.toLabel} policy${again}`
      : `${t.to} changes the ${t.toLabel} state`;
  const lines = [`transition ${n}/${of}: ${head} (${t.from} ${t.fromLabel} -> ${t.to} ${t.toLabel})`];
  lines.push(`  ${t.from}: ${plain(t.fromDetail)}`, `  ${t.to}: ${plain(t.toDetail)}`);
  const d = t.difference;
  if (d) {
    const where =
      d.seq === null
        ? `${plain(d.scenario)} final counts`
        : `${plain(d.scenario)} #${d.seq} ${d.event} (line ${d.line})`;
    lines.push(`  first difference: ${where}: ${plain(d.from)} -> ${plain(d.to)}`);
  }
  if (t.commit)
    lines.push(
      `  commit ${plain(t.commit.commit)}${t.commit.subject ? ` "${plain(t.commit.subject)}"` : ''}`,
    );
  for (const s of t.scenarios) lines.push(`  scenario ${plain(s.scenario)}: ${s.from} -> ${s.to}`);
  for (const f of t.families) {
    lines.push(`  ${f.family}: ${f.from.id} -> ${f.to.id}`);
    for (const v of f.entered) {
      lines.push(
        `    ${v.commit ?? v.id} "${plain(v.subject)}"${v.release ? ` (${v.release})` : ' (never released)'}`,
      );
    }
  }
  if (t.families.length === 0 && t.functions.length > 0)
    lines.push(`  functions: ${t.functions.map(plain).join(', ')}`);
  if (t.commits) {
    lines.push('  commits of this step, each alone on the release before it:');
    for (const c of t.commits) {
      lines.push(
        `    ${c.label.padEnd(4)}  ${c.policy}  "${plain(c.subject)}": ${plain(c.detail)}${c.culprit ? '  <- makes the change' : ''}`,
      );
    }
  }
  return lines;
}

export function formatBisect(r: BisectResult, opts: { all: boolean }): string {
  const lines = [
    `bisect ${plain(r.trace)}: ${targetText(r)}, on the ${r.on}, ${r.steps.length} policies (${r.steps[0]!.policy} .. ${r.steps.at(-1)!.policy})`,
  ];
  const width = Math.max(...r.steps.map((s) => s.policy.length));
  for (const s of r.steps) lines.push(`${s.label.padEnd(4)}  ${s.policy.padEnd(width)}  ${plain(s.detail)}`);
  lines.push('');
  if (r.transitions.length === 0) {
    lines.push(`no transition: every decided policy has the same ${r.on}`);
    return `${lines.join('\n')}\n`;
  }
  const shown = opts.all ? r.transitions : r.transitions.slice(0, 1);
  const seen = new Set<string>();
  let step = 0;
  shown.forEach((t, i) => {
    for (; step < t.at; step++) seen.add(r.steps[step]!.label);
    lines.push(...transitionText(t, i + 1, r.transitions.length, seen));
  });
  if (!opts.all && r.transitions.length > 1)
    lines.push(`(${r.transitions.length - 1} more transition(s); --all shows every one)`);
  lines.push(`${r.replayed} policies replayed`);
  return `${lines.join('\n')}\n`;
}
