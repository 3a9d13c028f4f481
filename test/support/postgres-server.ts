/**
 * A throwaway PostgreSQL server for tests: Debian's binaries (`/usr/lib/postgresql/<major>/bin`),
 * `initdb` + `pg_ctl` in a temp dir, listening on 127.0.0.1 on a free port, trust auth, fsync off.
 * As root, PostgreSQL refuses to run, so the dir is chowned to the `postgres` OS user and the
 * binaries run through `runuser`. Stop it with `stop()` (pg_ctl immediate, then the dir goes).
 *
 * When the binaries are absent the server is "unavailable": tests skip the PostgreSQL backend
 * with a message, except in CI (`process.env.CI` set), where a missing server fails loudly.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  dir: string;
  /** Creates a fresh database on this server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL bin dir, or null when none is installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : null;
}

/** Why the PostgreSQL backend is skipped, or null when it must run (installed, or in CI). */
export function postgresSkipReason(): string | null {
  if (postgresBinDir() !== null || process.env.CI) return null;
  return (
    'PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: skipping the PostgreSQL backend ' +
    '(install them with `apt-get install -y postgresql`; in CI this is an error)'
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql',
    );
  }
  const asRoot = userInfo().uid === 0;
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-pg-'));
  const data = join(dir, 'data');
  // As root: PostgreSQL must run as an unprivileged user that owns the data dir.
  const pgUser = asRoot ? (await run('id', ['-u', 'postgres'])).stdout.trim() : null;
  if (asRoot && pgUser) {
    await chown(dir, Number(pgUser), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
    await chmod(dir, 0o700);
  }
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, file), ...args]) : run(join(bin, file), args);

  await exec('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--no-locale',
  ]);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const opts = `-p ${port} -h 127.0.0.1 -k ${dir} -F -c max_connections=100 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await exec('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
      break;
    } catch (e) {
      if (attempt >= 2) {
        const log = await run('tail', ['-n', '30', join(dir, 'log')]).catch(() => ({ stdout: '' }));
        throw new Error(`pg_ctl start failed: ${(e as Error).message}\n${log.stdout}`);
      }
    }
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const server: PostgresServer = {
    url,
    port,
    dir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
