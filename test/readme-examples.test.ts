/**
 * Every command the README shows in a `sh` block runs, as shown, with the exit code it documents
 * (`# exit N` in its comment; 0 otherwise). The commands run through bash in a scratch working
 * directory laid out as a user's would be (the shipped traces, a pinbench checkout beside
 * `my-fix.ts`, the README's `pinbench.config.json`), with `npx pinbench` running this checkout's
 * CLI. Placeholders point at local stand-ins: `db.example.org` at a throwaway PostgreSQL server,
 * `ci.example.org`, `hooks.example.org` and `host` at a loopback HTTP server, `SIG` at a
 * divergence signature the database holds; sizes meant for benchmarks shrink, and `--port 8080`
 * becomes a free port. What cannot run in a test (installing packages, the suite itself) is
 * listed below with the reason and shows as skipped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, postgresSkipReason, startPostgresServer } from './support/postgres-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Commands that cannot run inside the test suite, and why. */
const NOT_RUN: Record<string, string> = {
  'npm ci && npm start': 'reinstalls dependencies; `npm start` is `pinbench run`, run below',
  'npm ci && npm test': 'reinstalls dependencies and runs this very suite',
  'sudo apt-get update && sudo apt-get install -y postgresql': 'changes the system; the tests use it',
};

interface Example {
  /** The command as the README shows it (continuation lines joined). */
  text: string;
  /** The exit code its comment documents (`# exit 1: ...`), else 0. */
  exit: number;
}

/** The text before an unquoted ` #` (a shell comment), and the comment. */
function splitComment(line: string): [string, string] {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!)))
      return [line.slice(0, i).trim(), line.slice(i + 1)];
  }
  return [line.trim(), ''];
}

/** Every command in the README's `sh` blocks, in order. */
function readmeExamples(): Example[] {
  const out: Example[] = [];
  for (const block of README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = block[1]!.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let [text, comment] = splitComment(lines[i]!);
      // A trailing backslash continues the command on the next line.
      while (text.endsWith('\\') && i + 1 < lines.length) {
        const [more, moreComment] = splitComment(lines[++i]!);
        text = `${text.slice(0, -1).trimEnd()} ${more}`;
        comment = comment || moreComment;
      }
      if (!text) continue;
      out.push({ text, exit: Number(/^\s*exit (\d+)/.exec(comment)?.[1] ?? 0) });
    }
  }
  return out;
}

/** The first fenced block of `lang` whose text matches `re`. */
function readmeBlock(lang: string, re: RegExp): string {
  for (const m of README.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))) {
    if (re.test(m[1]!)) return m[1]!;
  }
  throw new Error(`README has no ${lang} block matching ${re}`);
}

const EXAMPLES = readmeExamples();
const pgSkip = postgresSkipReason();
if (pgSkip) console.warn(`readme-examples: ${pgSkip}`);

describe.skipIf(pgSkip !== null)('the README examples', () => {
  const work = mkdtempSync(join(tmpdir(), 'pinbench-readme-'));
  const env: NodeJS.ProcessEnv = {};
  const webhooks: string[] = [];
  let pg: PostgresServer | null = null;
  let http: Server | null = null;
  let httpBase = '';
  let subs: [RegExp, string][] = [];
  const sample = join(ROOT, 'traces/03-vfio-zero-leak.trace');

  beforeAll(async () => {
    pg = await startPostgresServer();
    const { default: pgClient } = await import('pg');
    const admin = new pgClient.Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE ROLE pinbench LOGIN');
    await admin.query('CREATE DATABASE pinbench OWNER pinbench');
    await admin.end();

    // Loopback stand-in for ci.example.org (a manifest and its trace), host/x.trace and the webhook.
    const trace = readFileSync(sample);
    const manifest = JSON.stringify([
      { url: 'a.trace', sha256: createHash('sha256').update(trace).digest('hex'), name: 'lab/a.trace' },
    ]);
    http = createServer((req, res) => {
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          webhooks.push(body);
          res.end('ok');
        });
        return;
      }
      if (req.url === '/pinbench/traces.json') return res.end(manifest);
      if (req.url === '/pinbench/a.trace' || req.url === '/x.trace') return res.end(trace);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
    httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    subs = [
      [/db\.example\.org(:5432)?/g, `127.0.0.1:${pg.port}`],
      [/https:\/\/ci\.example\.org/g, httpBase],
      [/https:\/\/hooks\.example\.org\/\.\.\./g, `${httpBase}/hook`],
      [/https:\/\/host\//g, `${httpBase}/`],
      [/--size (1GiB|64MiB)/g, '--size 1MiB'],
      [/--port 8080/g, '--port 0'],
    ];

    // The working directory: traces, a checkout beside my-fix.ts, the config, inputs for ingest.
    symlinkSync(join(ROOT, 'traces'), join(work, 'traces'));
    symlinkSync(ROOT, join(work, 'pinbench'));
    const fix = readmeBlock('ts', /definePolicy/);
    writeFileSync(join(work, 'my-fix.ts'), fix);
    mkdirSync(join(work, 'patches'));
    writeFileSync(join(work, 'patches/my-fix.ts'), fix.replaceAll("'./pinbench/", "'../pinbench/"));
    mkdirSync(join(work, 'recordings/lab'), { recursive: true });
    writeFileSync(join(work, 'recordings/lab/b.trace.gz'), gzipSync(trace));
    let config = readmeBlock('json', /"sources"/);
    for (const [re, to] of subs) config = config.replace(re, to);
    writeFileSync(join(work, 'pinbench.config.json'), config);
    // ci/nightly.json: the same config one directory down (paths are relative to the file).
    mkdirSync(join(work, 'ci'));
    writeFileSync(join(work, 'ci/nightly.json'), config);
    for (const d of ['traces', 'recordings', 'patches']) symlinkSync(join(work, d), join(work, 'ci', d));
    copyFileSync(join(ROOT, 'traces/01-vfio-zero-ro.trace'), join(work, 'trace.txt'));
    copyFileSync(join(ROOT, 'traces/02-zero-movable.trace'), join(work, 'a.trace'));
    writeFileSync(join(work, 'b.trace.gz'), gzipSync(trace));
    // `npx pinbench` is this checkout's CLI on the Node running the tests.
    mkdirSync(join(work, '.bin'));
    writeFileSync(
      join(work, '.bin/npx'),
      `#!/bin/sh\nif [ "$1" = pinbench ]; then shift; exec "${process.execPath}" "${ROOT}bin/pinbench.js" "$@"; fi\n` +
        `echo "this test runs only npx pinbench, not npx $1" >&2; exit 127\n`,
    );
    chmodSync(join(work, '.bin/npx'), 0o755);
    Object.assign(env, {
      PATH: `${join(work, '.bin')}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: work,
      PINBENCH_DB_PASSWORD: 'SECRET',
      PINBENCH_WEBHOOK: `${httpBase}/hook`,
    });
  });

  afterAll(async () => {
    await new Promise((r) => (http ? http.close(r) : r(null)));
    await pg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  function shell(text: string): ChildProcess {
    return spawn('bash', ['-c', `exec ${text}`], { cwd: work, env, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** A divergence signature of the latest run in the working directory's database. */
  async function aSignature(): Promise<string> {
    const r = await runShell('npx pinbench export');
    const rec = r.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; signature?: string })
      .find((x) => x.type === 'divergence' && x.signature);
    if (!rec?.signature) throw new Error(`no divergence in the latest run: ${r.err}`);
    return rec.signature;
  }

  async function runShell(text: string): Promise<{ code: number | null; out: string; err: string }> {
    const child = shell(text);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      err += d;
    });
    // Commands reading `-` read a trace from standard input.
    child.stdin!.end(readFileSync(sample));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return { code, out, err };
  }

  /** `serve` runs until stopped: it must answer its URL, then stop cleanly on Ctrl-C. */
  async function serveOnce(text: string): Promise<void> {
    const child = shell(text);
    child.stdin!.end();
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (l) => {
        const u = /(http:\/\/\S+)/.exec(l)?.[1];
        if (u) resolve(u);
        else reject(new Error(l));
      });
      void exited.then((c) => reject(new Error(`serve exited ${c}: ${err}`)));
    });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/runs/');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }

  // `record` boots a kernel under TCG: 20-60 s on an idle machine, 100-200 s on a loaded one.
  const timeoutOf = (text: string): number => (/pinbench record\b/.test(text) ? 600_000 : 120_000);
  for (const ex of EXAMPLES) {
    const reason = NOT_RUN[ex.text];
    if (reason !== undefined) {
      it.skip(`${ex.text}  (not run: ${reason})`, () => {});
      continue;
    }
    it(
      `${ex.text}  -> exit ${ex.exit}`,
      async () => {
        let text = ex.text;
        for (const [re, to] of subs) text = text.replace(re, to);
        const exp = /^export (\w+)=(\S+)$/.exec(text);
        if (exp) {
          env[exp[1]!] = exp[2]!;
          return;
        }
        if (/ SIG /.test(text)) text = text.replace(' SIG ', ` ${await aSignature()} `);
        if (/^npx pinbench serve\b/.test(text)) return serveOnce(text);
        const r = await runShell(text);
        expect(r.err).not.toMatch(/internal error|PB_INTERNAL/);
        expect({ code: r.code, err: r.code === ex.exit ? '' : r.err }).toEqual({ code: ex.exit, err: '' });
      },
      timeoutOf(ex.text),
    );
  }

  it('covers every sh command of the README, and the nightly told its webhook', () => {
    expect(EXAMPLES.length).toBeGreaterThan(25);
    expect(EXAMPLES.filter((e) => NOT_RUN[e.text] !== undefined)).toHaveLength(Object.keys(NOT_RUN).length);
    expect(webhooks.length).toBeGreaterThan(0);
  });
});
