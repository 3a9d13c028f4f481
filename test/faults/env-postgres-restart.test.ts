/**
 * PostgreSQL restarting under a run (pg_ctl restart -m fast: connections terminated): the run ends with exit 3 and a
 * message naming the server (no unhandled 'error' event, no stack trace), or finishes if it was
 * already done; either way `--resume` completes it. A stopped server: exit 3, ECONNREFUSED named.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PostgresServer,
  postgresBinDir,
  postgresSkipReason,
  startPostgresServer,
} from '../support/postgres-server.ts';
import { runCli } from './env-support.ts';

const run = promisify(execFile);
const skip = postgresSkipReason();
if (skip) console.warn(`env-postgres-restart: ${skip}`);

let server: PostgresServer;

/**
 * pg_ctl as the server's owner (PostgreSQL will not run as root). The server's output goes to
 * the log file: inheriting our pipes, it would keep execFile waiting for ever.
 */
async function pgCtl(args: string[]): Promise<void> {
  const bin = join(postgresBinDir()!, 'pg_ctl');
  const data = join(server.dir, 'data');
  args = ['-l', join(server.dir, 'log'), ...args];
  const asRoot = process.getuid?.() === 0;
  await (asRoot
    ? run('runuser', ['-u', 'postgres', '--', bin, '-D', data, ...args])
    : run(bin, ['-D', data, ...args]));
}

/** `pg_ctl start` with the options the server was first started with (restart keeps them, start does not). */
function startAgain(): Promise<void> {
  const opts = `-p ${server.port} -h 127.0.0.1 -k ${server.dir} -F -c fsync=off -c synchronous_commit=off`;
  return pgCtl(['-o', opts, '-w', '-t', '60', 'start']);
}

describe.skipIf(skip !== null)('PostgreSQL restarting mid-run', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('restarted mid-run: the run rides it out or ends in exit 3 naming the server; the run completes', async () => {
    const url = await server.createDatabase('restart_mid_run');
    let restarted: Promise<void> | null = null;
    const r = await runCli(['run', '--db', url, '--outcomes', '--no-report'], {
      timeoutMs: 180_000,
      onStderr: (text) => {
        // The run exists and replay has begun: pull the server out from under it.
        if (restarted === null && /^run \d+:/m.test(text)) restarted = pgCtl(['-m', 'fast', '-w', 'restart']);
      },
    });
    expect(restarted).not.toBeNull();
    await restarted;
    expect(r.timedOut).toBe(false);
    expect(r.err).not.toContain('internal error');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect([0, 3]).toContain(r.code);
    if (r.code === 3) {
      expect(r.err).toContain('the PostgreSQL server at postgres://postgres@127.0.0.1');
      expect(r.err).toContain('[PB_STORE]');
    }
    const runs = await runCli(['runs', '--db', url, '--json']);
    const info = JSON.parse(runs.out.trim().split('\n')[0]!) as { id: number; status: string };
    if (info.status !== 'complete') {
      expect(info.status).toBe('incomplete');
      const resumed = await runCli(['run', '--db', url, '--resume', String(info.id), '--no-report'], {
        timeoutMs: 180_000,
      });
      expect(resumed.err).not.toContain('internal error');
      expect(resumed.code).toBe(0);
    }
    expect((await runCli(['verify', '--db', url])).code).toBe(0);
  });

  it('stopped mid-run: exit 3 naming the server; once it is back, --resume completes the run', async () => {
    const url = await server.createDatabase('stop_mid_run');
    let stopped: Promise<void> | null = null;
    const r = await runCli(['run', '--db', url, '--outcomes', '--no-report'], {
      timeoutMs: 180_000,
      onStderr: (text) => {
        // Fast, not immediate: the test server commits asynchronously (synchronous_commit=off),
        // and a crash would lose the run's own row along with what came after it.
        if (stopped === null && /^run \d+:/m.test(text)) stopped = pgCtl(['-m', 'fast', '-w', 'stop']);
      },
    });
    await stopped;
    try {
      expect(r.timedOut).toBe(false);
      expect(r.err).not.toContain('internal error');
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(3);
      expect(r.err).toContain('the PostgreSQL server at postgres://postgres@127.0.0.1');
      expect(r.err).toContain('[PB_STORE]');
    } finally {
      await startAgain();
    }
    const runs = await runCli(['runs', '--db', url, '--json']);
    expect(runs.err).toBe('');
    const info = JSON.parse(runs.out.trim().split('\n')[0]!) as { id: number; status: string };
    expect(info.status).toBe('incomplete');
    const resumed = await runCli(['run', '--db', url, '--resume', String(info.id), '--no-report'], {
      timeoutMs: 180_000,
    });
    expect(resumed.code).toBe(0);
    expect((await runCli(['verify', '--db', url])).code).toBe(0);
  });

  it('a server that is down: exit 3 naming it', async () => {
    const url = await server.createDatabase('down');
    await pgCtl(['-m', 'immediate', '-w', 'stop']);
    try {
      const r = await runCli(['runs', '--db', url]);
      expect(r.err).toContain('cannot connect to the PostgreSQL server at');
      expect(r.err).toContain('ECONNREFUSED');
      expect(r.code).toBe(3);
    } finally {
      await startAgain();
    }
  });
});
