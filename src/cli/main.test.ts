import { describe, expect, it } from 'vitest';
import { captureIo } from '../../test/support/cli-io.ts';
import { UsageError } from '../errors.ts';
import type { Command } from './command.ts';
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
});
