/** `pinbench export`: a stored run as NDJSON in model.md's contract (verdict, final, divergence records). */
import { once } from 'node:events';
import { UsageError } from '../../errors.ts';
import { bool, type Command, str } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a stored run as NDJSON records (divergence, final, verdict), as replay --json does',
  details:
    'Records have the keys of the machine-readable contract (docs: spec/model.md); results of a\n' +
    '--matrix configuration carry a `matrix` key. Outcome records are included with --outcomes\n' +
    'for runs stored with `pinbench run --outcomes`.',
  options: {
    db: DB_OPTION,
    format: { type: 'string', arg: 'FORMAT', description: 'Output format (only ndjson)', default: 'ndjson' },
    run: {
      type: 'string',
      arg: 'ID',
      description: 'The run (an id from `pinbench runs`, or latest)',
      default: 'latest',
    },
    outcomes: { type: 'boolean', description: 'Include outcome records (if the run stored them)' },
  },
  async run(values, positionals, io) {
    if (positionals.length)
      throw new UsageError(`export takes no positional arguments (got '${positionals[0]}'); use --run ID`);
    const format = str(values, 'format') ?? 'ndjson';
    if (format !== 'ndjson') throw new UsageError(`--format ${format}: the only export format is ndjson`);
    return withStore(values, io, async (store) => {
      const run = await store.resolveRun(str(values, 'run') ?? 'latest');
      if (bool(values, 'outcomes') && !run.outcomes) {
        throw new UsageError(
          `run ${run.id} was stored without outcomes (pinbench run --outcomes keeps them)`,
        );
      }
      // Rows lost to damaged pages would otherwise leave the export silently short.
      await store.assertRunIntact(run.id);
      // `pinbench export | head`: a reader that goes away ends the export, quietly.
      let gone: Error | null = null;
      const onError = (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') gone = e;
      };
      io.stdout.on('error', onError);
      try {
        await store.exportNdjson(
          run.id,
          async (chunk) => {
            if (gone) throw gone;
            if (!io.stdout.write(chunk))
              await Promise.race([once(io.stdout, 'drain'), once(io.stdout, 'close')]);
          },
          { outcomes: bool(values, 'outcomes') },
        );
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
      } finally {
        io.stdout.off('error', onError);
      }
      return 0;
    });
  },
};
