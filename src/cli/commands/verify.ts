/**
 * `pinbench verify`: counts every stored row of a run (or of every finished run) against the
 * counts stored with it, so rows lost underneath the database (damaged pages that read as empty)
 * are found instead of silently missing from reports and exports.
 */
import { StoreFailure } from '../../errors.ts';
import { formatProblems } from '../../store/verify-run.ts';
import { type Command, str } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Check that every row of a stored run is still there (against the counts stored with it)',
  details:
    'Without --run, checks every run. Exit 0 when all rows are there, 3 when rows are missing or the\n' +
    'database reports damage (restore it from a backup, or replay the traces into a new one).',
  options: {
    db: DB_OPTION,
    run: { type: 'string', arg: 'ID', description: 'Only this run (an id from `pinbench runs`, or latest)' },
  },
  async run(values, _positionals, io) {
    return withStore(values, io, async (store) => {
      const ref = str(values, 'run');
      const runs = ref !== undefined ? [await store.resolveRun(ref)] : (await store.listRuns()).reverse();
      const bad: string[] = [];
      for (const run of runs) {
        const v = await store.verifyRun(run.id);
        const total = Object.values(v.rows).reduce((a, b) => a + b, 0);
        if (v.problems.length === 0) {
          const note = v.hadRowCounts ? '' : ' (per-trace counts only: the run stored no table counts)';
          io.stdout.write(`run ${run.id}: ok, ${total} rows${note}\n`);
        } else {
          io.stdout.write(`run ${run.id}: MISSING ROWS: ${formatProblems(v.problems)}\n`);
          bad.push(String(run.id));
        }
      }
      if (runs.length === 0) io.stdout.write(`no runs in ${store.location}\n`);
      if (bad.length > 0) {
        throw new StoreFailure(
          `run(s) ${bad.join(', ')} in ${store.location} have lost rows: the database is damaged; ` +
            'restore it from a backup, or run the traces again into a new database',
        );
      }
      return 0;
    });
  },
};
