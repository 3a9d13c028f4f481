/**
 * `pinbench serve` on an embedded database does not keep other commands out (issue 12): with
 * serve running as its own process, `runs` and `run` work on the same directory, serve shows the
 * new run on a later request, and while another process holds the database serve keeps
 * answering from its last snapshot.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { captureIo } from './support/cli-io.ts';
import { spawnWriter } from './support/spawn-writer.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/pinbench.js');
const tmp = mkdtempSync(join(tmpdir(), 'pinbench-serve-lock-'));
const db = join(tmp, 'db');
let serve: ChildProcess | null = null;

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const gone = new Promise((r) => serve!.once('close', r));
    serve.kill('SIGTERM');
    await gone;
  }
  rmSync(tmp, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const c = captureIo({ cwd: tmp });
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

const RUN = [
  'run',
  `${ROOT}/traces/01-vfio-zero-ro.trace`,
  '--db',
  db,
  '--no-report',
  '-j',
  '0',
  '--policy',
  'v5.19',
];

/** Starts `pinbench serve --port 0` and resolves with its URL (from its first line). */
function startServe(): Promise<string> {
  serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], {
    cwd: tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  serve.stderr!.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: serve!.stdout! }).once('line', (line) => {
      const url = /(http:\/\/\S+)/.exec(line)?.[1];
      if (url) resolve(url);
      else reject(new Error(`unexpected first line from serve: ${line}`));
    });
    serve!.once('close', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function page(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('serve shares an embedded database', () => {
  it('runs and run work while serve runs; serve sees the new run; a writer does not stop serve', async () => {
    expect((await cli(...RUN)).code).toBe(0);
    const url = await startServe();
    expect(await page(url)).toContain('runs/1/');
    // The lock is free while serve waits for requests.
    expect(existsSync(`${db}.lock`)).toBe(false);

    const runs = await cli('runs', '--db', db);
    expect(runs.err).toBe('');
    expect(runs.code).toBe(0);
    expect(runs.out).toMatch(/^\s*1\s/m);
    const second = await cli(...RUN);
    expect(second.err).not.toContain('PB_STORE_LOCKED');
    expect(second.code).toBe(0);

    // A later request (snapshots are looked at once a second) shows run 2.
    await sleep(1100);
    expect(await page(url)).toContain('runs/2/');
    expect(await page(`${url}runs/2/`)).toContain('01-vfio-zero-ro.trace');

    // Another process holds the database: serve answers from its snapshot all the same.
    const holder = spawnWriter({ db, mode: 'hold' });
    try {
      await holder.until((l) => l.startsWith('open '));
      await sleep(1100);
      expect(await page(url)).toContain('runs/2/');
    } finally {
      await holder.kill();
    }

    // Stopping serve removes its snapshots.
    const pid = serve!.pid!;
    const gone = new Promise((r) => serve!.once('close', r));
    serve!.kill('SIGTERM');
    await gone;
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`pinbench-serve-${pid}-`))).toEqual([]);
  });
});
