/**
 * `pinbench nightly` end to end through the CLI, night after night, against real loopback
 * servers (node:http on 127.0.0.1) and a real PGlite database:
 *
 *   night 1  a manifest with a good trace, a checksum mismatch, a 500 and a stalled body: those
 *            three are reported, the run is partial, nothing of them is stored; the webhook
 *            fails once and is retried. Exit 0 (first night).
 *   night 2  the manifest's good trace only: served from the cache (no download); the webhook is
 *            down: reported, exit 0 all the same.
 *   night 3  the same again: compared with night 2, nothing new: exit 0.
 *   night 4  a local trace is added whose expectations fail on a policy: new divergences, exit 1.
 *   night 5  the patch policy under test changes (same id, regressing logic): pass -> fail, exit 1.
 *   setup    a config mistake, and a config whose every source fails: exit 2.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NightlySummary } from '../src/api/nightly-job.ts';
import type { CommandIo } from '../src/cli/command.ts';
import { main } from '../src/cli/main.ts';
import { openStore } from '../src/store/store.ts';
import { validateJunit, validateKcidb, xmllintSkipReason } from './support/export-schemas.ts';
import { useStoreBackend } from './support/store-backends.ts';

const REPO = resolve('.');
const trace = (name: string) => readFile(join(REPO, 'traces', name));
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let server: Server;
let base: string;
const hits = new Map<string, number>();
const hooks: { path: string; body: NightlySummary }[] = [];
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse, n: number) => void>();

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const io: CommandIo = { stdout, stderr, stdin: new PassThrough(), env: {}, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

describe('pinbench nightly, five nights', () => {
  const h = useStoreBackend('pglite');
  let work: string;
  let A: Buffer;
  let B: Buffer;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pinbench-nightly-'));
    await mkdir(join(work, 'traces'));
    await copyFile(
      join(REPO, 'traces/06-remote-longterm.trace'),
      join(work, 'traces/06-remote-longterm.trace'),
    );
    await copyFile(join(REPO, 'traces/12-integrity-gap.trace'), join(work, 'traces/12-integrity-gap.trace'));
    const define = pathToFileURL(join(REPO, 'policies/define-policy.ts')).href;
    for (const [file, basePolicy] of [
      ['my-fix-1.ts', 'v6.0-rc3'],
      ['my-fix-2.ts', 'v6.0-rc1'],
    ] as const) {
      await writeFile(
        join(work, file),
        `import { definePolicy } from '${define}';\nexport default definePolicy({ id: 'my-fix', base: '${basePolicy}', subject: 'mm/gup: my fix', override: {} });\n`,
      );
    }
    // The database starts from the test template (initdb is slow); the CLI opens it afterwards.
    await (await h.open(join(work, 'db'))).close();

    A = await trace('01-vfio-zero-ro.trace');
    B = await trace('04-dio-zero-pin.trace');
    const entry = (name: string, path: string, sum: string) => ({ name, url: path, sha256: sum });
    const m1 = [
      entry('remote/vfio-zero-ro.trace', '/t/a.trace', sha256(A)),
      entry('remote/dio.trace', '/t/b.trace', sha256('not what the server sends')),
      entry('remote/c.trace', '/t/c.trace', sha256('c')),
      entry('remote/d.trace', '/t/d.trace', sha256('d')),
    ];
    routes.set('/m1.json', (_q, res) => res.end(JSON.stringify(m1)));
    routes.set('/m2.json', (_q, res) => res.end(JSON.stringify([m1[0]])));
    routes.set('/m3.json', (_q, res) => res.end(JSON.stringify([m1[2]])));
    routes.set('/t/a.trace', (_q, res) => res.end(A));
    routes.set('/t/b.trace', (_q, res) => res.end(B));
    routes.set('/t/c.trace', (_q, res) => res.writeHead(500).end('boom'));
    routes.set('/t/d.trace', (_q, res) => {
      res.writeHead(200, { 'content-length': String(B.length) });
      res.write(B.subarray(0, 100)); // and then nothing
    });
    const hook = (fail: (n: number) => boolean) => (req: IncomingMessage, res: ServerResponse, n: number) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        if (fail(n)) return void res.writeHead(502).end();
        hooks.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200).end('ok');
      });
    };
    routes.set(
      '/hook/flaky',
      hook((n) => n === 1),
    );
    routes.set(
      '/hook/down',
      hook(() => true),
    );
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      const route = routes.get(path);
      if (route) route(req, res, n);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function config(extra: Record<string, unknown>) {
    await writeFile(
      join(work, 'pinbench.config.json'),
      JSON.stringify({
        name: 'e2e',
        sources: ['traces/*.trace', { manifest: `${base}/m2.json`, name: 'ci' }],
        policies: ['v5.19', 'v6.0-rc1', 'v6.0-rc3', './my-fix-1.ts'],
        baseline: 'v6.0-rc3',
        db: 'db',
        reportDir: 'reports',
        reportUrl: 'https://ci.example.org/pinbench',
        jobs: 1,
        http: { timeoutMs: 400, retries: 2, retryDelayMs: 10 },
        ...extra,
      }),
    );
  }

  async function night(extra: Record<string, unknown>, args: string[] = []) {
    await config(extra);
    const r = await cli(['nightly', '--json', ...args], work);
    const summary = r.out ? (JSON.parse(r.out) as NightlySummary) : null;
    return { ...r, summary };
  }

  it('night 1: failed sources are reported and left out, the run is partial, the webhook is retried', async () => {
    const n1 = await night(
      {
        sources: ['traces/*.trace', { manifest: `${base}/m1.json`, name: 'ci' }],
        webhook: `${base}/hook/flaky`,
      },
      ['--junit', 'out/junit.xml', '--kcidb', 'out/kcidb.json', '--lkp', 'out/lkp.txt'],
    );
    expect(n1.err).not.toMatch(/internal error/);
    expect(n1.code).toBe(0);
    const s = n1.summary!;
    expect(s).toMatchObject({
      type: 'pinbench-nightly',
      config: 'e2e',
      exitCode: 0,
      partial: true,
      previousRun: null,
    });
    expect(s.run.status).toBe('partial');
    const ci = s.sources.find((x) => x.source === 'ci')!;
    expect(ci).toMatchObject({ traces: 1, downloaded: 1, cached: 0, error: null });
    const why = Object.fromEntries(ci.failures.map((f) => [f.name, f.error]));
    expect(why['remote/dio.trace']).toMatch(/SHA-256 [0-9a-f]{64} differs from the expected/);
    expect(why['remote/c.trace']).toMatch(/HTTP 500 \(after 3 attempts\)/);
    expect(why['remote/d.trace']).toMatch(/no body data for 400 ms/);
    expect(hits.get('/t/c.trace')).toBe(3); // the first attempt and two retries
    expect(hits.get('/t/b.trace')).toBe(1); // a checksum mismatch is not retried
    // Nothing of the failed traces is stored: not B's content, not D's first bytes.
    const store = await openStore({ db: join(work, 'db') });
    try {
      const traces = await store.traces(s.run.id);
      expect(traces.map((t) => t.trace).sort()).toEqual([
        'remote/vfio-zero-ro.trace',
        'traces/06-remote-longterm.trace',
        'traces/12-integrity-gap.trace',
      ]);
      expect(traces.map((t) => t.sha256)).not.toContain(sha256(B));
      const all = await store.db.selectFrom('traces').select('sha256').execute();
      expect(all.map((t) => t.sha256)).not.toContain(sha256(B));
    } finally {
      await store.close();
    }
    // The webhook failed once, then got the summary.
    expect(hits.get('/hook/flaky')).toBe(2);
    expect(hooks.at(-1)).toMatchObject({
      path: '/hook/flaky',
      body: { run: { id: s.run.id }, partial: true, exitCode: 0 },
    });
    // The outputs are written and valid.
    const kcidb = JSON.parse(await readFile(join(work, 'out/kcidb.json'), 'utf8'));
    expect(await validateKcidb(kcidb)).toEqual([]);
    expect(kcidb.checkouts[0].misc.sources_failed).toHaveLength(3);
    if (!xmllintSkipReason())
      expect(await validateJunit(await readFile(join(work, 'out/junit.xml'), 'utf8'))).toEqual([]);
    const lkp = await readFile(join(work, 'out/lkp.txt'), 'utf8');
    expect(lkp.split('\n')[0]).toBe(s.verdict);
    expect(lkp).toContain(`The full report: https://ci.example.org/pinbench/${s.run.id}/`);
    await expect(readFile(join(work, 'reports', String(s.run.id), 'index.html'), 'utf8')).resolves.toMatch(
      /<html/,
    );
  });

  it('night 2: an unchanged trace comes from the cache; a webhook that is down changes nothing', async () => {
    const before = hits.get('/t/a.trace');
    const n2 = await night({ webhook: `${base}/hook/down` });
    expect(n2.code).toBe(0);
    expect(hits.get('/t/a.trace')).toBe(before); // not downloaded again
    expect(n2.summary!.sources.find((x) => x.source === 'ci')).toMatchObject({
      traces: 1,
      downloaded: 0,
      cached: 1,
    });
    expect(n2.summary).toMatchObject({ partial: false, exitCode: 0, previousRun: null });
    expect(n2.summary!.run.status).toBe('complete');
    expect(hits.get('/hook/down')).toBe(3);
    expect(n2.err).toMatch(
      /webhook http:\/\/127\.0\.0\.1:\d+\/…: not delivered: HTTP 502 \(after 3 attempts\)/,
    );
  });

  it('night 3: nothing new since night 2: exit 0', async () => {
    const n3 = await night({});
    expect(n3.code).toBe(0);
    expect(n3.summary).toMatchObject({
      exitCode: 0,
      regressions: 0,
      newDivergences: 0,
      previousRun: n3.summary!.run.id - 1,
    });
    expect(n3.summary!.verdict).toBe(
      `pinbench nightly "e2e": no regressions since run ${n3.summary!.run.id - 1} (run ${n3.summary!.run.id})`,
    );
  });

  it('night 4: a new trace whose expectations fail on a policy brings new divergences: exit 1', async () => {
    await copyFile(join(REPO, 'traces/02-zero-movable.trace'), join(work, 'traces/02-zero-movable.trace'));
    const n4 = await night({}, ['--lkp', 'out/lkp4.txt']);
    expect(n4.code).toBe(1);
    expect(n4.summary!.exitCode).toBe(1);
    expect(n4.summary!.newDivergences).toBeGreaterThan(0);
    expect(n4.summary!.regressions).toBe(0); // a new scenario has no "before"
    expect(n4.summary!.details.newDivergences.every((d) => d.trace === 'traces/02-zero-movable.trace')).toBe(
      true,
    );
    expect(await readFile(join(work, 'out/lkp4.txt'), 'utf8')).toMatch(
      /new divergences since run \d+ \(not accepted in triage\):/,
    );
  });

  it('night 5: the patch under test regresses (pass -> fail): exit 1, and the outputs say where', async () => {
    const n5 = await night({ policies: ['v5.19', 'v6.0-rc1', 'v6.0-rc3', './my-fix-2.ts'] }, [
      '--junit',
      'out/junit5.xml',
      '--kcidb',
      'out/kcidb5.json',
      '--lkp',
      'out/lkp5.txt',
    ]);
    expect(n5.code).toBe(1);
    const regs = n5.summary!.details.regressions;
    expect(regs).toContainEqual(
      expect.objectContaining({
        trace: 'remote/vfio-zero-ro.trace',
        scenario: 'vfio-zero-ro-hang',
        policy: 'my-fix',
        before: 'pass',
        after: 'fail',
      }),
    );
    expect(regs.every((r) => r.policy === 'my-fix')).toBe(true);
    // The HTML summary names the regression against the config's baseline too.
    const page = await readFile(join(work, 'reports', String(n5.summary!.run.id), 'index.html'), 'utf8');
    // as many as the nightly's own count against the baseline (JSON, LKP, JUnit)
    expect(page).toContain(
      `Regressions against baseline v6.0-rc3: ${n5.summary!.baselineRegressions} scenario × candidate`,
    );
    expect(n5.summary!.baselineRegressions).toBeGreaterThan(0);
    expect(page).toMatch(
      /<strong>REGRESSION<\/strong> <code>remote\/vfio-zero-ro\.trace<\/code> vfio-zero-ro-hang ·/,
    );
    const lkp = await readFile(join(work, 'out/lkp5.txt'), 'utf8');
    expect(lkp).toMatch(
      /^pinbench nightly "e2e": \d+ regressions( and \d+ new divergences)? since run \d+ \(run \d+\)(; \d+ unexpected failures? \(\d+ known\))?\n/,
    );
    expect(lkp).toContain('commit: my-fix ("mm/gup: my fix")');
    expect(lkp).toMatch(
      /\tREGRESSION remote\/vfio-zero-ro\.trace {2}vfio-zero-ro-hang {2}my-fix: pass -> fail\n\t {2}failed: ret=0 \(got livelock\)\n\t {2}failed: ret!=livelock \(got livelock\)\n/,
    );
    const kcidb = JSON.parse(await readFile(join(work, 'out/kcidb5.json'), 'utf8'));
    expect(await validateKcidb(kcidb)).toEqual([]);
    const hang = kcidb.tests.find(
      (t: { build_id: string; misc: { scenario: string } }) =>
        t.build_id.endsWith(':my-fix') && t.misc.scenario === 'vfio-zero-ro-hang',
    );
    expect(hang.status).toBe('FAIL');
    expect(kcidb.checkouts[0].patchset_files).toEqual([
      { name: 'my-fix-2.ts', url: pathToFileURL(join(work, 'my-fix-2.ts')).href },
    ]);
    if (!xmllintSkipReason()) {
      const xml = await readFile(join(work, 'out/junit5.xml'), 'utf8');
      expect(await validateJunit(xml)).toEqual([]);
      expect(xml).toMatch(
        /<testcase classname="remote\/vfio-zero-ro\.trace\.vfio-zero-ro-hang" name="my-fix" time="[\d.]+">\s*<failure type="fail" message="regression since run \d+, [^"]*: ret=0 \(got livelock\) \(\+1 more\)">/,
      );
    }
  });

  it('setup errors exit 2 with the file and field named', async () => {
    await writeFile(
      join(work, 'bad.json'),
      JSON.stringify({ name: 'e2e', sources: ['traces/*.trace'], polices: [] }),
    );
    const bad = await cli(['nightly', '--config', 'bad.json'], work);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(
      "pinbench nightly: bad.json: polices: unknown field (did you mean 'policies'?) [PB_CONFIG]\n",
    );
    const none = await night({ sources: [{ manifest: `${base}/m3.json` }] });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(
      /pinbench nightly: pinbench\.config\.json: no trace to replay: every source failed \(sources\[0\]\.manifest: remote\/c\.trace: .*HTTP 500/,
    );
  });
});
