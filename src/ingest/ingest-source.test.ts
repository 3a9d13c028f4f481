import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PinbenchError, TraceError } from '../errors.ts';
import { findCorpusFiles } from './corpus.ts';
import { iterateRecords } from './index.ts';
import { ingestSource } from './ingest-source.ts';
import type { EventRecord, TraceRecord } from './trace-record.ts';

const FIXTURE = fileURLToPath(
  new URL('../../test/fixtures/real-traces/tracefs-6.18/i1_overflow_trace_pipe.txt', import.meta.url),
);
const TEXT = readFileSync(FIXTURE);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'pinbench-ingest-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(source: string, extra: Parameters<typeof ingestSource>[1] = {}) {
  const records: TraceRecord[] = [];
  const result = await ingestSource(source, { ...extra, onRecord: (r) => records.push(r) });
  return { result, records };
}

async function failure(p: Promise<unknown>): Promise<PinbenchError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PinbenchError);
  return e as PinbenchError;
}

describe('file sources', () => {
  it('reads a plain file and records its SHA-256', async () => {
    const { result, records } = await collect(FIXTURE);
    expect(result.sha256).toBe(sha(TEXT));
    expect([result.bytes, result.textBytes, result.compressed]).toEqual([TEXT.length, TEXT.length, false]);
    expect([result.records, result.integrity, result.lines]).toEqual([366, 2, 368]);
    expect(records.length).toBe(368);
  });

  it('streams a .gz file through zlib: same records, checksum of the compressed bytes', async () => {
    const gz = gzipSync(TEXT);
    const path = join(tmp, 'x.trace.gz');
    writeFileSync(path, gz);
    const plain = await collect(FIXTURE);
    const { result, records } = await collect(path, { readChunkBytes: 512 });
    expect(result.compressed).toBe(true);
    expect(result.sha256).toBe(sha(gz));
    expect([result.bytes, result.textBytes]).toEqual([gz.length, TEXT.length]);
    expect(records).toEqual(plain.records);
  });

  it('knows gzip by its magic bytes, whatever the name', async () => {
    const path = join(tmp, 'renamed.txt');
    writeFileSync(path, gzipSync(TEXT));
    expect((await collect(path)).result.records).toBe(366);
  });

  it('reports corrupt gzip data as bad trace bytes (PB_TRACE_SYNTAX)', async () => {
    const path = join(tmp, 'bad.trace.gz');
    const gz = gzipSync(TEXT);
    writeFileSync(path, Buffer.concat([gz.subarray(0, 200), Buffer.alloc(200, 7)]));
    const e = await failure(ingestSource(path));
    expect(e.code).toBe('PB_TRACE_SYNTAX');
    expect(e.message).toMatch(new RegExp(`^${path}: not valid gzip data`));
  });

  it('hashes big files in a worker thread, to the same digest', async () => {
    const { result } = await collect(FIXTURE, { hashInWorkerFrom: 1 });
    expect(result.sha256).toBe(sha(TEXT));
  });

  it('names a missing file or a directory (a wrong argument, not the environment failing)', async () => {
    const missing = await failure(ingestSource(join(tmp, 'nope.trace')));
    expect(missing.code).toBe('PB_USAGE');
    expect(missing.message).toBe(`${join(tmp, 'nope.trace')}: cannot read: no such file [PB_USAGE]`);
    const dir = await failure(ingestSource(tmp));
    expect(dir.message).toBe(`${tmp}: is a directory, not a trace [PB_USAGE]`);
  });

  it('refuses a trace.dat and says what to run', async () => {
    const path = join(tmp, 'trace.dat');
    writeFileSync(path, Buffer.concat([Buffer.from([0x17, 0x08, 0x44]), Buffer.from('tracing6\0\0\0\0\0')]));
    const e = await failure(ingestSource(path));
    expect(e).toBeInstanceOf(TraceError);
    expect(e.code).toBe('PB_TRACE_REFUSED');
    expect(e.message).toContain(`\`trace-cmd report ${path} > trace.txt\``);
  });

  it('refuses other compressions and says what to run', async () => {
    const path = join(tmp, 'x.trace.xz');
    writeFileSync(path, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]));
    const e = await failure(ingestSource(path));
    expect(e.message).toBe(
      `${path}: xz-compressed; decompress it first (\`xz -dk FILE\`) [PB_TRACE_REFUSED]`,
    );
  });

  it('--strict names file:line:col with the code', async () => {
    const path = join(tmp, 'bad.trace');
    writeFileSync(
      path,
      `${TEXT.toString().split('\n').slice(0, 3).join('\n')}\n  garbage-12 [000] ..... 1.5 x\n`,
    );
    const e = await failure(ingestSource(path, { strict: true, name: 'bad.trace' }));
    expect(e.code).toBe('PB_TRACE_SYNTAX');
    expect(e.message).toBe(
      "bad.trace:4:29: expected a timestamp '<sec>.<usec>:' or '<count>:' after the cpu field: '  garbage-12 [000] ..... 1.5 x' [PB_TRACE_SYNTAX]",
    );
    const lenient = await collect(path);
    expect(lenient.result.skipped).toEqual({ 'bad-timestamp': 1 });
  });
});

describe('standard input', () => {
  it('reads `-` from the given stdin', async () => {
    const stdin = new PassThrough();
    const p = collect('-', { stdin });
    for (let i = 0; i < TEXT.length; i += 1000) stdin.write(TEXT.subarray(i, i + 1000));
    stdin.end();
    const { result } = await p;
    expect([result.source, result.records, result.integrity, result.sha256]).toEqual([
      '-',
      366,
      2,
      sha(TEXT),
    ]);
  });

  it('gunzips gzip on stdin', async () => {
    const stdin = new PassThrough();
    const gz = gzipSync(TEXT);
    const p = collect('-', { stdin });
    stdin.end(gz);
    const { result } = await p;
    expect([result.compressed, result.records, result.sha256]).toEqual([true, 366, sha(gz)]);
  });

  it('an empty stdin is an empty trace', async () => {
    const stdin = new PassThrough();
    stdin.end();
    const { result } = await collect('-', { stdin });
    expect([result.lines, result.records, result.bytes]).toEqual([0, 0, 0]);
  });
});

describe('iterateRecords', () => {
  it('yields the same records in batches and returns the result', async () => {
    const { records } = await collect(FIXTURE);
    const got: TraceRecord[] = [];
    const gen = iterateRecords(FIXTURE, { batchSize: 50, readChunkBytes: 4096 });
    let batches = 0;
    let next = await gen.next();
    while (!next.done) {
      batches++;
      expect(next.value.length).toBeLessThanOrEqual(50);
      got.push(...next.value);
      next = await gen.next();
    }
    expect(got).toEqual(records);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(368 / 50));
    expect(next.value.records).toBe(366);
  });

  it('stops reading when the consumer leaves early', async () => {
    let seen = 0;
    for await (const batch of iterateRecords(FIXTURE, { batchSize: 10, readChunkBytes: 1024 })) {
      seen += batch.length;
      if (seen >= 20) break;
    }
    expect(seen).toBeGreaterThanOrEqual(20);
    expect(seen).toBeLessThan(100); // of 368: reading stopped
  });

  it('throws the ingest error to the consumer', async () => {
    const path = join(tmp, 'graph.trace');
    writeFileSync(path, '# tracer: function_graph\n');
    const e = await failure(
      (async () => {
        for await (const _ of iterateRecords(path)) {
          // nothing
        }
      })(),
    );
    expect(e.code).toBe('PB_TRACE_REFUSED');
  });
});

describe('corpus discovery', () => {
  it('finds *.trace, *.txt and *.trace.gz recursively, sorted', async () => {
    const dir = join(tmp, 'corpus');
    mkdirSync(join(dir, 'b', 'c'), { recursive: true });
    for (const f of ['z.trace', 'a.txt', 'b/c/x.trace.gz', 'b/y.trace', 'README.md', 'b/c/other.gz']) {
      writeFileSync(join(dir, f), '');
    }
    expect(await findCorpusFiles(dir)).toEqual(
      ['a.txt', 'b/c/x.trace.gz', 'b/y.trace', 'z.trace'].map((f) => join(dir, f)),
    );
    expect(await findCorpusFiles(join(tmp, 'no-such-dir'))).toEqual([]);
  });
});

describe('records stay small', () => {
  it('a record holds only its own line: text is a line, not a chunk', async () => {
    const { records } = await collect(FIXTURE, { readChunkBytes: 1 << 20 });
    const ev = records.find((r): r is EventRecord => r.kind === 'event')!;
    expect(ev.text.length).toBeLessThan(200);
    expect(ev.payload.length).toBeLessThan(ev.text.length);
  });
});
