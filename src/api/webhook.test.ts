/** The webhook against real loopback receivers: retried with backoff, bounded, never thrown. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, webhookTarget } from './webhook.ts';

let server: Server;
let base: string;
const hits = new Map<string, number>();
const bodies: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (path.startsWith('/flaky') && n === 1) {
        res.writeHead(503).end('busy');
        return;
      }
      if (path.startsWith('/down')) {
        res.writeHead(500).end('no');
        return;
      }
      if (path.startsWith('/denied')) {
        res.writeHead(403).end('no');
        return;
      }
      if (path.startsWith('/hang')) return; // never answers
      bodies.push({ path, type: req.headers['content-type'], json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('postWebhook', () => {
  it('retries a failure and delivers on the next attempt', async () => {
    const r = await postWebhook(`${base}/flaky?token=secret`, { hello: 1 }, { retryBaseMs: 5 });
    expect(r).toMatchObject({ ok: true, attempts: 2, status: 204, error: null });
    expect(r.target).not.toContain('secret');
    expect(bodies).toContainEqual({
      path: '/flaky?token=secret',
      type: 'application/json',
      json: { hello: 1 },
    });
  });

  it('gives up after the retries and reports why, without throwing', async () => {
    const r = await postWebhook(`${base}/down`, {}, { retries: 2, retryBaseMs: 5 });
    expect(r).toMatchObject({ ok: false, attempts: 3, status: 500 });
    expect(r.error).toBe('HTTP 500 (after 3 attempts)');
    expect(hits.get('/down')).toBe(3);
  });

  it('does not retry a 4xx that will not change', async () => {
    const r = await postWebhook(`${base}/denied`, {}, { retries: 3, retryBaseMs: 5 });
    expect(r).toMatchObject({ ok: false, attempts: 1, status: 403, error: 'HTTP 403' });
  });

  it('bounds each attempt with a timeout, and survives a refused connection', async () => {
    const t0 = Date.now();
    const r = await postWebhook(`${base}/hang`, {}, { retries: 1, retryBaseMs: 5, timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, attempts: 2, status: null });
    expect(r.error).toMatch(/no answer within 200 ms/);
    expect(Date.now() - t0).toBeLessThan(3000);
    const refused = await postWebhook('http://127.0.0.1:9/x', {}, { retries: 0 });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/ECONNREFUSED/);
    expect(webhookTarget('https://hooks.example.org/T000/B000/XXXX')).toBe('https://hooks.example.org/…');
  });
});
