/**
 * Full and read-only disks under the results database and the report: every one ends in exit 3
 * with a message naming the place and what to do (no stack trace, no "undefined"), nothing half
 * made is left behind, and an interrupted run resumes. Real tmpfs mounts and read-only bind
 * mounts (root ignores permission bits); skipped where mounting is not permitted.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { pgliteTemplate } from '../support/store-backends.ts';
import {
  bindReadOnly,
  fillDisk,
  mountSkipReason,
  mountTmpfs,
  ROOT,
  resizeTmpfs,
  runCli,
  unmountAll,
} from './env-support.ts';

const skip = mountSkipReason();
if (skip) console.warn(`env-disk: ${skip}: skipping`);

const TRACES = [
  'traces/01-vfio-zero-ro.trace',
  'traces/real/tracefs-6.18/a_default_io_uring_mmap_kmem.trace',
];

/** An empty migrated database at `dir`, from the test template (initdb is slow). */
async function newDb(dir: string): Promise<void> {
  const store = await openStore({ db: dir, pgliteTemplate: await pgliteTemplate() });
  await store.close();
}

function expectEnvironmentFailure(r: Awaited<ReturnType<typeof runCli>>): void {
  expect(r.timedOut).toBe(false);
  expect(r.err).not.toContain('internal error');
  expect(r.err).not.toContain('undefined');
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.code).toBe(3);
}

const temps: string[] = [];
afterEach(async () => {
  unmountAll();
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pinbench-envdisk-'));
  temps.push(d);
  return d;
}

// Each test starts PGlite a few times (seconds each on a loaded machine): a generous limit, as a
// hang guard rather than a timing assertion.
const LIMIT = { timeout: 240_000 };

describe.skipIf(skip !== null)('full disk', LIMIT, () => {
  it('at first setup: exit 3 with the cause, nothing half made, and the directory works once there is space', async () => {
    const m = mountTmpfs('4m');
    const db = join(m, 'db');
    const r = await runCli(['runs', '--db', db]);
    expectEnvironmentFailure(r);
    expect(r.err).toContain(db);
    expect(r.err).toMatch(/no space left on device/i);
    expect(r.err).toContain('[PB_STORE]');
    // No half-made database (it would be refused for good), no setup directory, no lock.
    expect(readdirSync(m)).toEqual([]);
    resizeTmpfs(m, '128m');
    const again = await runCli(['runs', '--db', db]);
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^no runs in/);
  });

  it('during a run: exit 3 naming the database, the run stays resumable, and resumes to the whole run', async () => {
    const m = mountTmpfs('128m');
    const db = join(m, 'db');
    await newDb(db);
    const filler = fillDisk(m, 256);
    const r = await runCli(['run', '--db', db, '--outcomes', '--no-report', ...TRACES]);
    expectEnvironmentFailure(r);
    expect(r.err).toContain(`the database ${db}: out of disk space`);
    expect(r.err).toContain('[PB_STORE]');
    rmSync(filler);
    const listed = await runCli(['runs', '--db', db, '--json']);
    const run = JSON.parse(listed.out.trim().split('\n')[0]!) as { id: number; status: string };
    expect(run.status).toBe('incomplete');
    const resumed = await runCli(['run', '--db', db, '--resume', String(run.id), '--no-report']);
    expect(resumed.err).not.toContain('internal error');
    expect(resumed.code).toBe(0);
    const after = JSON.parse((await runCli(['runs', '--db', db, '--json'])).out.trim().split('\n')[0]!) as {
      status: string;
      counts: { traces: number; scenarios: number; divergences: number };
      traces: number;
      divergences: number;
    };
    expect(after.status).toBe('complete');
    // The whole run's counts, not only the resumed part's.
    expect(after.counts.traces).toBe(TRACES.length);
    expect(after.counts.traces).toBe(after.traces);
    expect(after.counts.divergences).toBe(after.divergences);
    expect((await runCli(['verify', '--db', db])).code).toBe(0);
  });

  it('while writing the report: the summary, then exit 3 naming the report directory; no temp dir left', async () => {
    const dbDir = await tempDir();
    const db = join(dbDir, 'db');
    await newDb(db);
    const m = mountTmpfs('200k');
    const r = await runCli(['run', '--db', db, ...TRACES.map((t) => join(ROOT, t))], { cwd: m });
    expectEnvironmentFailure(r);
    expect(r.out).toMatch(/run 1 complete in/);
    expect(r.err).toContain(`cannot write the report in ${join(m, 'reports', '1')}`);
    expect(r.err).toMatch(/no space left on device \(ENOSPC\)/);
    expect(r.err).toContain('[PB_IO]');
    const left = existsSync(join(m, 'reports')) ? readdirSync(join(m, 'reports')) : [];
    expect(left.filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe.skipIf(skip !== null)('read-only disk', LIMIT, () => {
  it('a read-only parent: exit 3 naming the directory (the lock cannot be written)', async () => {
    const base = await tempDir();
    await newDb(join(base, 'db'));
    const ro = bindReadOnly(base);
    const r = await runCli(['runs', '--db', join(ro, 'db')]);
    expectEnvironmentFailure(r);
    expect(r.err).toContain(`cannot take the lock beside ${join(ro, 'db')}`);
    expect(r.err).toMatch(/read-only file system/i);
  });

  it('a read-only database directory: exit 3 saying it is read-only', async () => {
    const base = await tempDir();
    const db = join(base, 'db');
    await newDb(db);
    bindReadOnly(db, db);
    const r = await runCli(['runs', '--db', db]);
    expectEnvironmentFailure(r);
    expect(r.err).toContain(db);
    expect(r.err).toMatch(/read-only file system/i);
    expect(r.err).toContain('[PB_STORE]');
  });

  it('a new database under a read-only parent: exit 3, nothing made', async () => {
    const base = await tempDir();
    const ro = bindReadOnly(base);
    const r = await runCli(['runs', '--db', join(ro, 'db')]);
    expectEnvironmentFailure(r);
    expect(r.err).toMatch(/read-only file system/i);
    expect(readdirSync(base)).toEqual([]);
  });
});
