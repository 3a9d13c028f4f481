/**
 * One base error with a stable `code` that callers (and tests, and the CLI's exit-code logic)
 * match on, in the manner of undici's `lib/core/errors.js`. Messages that point into input are
 * compiler-style: `file:line:col: message [CODE]`.
 */

export const ERROR_CODES = [
  'PB_USAGE',
  'PB_IO',
  'PB_HTTP',
  'PB_TRACE_SYNTAX',
  'PB_TRACE_LAYOUT',
  'PB_TRACE_REFUSED',
  'PB_EVENT_FIELD',
  'PB_EVENT_UNKNOWN',
  'PB_POLICY',
  'PB_POLICY_LOAD',
  'PB_CONFIG',
  'PB_STORE',
  'PB_STORE_LOCKED',
  'PB_STORE_SCHEMA',
  /** A path pinbench will not write or replace through (a symlink, a directory it did not write). */
  'PB_UNSAFE_PATH',
  'PB_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where in an input something went wrong; every part is optional but `file`. */
export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.col !== undefined) s += `:${loc.col}`;
  return s;
}

export class PinbenchError extends Error {
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  /** The bare message, without location prefix or code suffix. */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options: { location?: SourceLocation; cause?: unknown } = {}) {
    const where = options.location ? `${formatLocation(options.location)}: ` : '';
    super(`${where}${detail} [${code}]`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location;
    this.detail = detail;
  }
}

/** Bad command line: exit code 2 with the help hint. */
export class UsageError extends PinbenchError {
  constructor(detail: string) {
    super('PB_USAGE', detail);
  }
}

/** Trace text that cannot be read: syntax, layout, refused formats. */
export class TraceError extends PinbenchError {}

/** A model event whose fields are wrong: unknown flag, missing pfn, bad number. */
export class EventError extends PinbenchError {}

/** A policy module that is malformed or cannot be loaded. */
export class PolicyError extends PinbenchError {}

/** Configuration files and `--config` overrides. */
export class ConfigError extends PinbenchError {}

/** Database problems: unreachable server, locked data directory, newer schema. */
export class StoreError extends PinbenchError {}

/**
 * The database failed under us rather than being asked something wrong: disk full, read-only or
 * unwritable directory, server unreachable or restarting, corrupt data. `PB_STORE`, exit 3; the
 * message names the directory or server and what to do.
 */
export class StoreFailure extends StoreError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('PB_STORE', detail, options);
  }
}

/** Network fetches of traces and manifests. */
export class HttpError extends PinbenchError {}

/**
 * The machine failed us: a full disk, a read-only or unwritable directory, an I/O error. Always
 * `PB_IO`; the message names the path and what to do about it.
 */
export class IoError extends PinbenchError {
  constructor(detail: string, options: { location?: SourceLocation; cause?: unknown } = {}) {
    super('PB_IO', detail, options);
  }
}

export function isPinbenchError(e: unknown): e is PinbenchError {
  return e instanceof PinbenchError;
}

/**
 * The exit codes of every command (README "Exit codes"; `--help`). Only the CLI's top level and
 * the commands' own results use them.
 */
export const EXIT = {
  /** The job ran and found nothing that fails. */
  ok: 0,
  /** The job found failures (run/nightly: unexpected failures or new regressions; check: regressions). */
  failures: 1,
  /** Bad input or usage: a file, field, option or policy module; any scenario with verdict `error`. */
  badInput: 2,
  /** The environment failed: disk, database, network. A run stays resumable. */
  environment: 3,
  /** An internal error in pinbench (EX_SOFTWARE). */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Codes that say the environment failed rather than the input being wrong. */
const ENVIRONMENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'PB_IO',
  'PB_HTTP',
  'PB_STORE',
  'PB_STORE_LOCKED',
]);

/**
 * The exit code an error ends a command with (non-Pinbench errors are internal). A `PB_STORE`
 * error is the environment failing when the database or its server failed underneath it (it
 * carries that failure as its `cause`); without a cause it is about what was asked of the
 * store (`no run 99`, a bad page cursor, a finished run to resume): bad input.
 */
export function exitCodeOf(e: unknown): ExitCode {
  if (!isPinbenchError(e)) return EXIT.internal;
  if (isEnvironmentError(e)) return EXIT.environment;
  if (e.code === 'PB_STORE' && e.cause === undefined) return EXIT.badInput;
  return exitCodeOfCode(e.code);
}

export function exitCodeOfCode(code: string): ExitCode {
  if (code === 'PB_INTERNAL') return EXIT.internal;
  return ENVIRONMENT_CODES.has(code as ErrorCode) ? EXIT.environment : EXIT.badInput;
}

/** Combines exit codes of parts of one job: the most serious wins (70 > 3 > 2 > 1 > 0). */
export function worstExit(...codes: ExitCode[]): ExitCode {
  const rank: ExitCode[] = [EXIT.ok, EXIT.failures, EXIT.badInput, EXIT.environment, EXIT.internal];
  return codes.reduce<ExitCode>((a, b) => (rank.indexOf(b) > rank.indexOf(a) ? b : a), EXIT.ok);
}

/** The table printed by `--help` and kept in the README. */
export const EXIT_CODE_HELP = [
  'Exit codes:',
  '  0   the job ran and found nothing that fails (inconclusive scenarios are counted, never fail)',
  '  1   failures found: run/nightly unexpected failures or new regressions; check regressions',
  '  2   bad input or usage: a file, field, option or policy module; any scenario with verdict error',
  '  3   the environment failed (disk, database, network); a run stays resumable',
  '  70  internal error in pinbench: please report it with the command and its output',
].join('\n');

/**
 * The code for a failed file operation: a path that names nothing usable (`ENOENT`, `ENOTDIR`,
 * `EISDIR`...) is a wrong argument, `PB_USAGE` (exit 2); anything else (`ENOSPC`, `EIO`, `EACCES`
 * on a directory the user does not own...) is the environment failing, `PB_IO` (exit 3).
 */
export function fileErrorCode(e: unknown): 'PB_USAGE' | 'PB_IO' {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && WRONG_PATH_ERRNOS.has(code) ? 'PB_USAGE' : 'PB_IO';
}
const WRONG_PATH_ERRNOS: ReadonlySet<string> = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'ELOOP',
]);

/**
 * Whether the environment failed (disk, database, network) rather than the input: exit 3, and
 * whatever was being written stays resumable. `PB_IO` and `PB_STORE` also name bad input (no such
 * trace, no run 7), so the class decides, not the code.
 */
export function isEnvironmentError(e: unknown): boolean {
  return (
    e instanceof IoError ||
    e instanceof StoreFailure ||
    e instanceof HttpError ||
    (e instanceof PinbenchError && e.code === 'PB_STORE_LOCKED')
  );
}
