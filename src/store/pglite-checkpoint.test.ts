import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { PgliteBackend } from './pglite-backend.ts';

const MiB = 1024 * 1024;

async function walBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(join(dir, 'pg_wal'))) {
    const s = await stat(join(dir, 'pg_wal', f));
    if (s.isFile()) n += s.size;
  }
  return n;
}

describe('PGlite write-ahead log', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // PGlite has no checkpointer: without afterBatch the log grows by all that is written
  // (measured: 161, 305, 465 MiB after 20, 40, 60 transactions of this size).
  it('stays bounded when a run asks after each batch, however much is written', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pinbench-wal-'));
    const backend = await PgliteBackend.open({ dir: join(dir, 'db'), checkpointEveryBytes: 16 * MiB });
    try {
      await sql`create table t (s text)`.execute(backend.db);
      const lsn = async () =>
        (
          await sql<{
            at: number;
          }>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 as at`.execute(backend.db)
        ).rows[0]!.at;
      const from = await lsn();
      await backend.afterBatch();
      for (let i = 0; i < 16; i++) {
        await sql`insert into t select repeat(md5(g::text), 20) from generate_series(1, 10000) g`.execute(
          backend.db,
        );
        await backend.afterBatch();
      }
      const written = (await lsn()) - from;
      const wal = await walBytes(join(dir, 'db'));
      expect(written).toBeGreaterThan(96 * MiB);
      // min_wal_size (32 MiB) of recycled segments, plus what was written since the last checkpoint.
      expect(wal).toBeLessThan(64 * MiB);
    } finally {
      await backend.close();
    }
  });
});
