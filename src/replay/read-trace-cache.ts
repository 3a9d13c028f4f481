/**
 * Traces as read (replay-trace.ts `ReadTrace`: header, scenarios, counts), kept by content under
 * the cache directory, for `check`: a candidate edited since the last check still replays every
 * trace, but a trace whose bytes are unchanged is not gunzipped, tokenized and adapted again
 * (the kprobe recordings: ~60% of a trace's cost). No policy is part of it, so every candidate
 * and baseline share it.
 *
 * The key covers what reading depends on: the file's bytes (SHA-256) and the path it is named by
 * (scenario names, the recording's sidecar directory), the recording information its adapters
 * read from sidecars, strict, adapters, the config overrides, the ingest settings, and
 * pinbench's own code (the caller's digest, check-cache.ts). Only local files of up to
 * MAX_CACHED_BYTES of text are kept: reading keeps the scenarios of the whole trace in memory.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Policy } from '../model/kernel.ts';
import { recordingInfo } from './adapters.ts';
import { type BaselineRecords, baselineRecordsFor, type RecordUse } from './baseline-records.ts';
import { canonical, readCacheEntry, writeCacheEntry } from './cache-entry.ts';
import { type ReadTrace, replayTrace, type TraceReplayOptions } from './replay-trace.ts';
import type { TraceReplayResult } from './results.ts';
import { TRACE_GZIP_RATIO } from './trace-gzip-ratio.ts';

const FORMAT = 'read-trace/1';

/** Larger traces (text; gzip estimated) are read as they always are (streamed, memory flat in their size). */
export const MAX_CACHED_BYTES = 64 << 20;

export { TRACE_GZIP_RATIO };

export interface ReadTraceCache {
  /** Directory of the entries (`<cache>/read-traces`). */
  dir: string;
  /** Digest of pinbench's own code (check-cache.ts `pinbenchCodeDigest`). */
  code: string;
}

/** What the cache did for one trace, for the caller's counts. */
export type ReadCacheUse = 'hit' | 'miss' | 'damaged' | 'none';

/** The key of reading `source` under `opts`; null when it is not a local file of cacheable size. */
export async function readTraceKey(
  source: string,
  opts: Pick<TraceReplayOptions, 'strict' | 'configOverrides' | 'ingest'> & { adapters: boolean },
  code: string,
): Promise<string | null> {
  if (source === '-' || /^https?:\/\//i.test(source)) return null;
  const st = await stat(source).catch(() => null);
  if (!st?.isFile() || st.size > MAX_CACHED_BYTES) return null;
  const bytes = await readFile(source).catch(() => null);
  if (bytes === null) return null;
  // Gzip: its text counted at a trace's typical ratio.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && bytes.length * TRACE_GZIP_RATIO > MAX_CACHED_BYTES)
    return null;
  return createHash('sha256')
    .update(FORMAT)
    .update('\0')
    .update(code)
    .update('\0')
    .update(source)
    .update('\0')
    .update(createHash('sha256').update(bytes).digest('hex'))
    .update(`:${bytes.length}\0`)
    .update(opts.adapters ? canonical(recordingInfo(source)) : '-')
    .update('\0')
    .update(canonical([opts.strict ?? false, opts.configOverrides ?? {}, opts.ingest ?? {}]))
    .digest('hex');
}

/**
 * replayTrace, reading the trace from the cache when it holds it, and keeping what was read
 * otherwise. Streamed replays (`onScenario`) read the trace as always.
 */
export async function replayTraceCached(
  source: string,
  policies: readonly Policy[],
  opts: TraceReplayOptions,
  cache: ReadTraceCache | undefined,
  /** The baseline's records (baseline-records.ts), keyed by the trace's read key: only with `cache`. */
  records?: BaselineRecords,
): Promise<{ result: TraceReplayResult; use: ReadCacheUse; records?: RecordUse }> {
  const key =
    cache && !opts.onScenario
      ? await readTraceKey(source, { ...opts, adapters: opts.adapters !== undefined }, cache.code)
      : null;
  if (!cache || key === null) return { result: await replayTrace(source, policies, opts), use: 'none' };
  const plan = records ? await baselineRecordsFor(records, key, opts.matrix ?? '', policies) : undefined;
  const replay = async (o: TraceReplayOptions) => {
    const result = await replayTrace(source, policies, { ...o, ...plan?.options });
    return { result, ...(plan ? { records: await plan.finish(!result.error) } : {}) };
  };
  const file = join(cache.dir, key.slice(0, 2), `${key}.v8`);
  const entry = await readCacheEntry(file, FORMAT, key);
  if (entry.body !== null) {
    let read: ReadTrace | undefined;
    try {
      read = deserialize(entry.body) as ReadTrace;
    } catch {
      read = undefined;
    }
    if (read) return { ...(await replay({ ...opts, read })), use: 'hit' };
  }
  let read: ReadTrace | undefined;
  const replayed = await replay({
    ...opts,
    onRead: (r) => {
      read = r;
    },
  });
  if (read && !replayed.result.error) await writeCacheEntry(file, FORMAT, key, serialize(read));
  return { ...replayed, use: entry.body === null && entry.why === 'absent' ? 'miss' : 'damaged' };
}
