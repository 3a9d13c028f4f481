/**
 * `pinbench serve`: browse the results database in a browser (runs, reports, diffs between runs,
 * triage notes), read-only, on 127.0.0.1 unless --host says otherwise. Stops on Ctrl-C.
 */
import { UsageError } from '../../errors.ts';
import { startReportServer } from '../../report/serve/report-server.ts';
import { openStoreSnapshots } from '../../store/store-snapshots.ts';
import { type Command, int, str } from '../command.ts';

export const DEFAULT_SERVE_PORT = 7357;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Browse the results database live in a browser (read-only)',
  details:
    'Serves every run report, diffs between runs and the triage notes from the database as it is now.\n' +
    'Only GET and HEAD are answered; nothing is ever written. --port 0 picks a free port.\n' +
    'An embedded database is served from a snapshot, refreshed when it changes, so `run`, `runs` and\n' +
    'the other commands work while serve is running (its lock is held only while copying).',
  options: {
    port: { type: 'string', short: 'p', arg: 'N', description: 'Port', default: String(DEFAULT_SERVE_PORT) },
    host: {
      type: 'string',
      arg: 'ADDR',
      description: 'Address to bind (anything but loopback lets others read the database)',
      default: '127.0.0.1',
    },
    db: {
      type: 'string',
      arg: 'DIR|URL',
      description: 'Results database: a PGlite directory or postgres://...',
    },
  },
  async run(values, _positionals, io) {
    const port = int(values, 'port') ?? DEFAULT_SERVE_PORT;
    if (port > 65535) throw new UsageError(`--port: ${port} is not a port number`);
    const host = str(values, 'host') ?? '127.0.0.1';
    const store = await openStoreSnapshots({ db: str(values, 'db'), cwd: io.cwd, env: io.env });
    let server: Awaited<ReturnType<typeof startReportServer>>;
    try {
      server = await startReportServer({
        store,
        host,
        port,
        onError: (e) => io.stderr.write(`pinbench serve: ${(e as Error)?.stack ?? String(e)}\n`),
      });
    } catch (e) {
      await store.close();
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE')
        throw new UsageError(`port ${port} on ${host} is in use: pick another with --port`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        throw new UsageError(`--host: cannot bind ${host}`);
      throw e;
    }
    if (!/^(127\.|::1$|localhost$)/.test(host)) {
      io.stderr.write(
        `pinbench serve: listening on ${host}: anyone who can reach it can read the database\n`,
      );
    }
    io.stdout.write(`pinbench serve: ${server.url} (database ${store.location}; read-only; Ctrl-C stops)\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await server.close();
    await store.close();
    io.stderr.write(`pinbench serve: stopped (${signal})\n`);
    return 0;
  },
};
