/**
 * A faulty HTTP server on loopback: a body trickled a byte at a time (the gap timeout never fires,
 * the total deadline does), short bodies, 5xx, a full disk under the download (not retried), a
 * SIGTERM mid-download (its temp file goes), and a gzip bomb (limited in decompressed bytes).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, IoError, TraceError } from '../../src/errors.ts';
import { downloadToTemp } from '../../src/ingest/http-download.ts';
import { ingestSource } from '../../src/ingest/ingest-source.ts';
import { mountSkipReason, mountTmpfs, runCli, unmountAll } from './env-support.ts';

let server: Server;
let base: string;
let tmp: string;
const hits = new Map<string, number>();
const timers = new Set<NodeJS.Timeout>();

const BOMB = gzipSync(Buffer.alloc(8 << 20, 'a')); // 8 MiB of text in a few KiB

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/trickle': (req, res) => {
    res.writeHead(200);
    const t = setInterval(() => res.write('x'), 100);
    timers.add(t);
    req.on('close', () => clearInterval(t));
  },
  '/short': (req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1234, 0x61));
    setTimeout(() => req.socket.destroy(), 30);
  },
  '/503': (_q, res) => {
    res.writeHead(503);
    res.end();
  },
  '/big': (_q, res) => {
    res.writeHead(200, { 'content-length': String(1 << 20) });
    res.end(Buffer.alloc(1 << 20, 0x62));
  },
  '/bomb.gz': (_q, res) => res.end(BOMB),
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pinbench-httpfault-'));
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  unmountAll();
});

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

const quick = { retries: 1, retryBaseMs: 10, tmpDir: '' };

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('HTTP faults', () => {
  it('a trickling body ends at the total deadline, with the bytes that arrived, and leaves no temp file', async () => {
    const e = await failure(
      downloadToTemp(`${base}/trickle`, { ...quick, tmpDir: tmp, bodyTimeoutMs: 5_000, deadlineMs: 1_000 }),
    );
    expect(e).toBeInstanceOf(HttpError);
    expect(e.message).toMatch(
      /did not finish within 1000 ms \(the download's deadline\) after \d+ body bytes/,
    );
    expect(readdirSync(tmp).filter((n) => n.startsWith('pinbench-dl-'))).toEqual([]);
  });

  it('a short body says how many of the announced bytes arrived', async () => {
    const e = await failure(downloadToTemp(`${base}/short`, { ...quick, tmpDir: tmp }));
    expect(e).toBeInstanceOf(HttpError);
    expect(e.message).toContain('after 1234 of 100000 body bytes');
  });

  it('5xx is retried, then reported with the attempts', async () => {
    const e = await failure(downloadToTemp(`${base}/503`, { ...quick, tmpDir: tmp }));
    expect(e.message).toContain('HTTP 503 (after 2 attempts)');
    expect(hits.get('/503')).toBe(2);
  });

  it.skipIf(mountSkipReason() !== null)(
    'a full disk under the download fails at once (IoError, not retried)',
    async () => {
      const small = mountTmpfs('256k');
      hits.delete('/big');
      const e = await failure(downloadToTemp(`${base}/big`, { retries: 3, retryBaseMs: 10, tmpDir: small }));
      expect(e).toBeInstanceOf(IoError);
      expect(e.message).toMatch(/no space left/i);
      expect(e.message).toContain('[PB_IO]');
      expect(hits.get('/big')).toBe(1);
      expect(readdirSync(small)).toEqual([]);
    },
  );

  it('a gzip source is limited in decompressed bytes, from a URL and from a file', async () => {
    const fromUrl = await failure(
      ingestSource(`${base}/bomb.gz`, { http: { ...quick, tmpDir: tmp, maxBytes: 1 << 20 } }),
    );
    expect(fromUrl).toBeInstanceOf(TraceError);
    expect(fromUrl.message).toContain('decompresses to more than 1048576 bytes');
    const file = join(tmp, 'bomb.trace.gz');
    writeFileSync(file, BOMB);
    const fromFile = await failure(ingestSource(file, { maxDecompressedBytes: 1 << 20 }));
    expect(fromFile).toBeInstanceOf(TraceError);
    expect((fromFile as TraceError).code).toBe('PB_TRACE_REFUSED');
  });

  it('SIGTERM during a download removes its temp file', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmp, 'sigterm-'));
    let sent = false;
    const r = await runCli(['ingest', `${base}/trickle`], {
      env: { TMPDIR: dir },
      timeoutMs: 60_000,
      onSpawn: (child) => {
        // Once the download's temp dir exists and bytes arrive, stop pinbench.
        const poll = setInterval(() => {
          const dl = readdirSync(dir).filter((n) => n.startsWith('pinbench-dl-'));
          if (dl.length > 0 && existsSync(join(dir, dl[0]!, 'body'))) {
            clearInterval(poll);
            sent = true;
            child.kill('SIGTERM');
          }
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(sent).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.signal).toBe('SIGTERM');
    expect(readdirSync(dir)).toEqual([]);
  });
});
