/**
 * A trace replayed from the read cache gives what reading it again gives: every shipped trace,
 * cold (read and kept) and warm (replayed from the entry), against two releases; a damaged
 * entry is read around; another trace byte or option is another key.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCorpusFiles } from '../ingest/index.ts';
import { defaultAdapters } from './adapters.ts';
import { resolvePolicies } from './load-policies.ts';
import { MAX_CACHED_BYTES, readTraceKey, replayTraceCached } from './read-trace-cache.ts';
import { replayTrace } from './replay-trace.ts';
import type { TraceReplayResult } from './results.ts';

const STRICT = new Set([
  'traces/12-integrity-gap.trace',
  'traces/real/tracefs-6.18/i1_overflow_trace_pipe.txt',
]);

const plain = (r: TraceReplayResult): string => JSON.stringify({ ...r, ms: 0 });

describe('read-trace cache', () => {
  it('replays every shipped trace as reading it does, cold and warm', { timeout: 60_000 }, async () => {
    const cache = { dir: mkdtempSync(join(tmpdir(), 'pinbench-read-cache-')), code: 'test' };
    const policies = await resolvePolicies(['v5.19', 'v6.0-rc1']);
    const files = await findCorpusFiles('traces');
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      // Strict reading of a few (bad lines are errors there, and errors are not kept).
      for (const strict of STRICT.has(f) ? [false, true] : [false]) {
        const opts = { outcomes: true, strict, adapters: defaultAdapters };
        const want = plain(await replayTrace(f, policies, opts));
        const cold = await replayTraceCached(f, policies, opts, cache);
        const warm = await replayTraceCached(f, policies, opts, cache);
        expect(plain(cold.result), f).toBe(want);
        expect(plain(warm.result), f).toBe(want);
        const ok = !cold.result.error;
        expect([cold.use, warm.use], f).toEqual(ok ? ['miss', 'hit'] : ['miss', 'miss']);
      }
    }
  });

  it('reads around a damaged entry and keys on the bytes and the options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-read-cache-'));
    const cache = { dir: join(dir, 'cache'), code: 'test' };
    const trace = join(dir, 't.trace');
    copyFileSync('traces/03-vfio-zero-leak.trace', trace);
    const policies = await resolvePolicies(['v5.19', 'v6.0-rc1']);
    const opts = { outcomes: false, strict: false, adapters: defaultAdapters };
    const want = plain(await replayTrace(trace, policies, opts));
    expect((await replayTraceCached(trace, policies, opts, cache)).use).toBe('miss');
    const sub = readdirSync(cache.dir)[0]!;
    const entry = join(cache.dir, sub, readdirSync(join(cache.dir, sub))[0]!);
    const whole = readFileSync(entry);
    writeFileSync(entry, whole.subarray(0, whole.length - 10));
    const damaged = await replayTraceCached(trace, policies, opts, cache);
    expect(damaged.use).toBe('damaged');
    expect(plain(damaged.result)).toBe(want);
    expect((await replayTraceCached(trace, policies, opts, cache)).use).toBe('hit');
    const key = (o: Partial<typeof opts & { configOverrides: object }> = {}, code = 'test') =>
      readTraceKey(trace, { ...opts, ...o, adapters: o.adapters !== null }, code);
    const k = await key();
    expect(await key({}, 'other code')).not.toBe(k);
    expect(await key({ strict: true })).not.toBe(k);
    expect(await key({ configOverrides: { pte_special: 0 } })).not.toBe(k);
    const text = readFileSync(trace, 'utf8');
    writeFileSync(trace, text.replace('refcount=1', 'refcount=2'));
    expect(await key()).not.toBe(k);
    // Too large to keep in memory as read: gzip counted at 28x its bytes.
    const big = join(dir, 'big.trace.gz');
    writeFileSync(
      big,
      Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc((MAX_CACHED_BYTES >> 4) / 1.5)]),
    );
    expect(await readTraceKey(big, { adapters: true }, 'test')).toBeNull();
    writeFileSync(big, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(MAX_CACHED_BYTES >> 6)]));
    expect(await readTraceKey(big, { adapters: true }, 'test')).not.toBeNull();
    expect(await readTraceKey('-', { adapters: true }, 'test')).toBeNull();
    expect(await readTraceKey('https://example.org/t.trace', { adapters: true }, 'test')).toBeNull();
  });
});
