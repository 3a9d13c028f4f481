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
