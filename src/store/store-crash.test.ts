/**
 * kill -9 at randomized points of a run, on both backends: a child process writes a run of
 * trace results and is SIGKILLed during start-up, right after startRun, between traces, or in
 * the middle of a trace's transaction (and in some rounds killed again while resuming). After
 * each kill the database must open (PGlite: WAL recovery and a stale lock taken over), be
 * consistent (every stored trace complete, nothing else), show the run as incomplete, and
 * `resume` must finish it with exactly the rows of an uninterrupted run.
 *
 * The kill schedule comes from a seed printed at the start; PINBENCH_CRASH_SEED replays it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { seededRandom, spawnWriter, type WriterChild } from '../../test/support/spawn-writer.ts';
import { backendSkip, STORE_BACKENDS, useStoreBackend } from '../../test/support/store-backends.ts';
import { writerCorpus } from '../../test/support/store-writer.ts';
import { traceLabel } from '../replay/divergence-identity.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import type { Store } from './store.ts';

const TRACES = 40;
// Few rounds by default (every kill variant below comes up once in 4); a soak run sets more.
const ROUNDS = Number(process.env.PINBENCH_CRASH_ROUNDS ?? 4);

/** Rows a trace's result puts in each per-trace table. */
function rowsOf(r: TraceReplayResult) {
  return {
    scenarios: r.scenarios.length,
    scenario_results: r.scenarios.reduce((n, s) => n + s.verdicts.length, 0),
    finals: r.scenarios.reduce((n, s) => n + s.finals.length, 0),
    divergences: r.scenarios.reduce((n, s) => n + s.divergences.length, 0),
    fidelity: r.scenarios.reduce((n, s) => n + s.fidelity.length, 0),
  };
}
type Table = keyof ReturnType<typeof rowsOf>;
const TABLES: Table[] = ['scenarios', 'scenario_results', 'finals', 'divergences', 'fidelity'];

/** Per stored trace, rows per table; plus the total of rows not belonging to a stored trace. */
async function storedRows(store: Store, runId: number): Promise<Map<string, Record<Table, number>>> {
  const out = new Map<string, Record<Table, number>>();
  const traces = await store.tracesDone(runId);
  for (const t of traces)
    out.set(t.trace, { scenarios: 0, scenario_results: 0, finals: 0, divergences: 0, fidelity: 0 });
  for (const table of TABLES) {
    const rows = await sql<{ source: string | null; n: number }>`
      select rt.source, count(*)::int as n from ${sql.table(table)} x
      left join run_traces rt on rt.run_id = x.run_id and rt.trace_id = x.trace_id and rt.matrix = x.matrix
      where x.run_id = ${runId} group by rt.source`.execute(store.db);
    for (const r of rows.rows) {
      expect(r.source, `${table} rows without their run_traces row`).not.toBeNull();
      out.get(r.source!)![table] = Number(r.n);
    }
  }
  return out;
}

async function expectConsistent(store: Store, runId: number, byPath: Map<string, TraceReplayResult>) {
  for (const [trace, rows] of await storedRows(store, runId)) {
    expect(rows, `rows of ${trace}`).toEqual(rowsOf(byPath.get(trace)!));
  }
}

/**
 * The run as seen once the killed writer's session is gone: PostgreSQL drops a dead client's
 * advisory lock when its backend notices the closed socket, which can take a moment.
 */
async function settledRun(store: Store, id: number) {
  for (let i = 0; ; i++) {
    const run = await store.getRun(id);
    if (run.status !== 'running' || i >= 50) return run;
    await sleep(50);
  }
}

/** Kills the writer at a random point: start-up, or after a random number of traces plus a few ms. */
async function killSomewhere(w: WriterChild, rnd: () => number, round: number): Promise<string> {
  let where: string;
  if (round % 4 === 0) {
    const ms = Math.floor(rnd() * 1500);
    await Promise.race([sleep(ms), w.exited]);
    where = `${ms} ms after spawn`;
  } else {
    const k = Math.floor(rnd() * TRACES * 0.9);
    await w.until((l) => l === `wrote ${k}` || l === 'done').catch(() => {});
    const ms = Math.floor(rnd() * 12);
    await sleep(ms);
    where = `${ms} ms after trace ${k}`;
  }
  await w.kill();
  return where;
}

for (const kind of STORE_BACKENDS) {
  describe.skipIf(backendSkip(kind) !== null)(`kill -9 on ${kind}`, () => {
    const h = useStoreBackend(kind);

    it(`leaves a consistent database and a resumable run, ${ROUNDS} rounds`, {
      timeout: 180_000,
    }, async () => {
      const seed = Number(process.env.PINBENCH_CRASH_SEED ?? Date.now() % 1_000_000);
      const rnd = seededRandom(seed);
      console.log(`kill -9 on ${kind}: seed ${seed} (PINBENCH_CRASH_SEED=${seed} replays it)`);
      const corpus = writerCorpus(TRACES);
      const byPath = new Map(corpus.map((r) => [traceLabel(r.identity), r]));
      const db = await h.newDb();
      await (await h.open(db)).close(); // the children open an existing database
      let lastRun = 0;

      for (let round = 0; round < ROUNDS; round++) {
        const w = spawnWriter({ db, mode: 'run', traces: TRACES });
        const where = await killSomewhere(w, rnd, round);
        const ctx = `round ${round} (seed ${seed}), killed ${where}, wrote ${w.wrote}`;

        let store = await h.open(db);
        const runs = (await store.listRuns()).filter((r) => r.id > lastRun);
        expect(runs.length, ctx).toBeLessThanOrEqual(1);
        const run = runs[0] && (await settledRun(store, runs[0].id));
        if (!run) {
          // Killed before startRun committed: nothing to resume.
          expect(w.runId, ctx).toBeNull();
          await store.close();
          continue;
        }
        lastRun = run.id;
        if (w.done) {
          expect(run.status, ctx).toBe('complete');
        } else {
          expect(run.status, ctx).toBe('incomplete');
          expect(run.recordedStatus, ctx).toBe('running');
          // Every trace the writer reported is stored; whatever is stored is complete.
          expect(run.traces, ctx).toBeGreaterThanOrEqual(w.wrote);
          await expectConsistent(store, run.id, byPath);

          let resumedElsewhere = false;
          if (round % 4 === 1) {
            // Resume in another process and kill that too, a few traces in.
            await store.close();
            const r = spawnWriter({ db, mode: 'resume', runId: run.id, traces: TRACES });
            await r.until((l) => l.startsWith('wrote ') || l === 'done').catch(() => {});
            await sleep(Math.floor(rnd() * 10));
            await r.kill();
            resumedElsewhere = r.done;
            store = await h.open(db);
            const after = await settledRun(store, run.id);
            expect(after.status, ctx).toBe(r.done ? 'complete' : 'incomplete');
            await expectConsistent(store, run.id, byPath);
          }

          if (!resumedElsewhere) {
            const { done } = await store.resumeRun(run.id);
            const have = new Set(done.map((t) => t.trace));
            for (const r of corpus) {
              expect(await store.writeTraceResult(run.id, r), ctx).toBe(!have.has(traceLabel(r.identity)));
            }
            await store.finishRun(run.id, 'complete');
          }
        }
        const final = await store.getRun(run.id);
        expect(final.status, ctx).toBe('complete');
        expect(final.traces, ctx).toBe(TRACES);
        await expectConsistent(store, run.id, byPath);
        const r = await sql<{ n: number }>`select count(*)::int as n from traces`.execute(store.db);
        expect(Number(r.rows[0]!.n), `${ctx}: trace contents are stored once`).toBe(TRACES);
        await store.close();
      }
    });
  });
}
