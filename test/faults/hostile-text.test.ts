/**
 * Hostile terminal text: a trace whose scenario name, title, task names and markers hold ESC
 * sequences (cursor up + erase line, a window title, an OSC 52 clipboard write), CR, BEL, a C1
 * CSI and a bidi override. Through the real CLI in a child process, no such byte may reach
 * stdout or stderr of replay, check, run, report or diff, and the REGRESSION line stays whole.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { escapeTerminal, escapeTerminalBlock } from '../../src/terminal-text.ts';
import { captureIo } from '../support/cli-io.ts';

const exec = promisify(execFile);
const BIN = resolve('bin/pinbench.js');

const ESC = '\x1b';
const NAME = `hostile${ESC}[1A${ESC}[2K\r${ESC}]0;pwned\x07${ESC}]52;c;cHduZWQ=\x07\u202e\u009b31m`;
/** Anything a terminal acts on but newline and tab. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function hostileTrace(dir: string): string {
  let text = readFileSync(resolve('test/fixtures/xss-probe.trace'), 'utf8');
  text = text.replaceAll('<script>alert(1)</script>-77', `evil${ESC}[2J-77`);
  text = text.replace(/name="xss[^\n]*title="[^\n]*"/, `name="${NAME}" title="t${ESC}[32mPASS\r"`);
  text = text.replace('hello "dq"', `hello ${ESC}[8m\r`);
  const file = join(dir, 'hostile.trace');
  writeFileSync(file, text);
  return file;
}

/** The CLI in this process (the same output layer as bin/pinbench.js, which the check test spawns). */
async function inProcess(cwd: string, ...args: string[]) {
  const c = captureIo({ cwd });
  const code = await main(args, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

async function pinbench(cwd: string, ...args: string[]) {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function expectInert(r: { stdout: string; stderr: string }): void {
  expect(r.stdout).not.toMatch(CONTROL);
  expect(r.stderr).not.toMatch(CONTROL);
}

describe('escapeTerminal', () => {
  it('shows every control, bidi override and separator as a visible JSON-style escape', () => {
    expect(escapeTerminal(`a${ESC}[2Kb\rc\nd\te\u009b\u202e\u2066\u2028\x7f`)).toBe(
      'a\\u001b[2Kb\\rc\\nd\\te\\u009b\\u202e\\u2066\\u2028\\u007f',
    );
    expect(escapeTerminalBlock('line\n\tx\r')).toBe('line\n\tx\\r');
    // The escapes are JSON escapes: escaped JSON is still JSON and decodes to the same text.
    const json = JSON.stringify({ name: NAME });
    expect(JSON.parse(escapeTerminalBlock(json))).toEqual({ name: NAME });
    expect(escapeTerminal('plain ascii, ünïcödé, 日本')).toBe('plain ascii, ünïcödé, 日本');
  });
});

describe('hostile trace text through the CLI', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-hostile-text-'));
  const trace = hostileTrace(dir);

  it('check: the REGRESSION line is printed whole, with the name escaped; --json keeps the name', async () => {
    const r = await pinbench(
      dir,
      'check',
      '--candidate',
      'v6.0-rc1',
      '--baseline',
      'v5.19',
      '-j',
      '0',
      trace,
    );
    expect(r.code).toBe(1);
    expectInert(r);
    const line = r.stdout.split('\n').find((l) => l.startsWith('REGRESSION '));
    expect(line).toBe(`REGRESSION ${escapeTerminal(NAME)} (${trace}): baseline pass, candidate fail`);
    expect(r.stdout).toContain('hostile\\u001b[1A\\u001b[2K\\r\\u001b]0;pwned\\u0007');
    const json = await pinbench(
      dir,
      'check',
      '--candidate',
      'v6.0-rc1',
      '--baseline',
      'v5.19',
      '--json',
      trace,
    );
    expectInert(json);
    expect(JSON.parse(json.stdout).regressions[0].scenario).toBe(NAME);
  });

  it('replay, replay --json, run, report and diff print nothing a terminal acts on', async () => {
    const replay = await inProcess(dir, 'replay', '-j', '0', trace);
    expect(replay.code).toBe(0);
    expectInert(replay);
    expect(replay.stdout).toContain('hostile\\u001b[1A');
    const ndjson = await inProcess(dir, 'replay', '--json', '--policy', 'v5.19', trace);
    expectInert(ndjson);
    const verdict = ndjson.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((rec) => rec.type === 'verdict');
    expect(verdict.scenario).toBe(NAME);

    const db = join(dir, 'db');
    const run1 = await pinbench(
      dir,
      'run',
      '--db',
      db,
      '-j',
      '0',
      '--policy',
      'v5.19',
      '--policy',
      'v6.0-rc1',
      trace,
    );
    // v6.0-rc1 fails the probe's scenario and its header states no expected verdicts: an
    // unexpected failure, so `run` exits 1.
    expect(run1.code).toBe(1);
    expectInert(run1);
    const run2 = await inProcess(dir, 'run', '--db', db, '-j', '0', '--policy', 'v5.19', trace);
    expectInert(run2);
    const diff = await inProcess(dir, 'diff', '--db', db, '1', '2');
    expect(diff.code).toBe(0);
    expectInert(diff);
    expect(diff.stdout).toContain(escapeTerminal(NAME));
    const report = await inProcess(dir, 'report', '--db', db, '--format', 'terminal');
    expectInert(report);
  });
});
