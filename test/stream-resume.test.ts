/**
 * `run` streams a trace's scenarios into the store in batches while it replays it, so a run
 * that stops inside a trace keeps every batch it committed and `run --resume` continues at the
 * first scenario not stored, not at the trace's start. The failure is the database's own: a
 * trigger refuses scenario rows past a position as a full disk would (SQLSTATE 53100: a
 * StoreFailure, exit 3, which must end the job and not pass for a bad trace), then is dropped,
 * and the resumed run must end with exactly the rows of an uninterrupted run.
 * Both replay paths: in this thread (`jobs: 0`) and in a worker posting batches.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../src/api/run-job.ts';
import { STREAM_BATCH } from '../src/api/trace-writer.ts';
import { StoreFailure } from '../src/errors.ts';
import { resolvePolicies } from '../src/replay/load-policies.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { pgliteTemplate } from './support/store-backends.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const POLICIES = ['v5.19', 'v6.0-rc1', 'v6.0-rc3'];
/** Past the first batch: the first attempt commits one batch, then its insert fails. */
const FAIL_AT = STREAM_BATCH + 40;

let dir: string;
let trace: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinbench-stream-'));
  trace = join(dir, 'synth.trace');
  execFileSync(
    process.execPath,
    [join(ROOT, 'bin/pinbench.js'), 'synth', '--seed', '5', '--scenarios', '320', '-o', trace],
    {
      stdio: 'ignore',
    },
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(name: string): Promise<Store> {
  return openStore({ db: join(dir, name), pgliteTemplate: await pgliteTemplate() });
}

async function job(store: Store, jobs: number, resume?: number) {
  return runJob({
    store,
    sources: [trace],
    policySpecs: POLICIES,
    policies: await resolvePolicies(POLICIES, ROOT),
    jobs,
    cwd: ROOT,
    ...(resume !== undefined ? { resume } : {}),
  });
}

async function exported(store: Store, runId: number): Promise<string[]> {
  let text = '';
  await store.exportNdjson(runId, (chunk) => {
    text += chunk;
  });
  return text.trimEnd().split('\n');
}

describe.each([0, 1])('run with jobs=%i', (jobs) => {
  it('resumes inside the trace after a failure and ends with the rows of an uninterrupted run', {
    timeout: 900_000,
  }, async () => {
    const whole = await open(`whole-${jobs}`);
    let expected: string[];
    let total: number;
    try {
      const r = await job(whole, jobs);
      expect(r.run.status).toBe('complete');
      total = r.run.counts?.scenarios as number;
      expect(total).toBeGreaterThan(FAIL_AT);
      expected = await exported(whole, r.run.id);
    } finally {
      await whole.close();
    }

    const db = `cut-${jobs}`;
    let store = await open(db);
    let runId: number;
    let storedBefore = 0;
    try {
      await sql`create function pb_refuse() returns trigger language plpgsql as $$
        begin if new.sidx >= ${sql.lit(FAIL_AT)} then raise exception using errcode = 'disk_full', message = 'refused by the test'; end if; return new; end $$`.execute(
        store.db,
      );
      await sql`create trigger pb_refuse before insert on scenarios for each row execute function pb_refuse()`.execute(
        store.db,
      );
      await expect(job(store, jobs)).rejects.toBeInstanceOf(StoreFailure);
      const [run] = await store.listRuns();
      runId = run!.id;
      // What the first attempt committed: whole batches, the trace marked incomplete.
      const rt = await store.db
        .selectFrom('run_traces')
        .select(['complete'])
        .where('run_id', '=', runId)
        .execute();
      expect(rt).toEqual([{ complete: false }]);
      const stored = await store.db
        .selectFrom('scenarios')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      // A batch closes between chunks of input once it holds STREAM_BATCH scenarios.
      storedBefore = Number(stored.n);
      expect(storedBefore).toBeGreaterThanOrEqual(STREAM_BATCH);
      expect(storedBefore).toBeLessThanOrEqual(FAIL_AT);
      await sql`drop trigger pb_refuse on scenarios`.execute(store.db);
    } finally {
      await store.close();
    }

    store = await open(db);
    try {
      expect((await store.getRun(runId)).status).toBe('incomplete');
      const resumed = await job(store, jobs, runId);
      expect(resumed.run.status).toBe('complete');
      // Only the scenarios not stored were replayed.
      expect(resumed.summary.scenarios).toBe(total - storedBefore);
      expect(resumed.run.counts?.scenarios).toBe(total);
      expect(await exported(store, runId)).toEqual(expected);
      expect((await store.verifyRun(runId)).problems).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
