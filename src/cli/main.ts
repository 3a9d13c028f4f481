/**
 * The CLI's top level: dispatches to a command, and is the only place that turns errors into
 * messages and exit codes (the table in errors.ts `EXIT`: 0 nothing fails, 1 failures found,
 * 2 bad input or usage, 3 the environment failed, 70 internal error).
 */
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_CODE_HELP, exitCodeOf, isPinbenchError, UsageError } from '../errors.ts';
import { type Command, type CommandIo, commandHelp, parseCommandArgs } from './command.ts';
import { COMMANDS, type LazyCommand } from './commands/index.ts';
import { didYouMean } from './suggest.ts';
import { escapingIo } from './terminal-stream.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function topHelp(commands: readonly Pick<Command, 'name' | 'summary'>[]): string {
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
    EXIT_CODE_HELP,
    '',
  ].join('\n');
}

/** What exit 3 asks of the user; --resume only where the command has it (`record` has not). */
function environmentHint(cmd: Command): string {
  const resume = 'resume' in cmd.options ? '; an interrupted run continues with --resume' : '';
  return `The environment failed (exit 3): fix the cause above and run the command again${resume}.\n`;
}
const REPORT_REQUEST =
  'This is a bug in pinbench (exit 70). Please report it with the command line and the output above.\n';

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
  rawIo: CommandIo = defaultIo(),
  commands: readonly (Command | LazyCommand)[] = COMMANDS,
): Promise<number> {
  // Whatever a command prints, no control character from a trace or a module reaches the terminal.
  const io = escapingIo(rawIo);
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const entry = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(entry ? commandHelp(await loaded(entry)) : topHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    const hint = didYouMean(
      first,
      commands.map((c) => c.name),
    );
    io.stderr.write(
      `pinbench: unknown command '${first}'${hint}. Run 'pinbench --help' for the list. [PB_USAGE]\n`,
    );
    return 2;
  }
  const cmd = await loaded(entry);
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help === true) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(values, positionals, io);
  } catch (e) {
    const code = exitCodeOf(e);
    if (isPinbenchError(e) && code !== EXIT.internal) {
      io.stderr.write(`pinbench ${cmd.name}: ${e.message}\n`);
      if (e instanceof UsageError) io.stderr.write(`Run 'pinbench ${cmd.name} --help' for usage.\n`);
      if (code === EXIT.environment) io.stderr.write(environmentHint(cmd));
      return code;
    }
    const what = isPinbenchError(e) ? e.message : ((e as Error)?.stack ?? String(e));
    io.stderr.write(`pinbench ${cmd.name}: internal error: ${what}\n${REPORT_REQUEST}`);
    return EXIT.internal;
  }
}

/** The command itself: a registry entry's module is imported only now. */
async function loaded(entry: Command | LazyCommand): Promise<Command> {
  return 'load' in entry ? entry.load() : entry;
}
