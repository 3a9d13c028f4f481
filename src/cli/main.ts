/**
 * The CLI's top level: dispatches to a command, and is the only place that turns errors into
 * messages and exit codes (0 success, 1 the job found failures, 2 bad input or usage).
 */
import { readFileSync } from 'node:fs';
import { isEnvironmentError, isPinbenchError } from '../errors.ts';
import { type Command, type CommandIo, commandHelp, parseCommandArgs } from './command.ts';
import { COMMANDS } from './commands/index.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function topHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'pinbench: replay kernel traces against versioned models of the page-pinning logic and report where they diverge.',
    '',
    'Usage: pinbench <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    '  -h, --help     Show help (also: pinbench <command> --help)',
    '  -V, --version  Print the version',
    '',
    'Exit codes: 0 success, 1 the job ran and found failures (regressions), 2 bad input or usage.',
    '',
  ].join('\n');
}

export function defaultIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

export async function main(
  argv: string[],
  io: CommandIo = defaultIo(),
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(target ? commandHelp(target) : topHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    io.stderr.write(`pinbench: unknown command '${first}'. Run 'pinbench --help' for the list. [PB_USAGE]\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(values, positionals, io);
  } catch (e) {
    if (isPinbenchError(e)) {
      io.stderr.write(`pinbench ${cmd.name}: ${e.message}\n`);
      if (e.code === 'PB_USAGE') io.stderr.write(`Run 'pinbench ${cmd.name} --help' for usage.\n`);
      if (isEnvironmentError(e)) return 3;
      return e.code === 'PB_INTERNAL' ? 70 : 2;
    }
    io.stderr.write(`pinbench ${cmd.name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}
