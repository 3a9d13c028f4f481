/**
 * Store write throughput against the floor of the database: divergence rows per second stored
 * through Store.writeTraceResult (one transaction per trace, json_to_recordset batches), beside a
 * bare COPY of the same kind of rows into the same table of the same database in the same run:
 *
 *   PGlite      COPY bench_divergences (...) FROM '/dev/blob' with the text as a Blob (the store
 *               is closed and the directory reopened raw for it, under the store's own lock)
 *   PostgreSQL  COPY bench_divergences (...) FROM STDIN over the pg client's own connection (a pg
 *               Query that answers CopyInResponse with the data: no extra dependency)
 *
 * `bench_divergences` is a table of the divergence rows as the replay gives them (whole classes,
 * context lines), the shape the store wrote before migration 0007 stored them once by content:
 * the floor is the database taking the records as they come.
 *
 * Both sides start from TraceReplayResult objects, so both pay for JSON serialization; `COPY
 * statement only` leaves out building the COPY text. Traces hold 2,000 diverging calls each (the
 * store tests' fixture with every call diverging: ~1 KiB rows with three JSON columns).
 *
 * The machine is shared, so wall-clock rates are noisy: each side runs `rounds` times (alternating
 * which goes first, as the table grows) and keeps its best round, and the ratio is also given in
 * CPU time (this process, plus the server's processes when it is a local throwaway server), which
 * other load does not inflate. PostgreSQL runs against `pgUrl`, or a throwaway local server
 * (fsync off) when the binaries are installed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import type { TraceReplayResult } from '../src/replay/results.ts';
import { DataDirLock } from '../src/store/data-dir-lock.ts';
import { PGLITE_START_PARAMS } from '../src/store/pglite-backend.ts';
import { pgJson } from '../src/store/recordset-insert.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { postgresBinDir, startPostgresServer } from '../test/support/postgres-server.ts';
import { fixturePolicy, makeTraceResult } from '../test/support/trace-results.ts';

const PER_TRACE = 2000;
const COLUMNS = [
  'run_id',
  'trace_id',
  'matrix',
  'sidx',
  'seq',
  'signature',
  'line',
  'event',
  'text',
  'root',
  'classes',
  'unsupported',
  'context',
  'extra',
] as const;

function corpus(rows: number, tag: string): TraceReplayResult[] {
  const out: TraceReplayResult[] = [];
  for (let i = 0; rows > 0; i++, rows -= PER_TRACE) {
    const calls = Math.min(PER_TRACE, rows);
    out.push(makeTraceResult({ trace: `bench/${tag}-${i}.trace`, scenarios: 1, calls, diverge: () => true }));
  }
  return out;
}

const divergenceRows = (rs: TraceReplayResult[]) =>
  rs.reduce((n, r) => n + r.scenarios.reduce((m, s) => m + s.divergences.length, 0), 0);

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? pgJson(v) : String(v);
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

function copyText(runId: number, traceIds: Map<string, number>, results: TraceReplayResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const traceId = traceIds.get(r.sha256)!;
    r.scenarios.forEach((sc, sidx) => {
      for (const d of sc.divergences) {
        const values = [
          runId,
          traceId,
          r.identity.matrix,
          sidx,
          d.seq,
          d.signature,
          d.line,
          d.event,
          d.text,
          d.root,
        ];
        lines.push([...values, d.classes, d.unsupported, d.context, null].map(copyField).join('\t'));
      }
    });
  }
  return `${lines.join('\n')}\n`;
}

/** CPU milliseconds of some processes (utime + stime from /proc), for a local server. */
function procCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

interface Timing {
  rows: number;
  wallMs: number;
  cpuMs: number;
}

/** Wall and CPU time of `fn`; `serverCpu` adds the server's CPU where it can be read. */
async function timed(rows: number, serverCpu: () => number, fn: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const s0 = serverCpu();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { rows, wallMs, cpuMs: (c.user + c.system) / 1000 + serverCpu() - s0 };
}

/** The COPY's target: the records' own shape, keyed like the store's rows. */
const BENCH_TABLE = `create table if not exists bench_divergences (
  run_id int not null, trace_id int not null, matrix text not null, sidx int not null, seq int not null,
  signature text not null, line int not null, event text not null, text text not null, root boolean not null,
  classes json not null, unsupported json not null, context json not null, extra json,
  primary key (run_id, trace_id, matrix, sidx, seq))`;

/** Both runs must hold every row: the COPY must not have silently skipped any. */
async function checkRows(store: Store, runId: number, rows: number, table = 'divergences'): Promise<void> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from ${sql.table(table)} where run_id = ${runId}`.execute(store.db);
  if (Number(r.rows[0]!.n) !== rows) throw new Error(`run ${runId}: expected ${rows} divergence rows`);
}

/** Stores `results` in a new run through writeTraceResult, timing the writes. */
async function viaStore(
  store: Store,
  results: TraceReplayResult[],
  serverCpu: () => number,
): Promise<Timing> {
  const id = await store.startRun({ configName: 'bench' });
  await store.recordPolicies(
    id,
    ['v5.19', 'v6.0-rc1', 'v6.0-rc3'].map((p) => fixturePolicy(p)),
  );
  const t = await timed(divergenceRows(results), serverCpu, async () => {
    for (const r of results) await store.writeTraceResult(id, r);
  });
  await store.finishRun(id, 'complete');
  await checkRows(store, id, t.rows);
  return t;
}

/** A run holding the traces (run_traces rows) with no divergences yet, for COPY to fill. */
async function copyTarget(store: Store, results: TraceReplayResult[]) {
  const id = await store.startRun({ configName: 'bench-copy' });
  for (const r of results) {
    await store.writeTraceResult(id, {
      ...r,
      scenarios: r.scenarios.map((s) => ({ ...s, divergences: [] })),
    });
  }
  await store.finishRun(id, 'complete');
  const shas = results.map((r) => r.sha256);
  const rows = await store.db
    .selectFrom('traces')
    .where('sha256', 'in', shas)
    .select(['id', 'sha256'])
    .execute();
  return { runId: id, traceIds: new Map(rows.map((r) => [r.sha256, r.id])) };
}

/** One backend: the same kind of rows through the store, or by COPY (including building its text). */
interface Side {
  viaStore(results: TraceReplayResult[]): Promise<Timing>;
  viaCopy(results: TraceReplayResult[]): Promise<{ copy: Timing; statementMs: number }>;
  close(): Promise<void>;
}

/** Rounds alternate which side goes first (the table grows); each side keeps its best round. */
async function compare(side: Side, rows: number, rounds: number, prefix: string, cpu = true) {
  const best = { store: 0, copy: 0, statement: 0, storeCpu: 0, copyCpu: 0 };
  for (let round = 0; round < rounds; round++) {
    const runStore = async () => {
      const t = await side.viaStore(corpus(rows, `store${round}`));
      best.store = Math.max(best.store, t.rows / (t.wallMs / 1000));
      best.storeCpu = Math.max(best.storeCpu, t.rows / (t.cpuMs / 1000));
    };
    const runCopy = async () => {
      const { copy, statementMs } = await side.viaCopy(corpus(rows, `copy${round}`));
      best.copy = Math.max(best.copy, copy.rows / (copy.wallMs / 1000));
      best.statement = Math.max(best.statement, copy.rows / (statementMs / 1000));
      best.copyCpu = Math.max(best.copyCpu, copy.rows / (copy.cpuMs / 1000));
    };
    for (const step of round % 2 ? [runCopy, runStore] : [runStore, runCopy]) await step();
  }
  const out: Record<string, number> = {
    [`${prefix} store rows/s`]: Math.round(best.store),
    [`${prefix} COPY rows/s`]: Math.round(best.copy),
    [`${prefix} COPY statement only rows/s`]: Math.round(best.statement),
    [`${prefix} store/COPY (wall clock)`]: Number((best.store / best.copy).toFixed(2)),
  };
  if (cpu) {
    out[`${prefix} store rows per CPU second`] = Math.round(best.storeCpu);
    out[`${prefix} COPY rows per CPU second`] = Math.round(best.copyCpu);
    out[`${prefix} store/COPY (CPU time)`] = Number((best.storeCpu / best.copyCpu).toFixed(2));
  }
  return out;
}

function pgliteSide(db: string): Side {
  const noServer = () => 0;
  return {
    async viaStore(results) {
      const store = await openStore({ db });
      try {
        return await viaStore(store, results, noServer);
      } finally {
        await store.close();
      }
    },
    async viaCopy(results) {
      let store = await openStore({ db });
      const target = await copyTarget(store, results);
      await store.close();
      // The same directory opened raw, under the store's own lock, for COPY ... FROM '/dev/blob'.
      const lock = DataDirLock.acquire(db);
      const pglite = await PGlite.create({ dataDir: db, startParams: [...PGLITE_START_PARAMS] });
      let statementMs = 0;
      let copy: Timing;
      try {
        await pglite.exec(BENCH_TABLE);
        copy = await timed(divergenceRows(results), noServer, async () => {
          const blob = new Blob([copyText(target.runId, target.traceIds, results)]);
          const t = performance.now();
          await pglite.query(`COPY bench_divergences (${COLUMNS.join(', ')}) FROM '/dev/blob'`, [], { blob });
          statementMs = performance.now() - t;
        });
      } finally {
        await pglite.close();
        lock.release();
      }
      store = await openStore({ db });
      try {
        await checkRows(store, target.runId, copy.rows, 'bench_divergences');
      } finally {
        await store.close();
      }
      return { copy, statementMs };
    },
    async close() {},
  };
}

/** COPY ... FROM STDIN over pg's own connection: answer CopyInResponse with the data. */
class CopyFromText extends pg.Query {
  private readonly data: Buffer;
  constructor(text: string, data: string) {
    super(text);
    this.data = Buffer.from(data);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }): void {
    for (let i = 0; i < this.data.length; i += 1 << 16)
      connection.sendCopyFromChunk(this.data.subarray(i, i + (1 << 16)));
    connection.endCopyFrom();
  }
}

/** Pids of a local server's processes (children of its postmaster), for CPU accounting. */
function serverPids(dataDir: string | null): () => number[] {
  if (!dataDir) return () => [];
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return () => {
    const pids = [postmaster];
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) pids.push(Number(p));
      } catch {}
    }
    return pids;
  };
}

async function postgresSide(url: string, dataDir: string | null): Promise<Side> {
  const store = await openStore({ db: url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pids = serverPids(dataDir);
  const serverCpu = () => procCpuMs(pids());
  return {
    viaStore: (results) => viaStore(store, results, serverCpu),
    async viaCopy(results) {
      const target = await copyTarget(store, results);
      await sql.raw(BENCH_TABLE).execute(store.db);
      let statementMs = 0;
      const copy = await timed(divergenceRows(results), serverCpu, async () => {
        const text = copyText(target.runId, target.traceIds, results);
        const t = performance.now();
        const q = client.query(
          new CopyFromText(`COPY bench_divergences (${COLUMNS.join(', ')}) FROM STDIN`, text),
        );
        await new Promise<void>((resolve, reject) => {
          q.on('end', () => resolve());
          q.on('error', reject);
        });
        statementMs = performance.now() - t;
      });
      await checkRows(store, target.runId, copy.rows, 'bench_divergences');
      return { copy, statementMs };
    },
    async close() {
      await client.end();
      await store.close();
    },
  };
}

async function dirMiB(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir)) total += (await stat(join(dir, f))).size;
  return total / 2 ** 20;
}

export async function benchStore(opts: {
  rows: number;
  pgUrl?: string;
  dir?: string;
  /** Rounds per side; each side reports its best (default 3). */
  rounds?: number;
}): Promise<Record<string, number | string>> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'pinbench-store-bench-')));
  const rounds = opts.rounds ?? 3;
  const out: Record<string, number | string> = { 'divergence rows per round': opts.rows, rounds };
  try {
    const db = join(dir, 'pglite');
    Object.assign(out, await compare(pgliteSide(db), opts.rows, rounds, 'pglite'));
    out['pglite WAL MiB after'] = Number((await dirMiB(join(db, 'pg_wal'))).toFixed(1));
    let server: Awaited<ReturnType<typeof startPostgresServer>> | null = null;
    let url = opts.pgUrl;
    if (!url && postgresBinDir()) {
      server = await startPostgresServer();
      url = await server.createDatabase('bench');
      out['postgres server'] = 'throwaway local, fsync off';
    }
    try {
      if (url) {
        const side = await postgresSide(url, server ? join(server.dir, 'data') : null);
        try {
          // CPU time needs the server's processes: only for the local throwaway server.
          Object.assign(out, await compare(side, opts.rows, rounds, 'postgres', server !== null));
        } finally {
          await side.close();
        }
      } else {
        out.postgres = 'skipped: no pgUrl and no PostgreSQL binaries';
      }
    } finally {
      await server?.stop();
    }
  } finally {
    if (!opts.dir) await rm(dir, { recursive: true, force: true });
  }
  return out;
}
