/**
 * `pinbench serve` over real HTTP on loopback, against a real PGlite store holding a run of
 * hand-built results: read-only (405), the security headers on every answer, path traversal
 * refused however it is spelled, Host checks, HEAD, and the pages of a run.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useStoreBackend } from '../../../test/support/store-backends.ts';
import { FIXTURE_POLICIES, fixturePolicy, makeTraceResult } from '../../../test/support/trace-results.ts';
import type { Store } from '../../store/store.ts';
import { type ReportServer, SERVE_CSP, startReportServer } from './report-server.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes on the wire exactly as given (no client-side normalizing). */
function raw(
  server: ReportServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { host: `127.0.0.1:${server.port}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('report server', () => {
  const h = useStoreBackend('pglite');
  let store: Store;
  let server: ReportServer;
  let runId: number;

  beforeAll(async () => {
    store = await h.shared();
    runId = await store.startRun({ configName: 'serve-test' });
    await store.recordPolicies(
      runId,
      FIXTURE_POLICIES.map((id) => fixturePolicy(id)),
    );
    await store.writeTraceResult(runId, makeTraceResult({ trace: 'traces/a.trace', scenarios: 3, calls: 6 }));
    await store.finishRun(runId, 'complete');
    server = await startReportServer({ store, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('binds 127.0.0.1 by default and says where', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'answers %s with 405 and Allow: GET, HEAD',
    async (method) => {
      const a = await raw(server, method, `/runs/${runId}/`);
      expect(a.status).toBe(405);
      expect(a.headers.allow).toBe('GET, HEAD');
      expect(a.headers['content-security-policy']).toBe(SERVE_CSP);
    },
  );

  it('sends a strict Content-Security-Policy and the other security headers on every answer', async () => {
    for (const path of ['/', `/runs/${runId}/`, '/assets/report.css', '/nope', '/../x']) {
      const a = await raw(server, 'GET', path);
      expect(a.headers['content-security-policy']).toBe(SERVE_CSP);
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(SERVE_CSP).toContain("default-src 'self'");
    expect(SERVE_CSP).toContain("script-src 'self'");
    expect(SERVE_CSP).not.toContain('unsafe-inline');
    expect(SERVE_CSP).not.toContain('unsafe-eval');
  });

  it.each([
    '/../../etc/passwd',
    '/assets/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/%252e%252e/etc/passwd',
    '/runs/1/..%5c..%5cpackage.json',
    '//etc/passwd',
    '/assets//etc/passwd',
    '/assets/%2Fetc%2Fpasswd',
    '/assets/report.css%00',
    'http://127.0.0.1/../etc/passwd',
  ])('refuses the traversal %s with 400', async (path) => {
    const a = await raw(server, 'GET', path);
    expect(a.status).toBe(400);
    expect(a.body).toMatch(/refused request path/);
    expect(a.body).not.toContain('root:');
  });

  it('serves assets from its closed list only', async () => {
    const css = await raw(server, 'GET', '/assets/report.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(
      (await raw(server, 'GET', `/runs/${runId}/assets/divergence-list.js`)).headers['content-type'],
    ).toBe('text/javascript; charset=utf-8');
    expect((await raw(server, 'GET', '/assets/package.json')).status).toBe(404);
    expect((await raw(server, 'GET', '/etc/passwd')).status).toBe(404);
  });

  it('answers HEAD without a body', async () => {
    const a = await raw(server, 'HEAD', `/runs/${runId}/index.html`);
    expect(a.status).toBe(200);
    expect(a.body).toBe('');
    expect(Number(a.headers['content-length'])).toBeGreaterThan(1000);
  });

  it('refuses foreign Host headers (DNS rebinding)', async () => {
    expect((await raw(server, 'GET', '/', { host: 'evil.example' })).status).toBe(403);
    expect((await raw(server, 'GET', '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('serves every page of a run at the static report paths', async () => {
    const [d] = (await store.divergences(runId, {}, { limit: 1 })).rows;
    for (const path of [
      '/',
      `/runs/${runId}/`,
      `/runs/${runId}/matrix.html`,
      `/runs/${runId}/matrix-release.html`,
      `/runs/${runId}/divergences/index.html`,
      `/runs/${runId}/data/divergences.js`,
      `/runs/${runId}/d/${d!.signature.slice(0, 2)}/${d!.signature}.html`,
      `/runs/${runId}/policies/index.html`,
      `/runs/${runId}/policies/v6.0-rc1.html`,
      '/triage',
      `/diff?a=${runId}&b=${runId}`,
    ]) {
      const a = await raw(server, 'GET', path);
      expect([path, a.status]).toEqual([path, 200]);
    }
    expect((await raw(server, 'GET', `/runs/${runId}`)).headers.location).toBe(`/runs/${runId}/`);
    expect((await raw(server, 'GET', '/runs/latest/matrix.html')).headers.location).toBe(
      `/runs/${runId}/matrix.html`,
    );
    expect((await raw(server, 'GET', '/runs/999/')).status).toBe(404);
    expect((await raw(server, 'GET', `/runs/${runId}/divergences/page-99.html`)).status).toBe(404);
    expect((await raw(server, 'GET', `/runs/${runId}/d/ab/abcdef.html`)).status).toBe(404);
  });
});
