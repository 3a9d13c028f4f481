/**
 * URL sources against a real node:http server on 127.0.0.1: timeouts, resets, retries,
 * redirects, size limits and checksums. A failed download must not hand out a single record.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../errors.ts';
import type { HttpOptions } from './http-download.ts';
import { ingestSource } from './ingest-source.ts';
import type { TraceRecord } from './trace-record.ts';

const TRACE = readFileSync(
  fileURLToPath(
    new URL(
      '../../test/fixtures/real-traces/tracefs-6.18/a_default_io_uring_mmap_kmem.trace',
      import.meta.url,
    ),
  ),
);
const TRACE_SHA = createHash('sha256').update(TRACE).digest('hex');

let server: Server;
let base: string;
const hits = new Map<string, number>();
let tmp: string;

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;
const routes: Record<string, Handler> = {
  '/ok.trace': (_q, res) => res.end(TRACE),
  '/trace.gz': (_q, res) => res.end(gzipSync(TRACE)),
  '/slow': (_q, res) => {
    res.writeHead(200, { 'content-length': String(TRACE.length) });
    res.write(TRACE.subarray(0, 4000)); // then nothing: the body stalls
  },
  '/never': () => {
    // never answers
  },
  '/reset-once': (req, res, hit) => (hit === 1 ? req.socket.destroy() : res.end(TRACE)),
  '/reset-always': (req) => req.socket.destroy(),
  '/reset-mid-body': (req, res, hit) => {
    res.writeHead(200, { 'content-length': String(TRACE.length) });
    if (hit === 1) {
      res.write(TRACE.subarray(0, 20000));
      setTimeout(() => req.socket.destroy(), 20);
    } else res.end(TRACE);
  },
  '/flaky': (_q, res, hit) => {
    if (hit === 1) {
      res.writeHead(500);
      res.end('boom');
    } else res.end(TRACE);
  },
  '/always-503': (_q, res) => {
    res.writeHead(503);
    res.end();
  },
  '/missing': (_q, res) => {
    res.writeHead(404);
    res.end('no');
  },
  '/loop': (_q, res) => {
    res.writeHead(302, { location: '/loop' });
    res.end();
  },
  '/big-declared': (_q, res) => {
    res.writeHead(200, { 'content-length': String(TRACE.length) });
    res.end(TRACE);
  },
  '/big-chunked': (_q, res) => {
    res.writeHead(200); // no content-length: chunked
    res.write(TRACE.subarray(0, 30000));
    setTimeout(() => res.end(TRACE.subarray(30000)), 10);
  },
};
for (let i = 1; i <= 5; i++) {
  routes[`/r${i}`] = (_q, res) => {
    res.writeHead(301, { location: i === 1 ? '/ok.trace' : `/r${i - 1}` });
    res.end();
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const route = routes[path];
    if (route) route(req, res, hit);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  hits.clear();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = mkdtempSync(join(tmpdir(), 'pinbench-http-test-'));
});

const FAST: HttpOptions = { retryBaseMs: 5, retries: 2, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 };

async function fetchTrace(path: string, http: HttpOptions = {}) {
  const records: TraceRecord[] = [];
  const url = base + path;
  try {
    const result = await ingestSource(url, {
      http: { ...FAST, tmpDir: tmp, ...http },
      onRecord: (r) => records.push(r),
    });
    return { url, result, records, error: undefined };
  } catch (error) {
    return { url, result: undefined, records, error: error as HttpError };
  }
}

function expectFailure(got: Awaited<ReturnType<typeof fetchTrace>>, reason: RegExp): void {
  expect(got.error).toBeInstanceOf(HttpError);
  expect(got.error?.code).toBe('PB_HTTP');
  expect(got.error?.message.startsWith(`${got.url}: `)).toBe(true);
  expect(got.error?.message).toMatch(reason);
  expect(got.error?.message.endsWith('[PB_HTTP]')).toBe(true);
  // nothing half-ingested, nothing left behind
  expect(got.records).toEqual([]);
  expect(readdirSync(tmp)).toEqual([]);
}

describe('URL sources', () => {
  it('downloads, records the SHA-256 of the bytes, then ingests', async () => {
    const got = await fetchTrace('/ok.trace');
    expect(got.error).toBeUndefined();
    expect(got.result?.sha256).toBe(TRACE_SHA);
    expect(got.result?.bytes).toBe(TRACE.length);
    expect(got.result?.records).toBe(287);
    expect(got.result?.source).toBe(got.url);
    expect(got.result?.download).toEqual({ finalUrl: got.url, redirects: 0, attempts: 1 });
    expect(got.records.length).toBe(287);
    expect(readdirSync(tmp)).toEqual([]); // temporary file removed
  });

  it('gunzips a gzip body; the checksum is of the bytes as served', async () => {
    const got = await fetchTrace('/trace.gz');
    expect(got.result?.compressed).toBe(true);
    expect(got.result?.sha256).toBe(createHash('sha256').update(gzipSync(TRACE)).digest('hex'));
    expect(got.result?.textBytes).toBe(TRACE.length);
    expect(got.result?.records).toBe(287);
  });

  it('fails on a stalled body after the body timeout, without records', async () => {
    const t0 = performance.now();
    const got = await fetchTrace('/slow', { bodyTimeoutMs: 150 });
    expectFailure(got, /no body data for 150 ms \(body timeout\)/);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(hits.get('/slow')).toBe(1); // timeouts are not retried
  });

  it('fails when no response headers come within the headers timeout', async () => {
    const got = await fetchTrace('/never', { headersTimeoutMs: 150 });
    expectFailure(got, /no response headers within 150 ms/);
  });

  it('retries a connection reset and succeeds', async () => {
    const got = await fetchTrace('/reset-once');
    expect(got.error).toBeUndefined();
    expect(got.result?.download?.attempts).toBe(2);
    expect(got.result?.sha256).toBe(TRACE_SHA);
  });

  it('retries a reset in the middle of the body from the start', async () => {
    const got = await fetchTrace('/reset-mid-body');
    expect(got.error).toBeUndefined();
    expect(got.result?.download?.attempts).toBe(2);
    expect(got.result?.sha256).toBe(TRACE_SHA);
    expect(got.records.length).toBe(287); // each record once
  });

  it('gives up on resets after the bounded retries', async () => {
    const got = await fetchTrace('/reset-always');
    expectFailure(got, /\(after 3 attempts\)$|\(after 3 attempts\) \[/);
    expect(hits.get('/reset-always')).toBe(3);
  });

  it('retries a 500 and takes the 200 that follows', async () => {
    const got = await fetchTrace('/flaky');
    expect(got.error).toBeUndefined();
    expect(hits.get('/flaky')).toBe(2);
    expect(got.result?.download?.attempts).toBe(2);
    expect(got.result?.records).toBe(287);
  });

  it('gives up on a persistent 5xx', async () => {
    const got = await fetchTrace('/always-503');
    expectFailure(got, /HTTP 503 \(after 3 attempts\)/);
    expect(hits.get('/always-503')).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    const got = await fetchTrace('/missing');
    expectFailure(got, /: HTTP 404 \[PB_HTTP\]$/);
    expect(hits.get('/missing')).toBe(1);
  });

  it('follows 5 redirects', async () => {
    const got = await fetchTrace('/r5');
    expect(got.error).toBeUndefined();
    expect(got.result?.download).toEqual({ finalUrl: `${base}/ok.trace`, redirects: 5, attempts: 1 });
  });

  it('fails a redirect loop after 5 redirects', async () => {
    const got = await fetchTrace('/loop');
    expectFailure(got, /too many redirects \(more than 5\)/);
    expect(hits.get('/loop')).toBe(6);
  });

  it('refuses a declared size over the limit before reading the body', async () => {
    const got = await fetchTrace('/big-declared', { maxBytes: 10_000 });
    expectFailure(got, new RegExp(`Content-Length ${TRACE.length} exceeds the limit of 10000 bytes`));
  });

  it('stops an undeclared body at the limit', async () => {
    const got = await fetchTrace('/big-chunked', { maxBytes: 40_000 });
    expectFailure(got, /body exceeds the limit of 40000 bytes/);
  });

  it('checks an expected checksum', async () => {
    const bad = 'f'.repeat(64);
    const got = await fetchTrace('/ok.trace', { expectedSha256: bad });
    expectFailure(got, new RegExp(`SHA-256 ${TRACE_SHA} differs from the expected ${bad}`));
    const ok = await fetchTrace('/ok.trace', { expectedSha256: TRACE_SHA.toUpperCase() });
    expect(ok.result?.sha256).toBe(TRACE_SHA);
  });

  it('fails fast on a refused connection, naming the URL', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const url = `http://127.0.0.1:${port}/x.trace`;
    const err = await ingestSource(url, { http: { ...FAST, tmpDir: tmp } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toMatch(
      new RegExp(`^${url}: .*ECONNREFUSED.*\\(after 3 attempts\\) \\[PB_HTTP\\]$`),
    );
  });
});
