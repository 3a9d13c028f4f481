/**
 * `pinbench report` and `pinbench serve` through the CLI: report formats and exit codes
 * in-process, and `serve` as a real child process (prints its URL, answers read-only with a
 * CSP, stops cleanly on SIGINT).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { openStore } from '../src/store/store.ts';
import { captureIo } from './support/cli-io.ts';
import { REPO } from './support/corpus-run.ts';
import { pgliteTemplate } from './support/store-backends.ts';
import { FIXTURE_POLICIES, fixturePolicy, makeTraceResult } from './support/trace-results.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pinbench-report-cli-'));
const db = join(tmp, 'db');
let divergences = 0;

function capture(cwd = tmp) {
  return captureIo({ cwd });
}

beforeAll(async () => {
  const store = await openStore({ db, pgliteTemplate: await pgliteTemplate() });
  const runId = await store.startRun({ configName: 'cli' });
  await store.recordPolicies(
    runId,
    FIXTURE_POLICIES.map((id) => fixturePolicy(id)),
  );
  await store.writeTraceResult(runId, makeTraceResult({ trace: 'traces/a.trace', scenarios: 4, calls: 9 }));
  await store.finishRun(runId, 'complete');
  divergences = (await store.runTotals(runId)).divergences;
  await store.close();
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('pinbench report', () => {
  it('writes reports/<run>/ and reports/latest/ by default', async () => {
    const c = capture();
    const code = await main(['report', '--db', db], c.io);
    expect(code, c.err()).toBe(0);
    expect(c.out()).toMatch(/^report of run 1: reports\/1\/index\.html \(\d+ pages, .*, \d+ divergences\)/);
    expect(existsSync(join(tmp, 'reports/1/index.html'))).toBe(true);
    expect(existsSync(join(tmp, 'reports/1/data/divergences.js'))).toBe(true);
    expect(readFileSync(join(tmp, 'reports/latest/index.html'), 'utf8')).toContain('url=../1/index.html');
    // Regenerating replaces the report in place.
    expect(await main(['report', '1', '--db', db], capture().io)).toBe(0);
  });

  it('--format json streams one document with every divergence', async () => {
    const c = capture();
    expect(await main(['report', 'latest', '--db', db, '--format', 'json'], c.io)).toBe(0);
    const doc = JSON.parse(c.out()) as {
      type: string;
      divergences: unknown[];
      divergenceCount: number;
      scenarios: unknown[];
    };
    expect(doc.type).toBe('pinbench-report');
    expect(doc.divergences).toHaveLength(divergences);
    expect(doc.divergenceCount).toBe(divergences);
    expect(doc.scenarios).toHaveLength(4);
  });

  it('--format terminal prints the summary; --out writes it to a file', async () => {
    const c = capture();
    expect(await main(['report', '1', '--db', db, '-f', 'terminal'], c.io)).toBe(0);
    expect(c.out()).toContain('run 1 (complete)');
    expect(c.out()).toContain('F fail, unexpected');
    const d = capture();
    expect(await main(['report', '1', '--db', db, '-f', 'terminal', '--out', 'txt'], d.io)).toBe(0);
    expect(readFileSync(join(tmp, 'txt/report.txt'), 'utf8')).toContain('run 1 (complete)');
  });

  it('JUnit, KCIDB and LKP are reporters in the same registry, over the same run', async () => {
    const j = capture();
    expect(await main(['report', '1', '--db', db, '-f', 'junit'], j.io)).toBe(0);
    expect(j.out()).toMatch(/<testsuites name="pinbench [^"]*run 1"/);
    const k = capture();
    expect(await main(['report', '1', '--db', db, '-f', 'kcidb'], k.io)).toBe(0);
    const doc = JSON.parse(k.out()) as { tests: { misc: { expected: unknown } }[] };
    expect(doc.tests.length).toBeGreaterThan(0);
    expect(doc.tests.every((t) => 'expected' in t.misc)).toBe(true);
    const l = capture();
    expect(await main(['report', '1', '--db', db, '-f', 'lkp', '--out', 'lkp-out'], l.io)).toBe(0);
    const text = readFileSync(join(tmp, 'lkp-out/lkp.txt'), 'utf8');
    expect(text).toMatch(/^pinbench nightly /);
    expect(text).toMatch(
      /\tpolicy\s+pass\s+fail\s+inconclusive\s+unsupported\s+error\s+known\s+unexpected\n/,
    );
  });

  it('exits 2 on a bad run, format or output directory', async () => {
    const a = capture();
    expect(await main(['report', 'nope', '--db', db], a.io)).toBe(2);
    expect(a.err()).toContain("'nope' is not a run id");
    expect(await main(['report', '7', '--db', db], capture().io)).toBe(2);
    const b = capture();
    expect(await main(['report', '--db', db, '--format', 'pdf'], b.io)).toBe(2);
    expect(b.err()).toContain('html, json, terminal');
    mkdirSync(join(tmp, 'precious'));
    writeFileSync(join(tmp, 'precious/notes.txt'), 'keep me');
    const c = capture();
    expect(await main(['report', '--db', db, '--out', 'precious'], c.io)).toBe(2);
    expect(c.err()).toContain('not a pinbench report');
    expect(readFileSync(join(tmp, 'precious/notes.txt'), 'utf8')).toBe('keep me');
  });
});

function get(url: string, method = 'GET'): Promise<{ status: number; csp: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, csp: res.headers['content-security-policy'] as string }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pinbench serve', () => {
  it('prints its URL, serves read-only with a CSP, and stops cleanly on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [join(REPO, 'bin/pinbench.js'), 'serve', '--port', '0', '--db', db],
      {
        cwd: tmp,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const home = await get(url);
      expect(home.status).toBe(200);
      expect(home.csp).toContain("default-src 'self'");
      expect((await get(`${url}runs/1/`)).status).toBe(200);
      expect((await get(url, 'POST')).status).toBe(405);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(err).toContain('stopped (SIGINT)');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
