/** `pinbench diff`: what changed between two stored runs (divergences by signature, verdicts). */
import { UsageError } from '../../errors.ts';
import type { DivergenceRow, RunDiff } from '../../store/store.ts';
import { escapeTerminal as t } from '../../terminal-text.ts';
import { bool, type Command } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

function divergenceLine(d: DivergenceRow): string {
  const classes = t(d.classes.map((c) => `{${c.join(',')}}`).join(' != '));
  const where = `${t(d.trace)}${d.matrix ? ` [${t(d.matrix)}]` : ''} ${t(d.scenario)} #${d.seq} (line ${d.line})`;
  return `  ${d.signature}  ${t(d.title)}\n      ${where} ${t(d.event)}${d.root ? '' : ' (cascade)'}  ${classes}\n`;
}

export function formatDiff(diff: RunDiff): string {
  let s =
    `run ${diff.a} -> run ${diff.b}: ${diff.new.length} new, ${diff.fixed.length} gone, ` +
    `${diff.unchanged.length} still there (divergences by identity); ${diff.verdictChanges.length} verdict change(s)\n` +
    `kinds: ${diff.kinds.new.length} new, ${diff.kinds.gone.length} gone, ${diff.kinds.still.length} still\n`;
  // A scenario x policy that passed in A and fails (or errs) in B is named a regression first.
  const regressions = diff.verdictChanges.filter(
    (c) => c.before === 'pass' && (c.after === 'fail' || c.after === 'error'),
  );
  if (regressions.length) {
    s += `\n${regressions.length} regression(s) (pass in run ${diff.a}, not in run ${diff.b}):\n`;
    for (const c of regressions) {
      s += `  REGRESSION ${c.trace}${c.matrix ? ` [${c.matrix}]` : ''} ${c.scenario}  ${c.policy}: pass -> ${c.after}\n`;
    }
  }
  if (diff.kinds.new.length) {
    s += `\nnew kinds:\n${diff.kinds.new.map((k) => `  ${k.kind}  ${t(k.title)}  (${k.after})\n`).join('')}`;
  }
  if (diff.kinds.gone.length) {
    s += `\ngone kinds:\n${diff.kinds.gone.map((k) => `  ${k.kind}  ${t(k.title)}  (${k.before})\n`).join('')}`;
  }
  if (diff.new.length) s += `\nnew divergences:\n${diff.new.map(divergenceLine).join('')}`;
  if (diff.fixed.length) s += `\ngone divergences:\n${diff.fixed.map(divergenceLine).join('')}`;
  if (diff.verdictChanges.length) {
    s += '\nverdict changes:\n';
    for (const c of diff.verdictChanges) {
      const where = `${t(c.trace)}${c.matrix ? ` [${t(c.matrix)}]` : ''} ${t(c.scenario)}`;
      s += `  ${where}  ${t(c.policy)}: ${c.before ?? '(absent)'} -> ${c.after ?? '(absent)'}\n`;
    }
  }
  return s;
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'Compare two stored runs: new, fixed and unchanged divergences, verdict changes',
  positionals: '<runA> [runB]',
  details:
    'Runs are ids from `pinbench runs`, or `latest`. With one run, compares it with the previous\n' +
    'complete run of the same config. Divergences match by signature, verdicts by trace content,\n' +
    'matrix label, scenario and policy.',
  options: {
    db: DB_OPTION,
    json: { type: 'boolean', description: 'The whole comparison as one JSON object' },
  },
  async run(values, positionals, io) {
    if (positionals.length < 1 || positionals.length > 2) {
      throw new UsageError(
        'diff takes two runs (ids or latest), or one to compare with its previous complete run',
      );
    }
    return withStore(values, io, async (store) => {
      let a: number;
      let b: number;
      if (positionals.length === 2) {
        a = (await store.resolveRun(positionals[0]!)).id;
        b = (await store.resolveRun(positionals[1]!)).id;
      } else {
        b = (await store.resolveRun(positionals[0]!)).id;
        const prev = await store.previousCompletedRun(b);
        if (!prev)
          throw new UsageError(`run ${b} has no previous complete run of its config to compare with`);
        a = prev.id;
      }
      const diff = await store.diffRuns(a, b);
      io.stdout.write(bool(values, 'json') ? `${JSON.stringify(diff)}\n` : formatDiff(diff));
      return 0;
    });
  },
};
