import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../../test/support/cli-io.ts';
import { IoError, PinbenchError, StoreError, UsageError } from '../errors.ts';
import type { Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { main } from './main.ts';

function capture() {
  return captureIo();
}

const echo: Command = {
  name: 'echo',
  summary: 'Echo positionals',
  positionals: '<word...>',
  options: { upper: { type: 'boolean', description: 'Upper-case' } },
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError('needs a word');
    const s = positionals.join(' ');
    io.stdout.write(`${values.upper ? s.toUpperCase() : s}\n`);
    return 0;
  },
};

describe('cli main', () => {
  it('prints the version from package.json', async () => {
    const c = capture();
    expect(await main(['--version'], c.io, [echo])).toBe(0);
    expect(c.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
  it('lists commands in --help and per-command options in <cmd> --help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io, [echo])).toBe(0);
    expect(c.out()).toContain('echo');
    const d = capture();
    expect(await main(['echo', '--help'], d.io, [echo])).toBe(0);
    expect(d.out()).toContain('--upper');
  });
  it('runs a command with options', async () => {
    const c = capture();
    expect(await main(['echo', '--upper', 'a', 'b'], c.io, [echo])).toBe(0);
    expect(c.out()).toBe('A B\n');
  });
  it('maps usage errors and unknown options to exit 2 with a code', async () => {
    const c = capture();
    expect(await main(['echo'], c.io, [echo])).toBe(2);
    expect(c.err()).toContain('[PB_USAGE]');
    const d = capture();
    expect(await main(['echo', '--nope', 'x'], d.io, [echo])).toBe(2);
    const e = capture();
    expect(await main(['frobnicate'], e.io, [echo])).toBe(2);
    expect(e.err()).toContain("unknown command 'frobnicate'");
  });

  it('exit 3 points to --resume only where the command has it', async () => {
    const failing = (name: string, options: Command['options']): Command => ({
      name,
      summary: 'fails',
      options,
      async run() {
        throw new IoError('no Debian kernel matches debian:bullseye');
      },
    });
    const c = capture();
    expect(await main(['record'], c.io, [failing('record', {})])).toBe(3);
    expect(c.err()).toContain(
      'The environment failed (exit 3): fix the cause above and run the command again.\n',
    );
    expect(c.err()).not.toContain('--resume');
    const d = capture();
    const run = failing('run', { resume: { type: 'string', arg: 'RUN', description: 'Finish a run' } });
    expect(await main(['run'], d.io, [run])).toBe(3);
    expect(d.err()).toContain('an interrupted run continues with --resume.');
  });

  it('lists each command by the summary its own module declares (loaded only when it runs)', async () => {
    for (const entry of COMMANDS) {
      const cmd = await entry.load();
      expect(cmd.name).toBe(entry.name);
      expect(cmd.summary, entry.name).toBe(entry.summary);
    }
  });

  it('documents the exit-code table in the top-level help and every command help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const code of ['0 ', '1 ', '2 ', '3 ', '70 ']) expect(c.out()).toContain(`\n  ${code}`);
    for (const cmd of COMMANDS) {
      const d = capture();
      expect(await main([cmd.name, '--help'], d.io), cmd.name).toBe(0);
      expect(d.out(), cmd.name).toContain('Exit codes:\n  0   ');
      expect(d.out(), cmd.name).toContain('\n  3   the environment failed');
      expect(d.out(), cmd.name).toContain('\n  70  internal error');
    }
  });

  it('maps errors to the table: usage 2, environment 3 with what to do, internal 70 with a request to report', async () => {
    const throwing = (e: unknown): Command => ({
      name: 'boom',
      summary: 'Throws',
      options: {},
      async run() {
        throw e;
      },
    });
    const run = async (e: unknown) => {
      const c = capture();
      const code = await main(['boom'], c.io, [throwing(e)]);
      return { code, err: c.err() };
    };
    const disk = await run(
      new StoreError('PB_STORE', 'cannot write /x: no space left', { cause: new Error('ENOSPC') }),
    );
    expect(disk.code).toBe(3);
    expect(disk.err).toContain('cannot write /x: no space left [PB_STORE]');
    expect(disk.err).toContain('fix the cause above and run the command again');
    expect((await run(new PinbenchError('PB_IO', 'read failed'))).code).toBe(3);
    expect((await run(new PinbenchError('PB_HTTP', 'connection refused'))).code).toBe(3);
    // A store error about what was asked (no such run) is bad input, not the environment.
    expect((await run(new StoreError('PB_STORE', 'no run 99'))).code).toBe(2);
    expect((await run(new PinbenchError('PB_EVENT_FIELD', 'bad'))).code).toBe(2);
    const internal = await run(new TypeError('x is undefined'));
    expect(internal.code).toBe(70);
    expect(internal.err).toContain('internal error: TypeError: x is undefined');
    expect(internal.err).toContain('Please report it');
    expect((await run(new PinbenchError('PB_INTERNAL', 'worker died'))).code).toBe(70);
  });

  it('--db naming a regular file is bad input with a message, not an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbench-db-file-'));
    const file = join(dir, 'db');
    writeFileSync(file, 'not a database');
    const c = captureIo({ cwd: dir });
    expect(await main(['runs', '--db', file], c.io)).toBe(2);
    expect(c.err()).toBe(
      `pinbench runs: --db: ${file} is a file, not a database directory: give a new or empty directory, the directory of a pinbench database, or a postgres:// URL [PB_USAGE]\n`,
    );
  });
});
