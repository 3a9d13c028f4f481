/** What the commands that read or write the results database share: the --db option and opening it. */
import { openStore, type Store } from '../../store/store.ts';
import { type CommandIo, type OptionSpec, type ParsedValues, str } from '../command.ts';

export const DB_OPTION: OptionSpec = {
  type: 'string',
  arg: 'DIR|URL',
  description:
    'Results database: a PGlite directory (default .pinbench/db, or PINBENCH_DB) or postgres://...',
};

/** Opens the database `--db` names (else PINBENCH_DB, else .pinbench/db), runs `fn`, closes it. */
export async function withStore<T>(
  values: ParsedValues,
  io: CommandIo,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore({ db: str(values, 'db'), cwd: io.cwd, env: io.env });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
