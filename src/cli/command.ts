/**
 * A CLI command declared once as a table: its options make both the parser configuration and the
 * help text (the way vitest's `cli-config` does). Commands hold no logic: they parse, call the
 * programmatic API, print, and return an exit code.
 */
import { parseArgs } from 'node:util';
import { EXIT_CODE_HELP, UsageError } from '../errors.ts';
import { didYouMean } from './suggest.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One letter alias. */
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help for string options, e.g. `N` or `DIR`. */
  arg?: string;
  description: string;
  default?: string | boolean;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as shown in help, e.g. `<source...>`. */
  positionals?: string;
  /** Extra paragraphs for `pinbench help <command>`. */
  details?: string;
  options: Record<string, OptionSpec>;
  run(values: ParsedValues, positionals: string[], io: CommandIo): Promise<number>;
}

export function parseCommandArgs(
  cmd: Command,
  argv: string[],
): { values: ParsedValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(cmd.options)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const values: ParsedValues = { ...parsed.values };
    for (const [name, spec] of Object.entries(cmd.options)) {
      if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
    }
    return { values, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(parseArgsProblem(cmd, e as Error & { code?: string }));
  }
}

/** node:util parseArgs's complaint as a one-line message of ours, with a suggestion for a typo. */
function parseArgsProblem(cmd: Command, e: Error & { code?: string }): string {
  const names = ['help', ...Object.keys(cmd.options)];
  const quoted = /'(-[^' ,]*)/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    const bare = quoted.replace(/^-+/, '').replace(/=.*$/, '');
    const hint = didYouMean(bare, names).replace(/'([^']+)'/, "'--$1'");
    return `unknown option '${quoted}'${hint}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    const name = quoted.replace(/^-+/, '');
    const spec = cmd.options[name] ?? Object.values(cmd.options).find((o) => o.short === name);
    const long = spec ? `--${Object.keys(cmd.options).find((k) => cmd.options[k] === spec)}` : quoted;
    return spec?.type === 'string'
      ? `${long} needs a value (${long} ${spec.arg ?? 'VALUE'})`
      : `${long} takes no value`;
  }
  return e.message;
}

export function commandHelp(cmd: Command): string {
  const lines = [
    `Usage: pinbench ${cmd.name} [options]${cmd.positionals ? ` ${cmd.positionals}` : ''}`,
    '',
    cmd.summary,
  ];
  if (cmd.details) lines.push('', cmd.details.trim());
  lines.push('', 'Options:');
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(cmd.options)) {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.arg ?? 'VALUE'}` : ''}`;
    const extra = [
      spec.multiple ? 'repeatable' : '',
      spec.default !== undefined ? `default: ${spec.default}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    rows.push([flag, `${spec.description}${extra ? ` (${extra})` : ''}`]);
  }
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  lines.push('', EXIT_CODE_HELP);
  return `${lines.join('\n')}\n`;
}

/** Typed accessors so commands do not cast by hand. */
export function str(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
export function bool(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}
export function strs(values: ParsedValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];
}
export function int(values: ParsedValues, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number, got '${v}'`);
  return Number(v);
}
