/**
 * Where the results live: `--db <dir|postgres://...>`, else `PINBENCH_DB`, else `.pinbench/db`
 * under the working directory. A directory is an embedded PGlite database; a `postgres://` or
 * `postgresql://` URL is a PostgreSQL server.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError } from '../errors.ts';

export const DEFAULT_DB_DIR = '.pinbench/db';

export type StoreLocation =
  | { kind: 'pglite'; dir: string; display: string }
  | { kind: 'postgres'; url: string; display: string };

export interface StoreLocationInput {
  /** `--db` as given. */
  db?: string | undefined;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

const URL_RE = /^postgres(ql)?:\/\//i;

/** The URL without its password (userinfo or `?password=`), for messages and listings. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Unparseable: drop whatever sits between '://' and '@'.
    return url.replace(/(:\/\/[^/@:]*):[^/@]*@/, '$1@');
  }
}

export function resolveStoreLocation(input: StoreLocationInput = {}): StoreLocation {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? process.env;
  const given = input.db?.trim() || env.PINBENCH_DB?.trim() || DEFAULT_DB_DIR;
  if (URL_RE.test(given)) {
    try {
      new URL(given);
    } catch {
      throw new StoreError('PB_USAGE', `--db: '${redactUrl(given)}' is not a valid PostgreSQL URL`);
    }
    return { kind: 'postgres', url: given, display: redactUrl(given) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new StoreError(
      'PB_USAGE',
      `--db: '${redactUrl(given)}' is neither a directory nor a postgres:// URL (PostgreSQL is the only server pinbench supports)`,
    );
  }
  const dir = resolve(cwd, given);
  // A wrong argument, not a failing environment: say so before anything tries to open it.
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st !== undefined && !st.isDirectory()) {
    throw new StoreError(
      'PB_USAGE',
      `--db: ${dir} is a file, not a database directory: give a new or empty directory, the directory of a pinbench database, or a postgres:// URL`,
    );
  }
  return { kind: 'pglite', dir, display: dir };
}
