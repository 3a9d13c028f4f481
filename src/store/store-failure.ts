/**
 * Turns what a failing database throws into a StoreFailure (exit 3) that names the directory or
 * server and says what to do: a full disk, a read-only or unwritable directory, corrupt data, a
 * server that went away or is restarting. Three shapes arrive here:
 *
 * - PostgreSQL errors (pg's and PGlite's `DatabaseError`) carry a SQLSTATE `code`:
 *   `could not extend file "base/5/16616": No space left on device` is 53100 (disk_full),
 *   `invalid page in block 3 of relation base/5/16420` is XX001 (data_corrupted).
 * - Node system errors carry an errno name: ENOSPC, EROFS, ECONNREFUSED, ...
 * - PGlite's file system layer (Emscripten) throws `ErrnoError { errno: 51 }` with no message at
 *   all, which used to surface as "undefined": its WASI errno numbers are mapped to names here.
 *
 * Anything else (a constraint violation, a syntax error in our SQL) is a bug, not the
 * environment, and passes through unchanged.
 */
import { isPinbenchError, StoreFailure } from '../errors.ts';
import type { BackendKind } from './store-backend.ts';

export interface StoreWhere {
  kind: BackendKind;
  /** The directory, or the URL without its password. */
  location: string;
}

/** Emscripten's (WASI) errno numbers, as PGlite's file system throws them. */
const WASI_ERRNO: Record<number, string> = {
  2: 'EACCES',
  19: 'EDQUOT',
  22: 'EFBIG',
  29: 'EIO',
  33: 'EMFILE',
  44: 'ENOENT',
  51: 'ENOSPC',
  63: 'EPERM',
  69: 'EROFS',
};

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOENT: 'a file of the database is missing',
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** pg's own messages for a connection that died; they have no code. */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout expired/i,
  /connection(?: was)? (?:closed|ended)/i,
  /terminating connection/i,
];

type Kind = 'disk-full' | 'read-only' | 'denied' | 'io' | 'corrupt' | 'gone' | 'memory';

function errnoName(e: unknown): string | undefined {
  const err = e as { code?: unknown; errno?: unknown; name?: unknown };
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) return err.code;
  if (err?.name === 'ErrnoError' && typeof err.errno === 'number')
    return WASI_ERRNO[err.errno] ?? `errno ${err.errno}`;
  return undefined;
}

/** The innermost system error in a chain of causes (and AggregateError members). */
function systemCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur; depth++) {
    const name = errnoName(cur);
    if (name) return name;
    const agg = (cur as { errors?: unknown[] }).errors;
    if (Array.isArray(agg) && agg.length > 0) {
      const inner = errnoName(agg[0]);
      if (inner) return inner;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function classify(e: unknown): Kind | null {
  const sqlstate = (e as { code?: unknown })?.code;
  // No SQLSTATE class starts with E, while errno names (EROFS, EPERM) can be five letters too.
  if (typeof sqlstate === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(sqlstate)) {
    if (sqlstate === '53100') return 'disk-full';
    if (sqlstate === '53200') return 'memory';
    if (sqlstate === '25006') return 'read-only';
    if (sqlstate === 'XX001' || sqlstate === 'XX002') return 'corrupt';
    if (sqlstate.startsWith('58')) return 'io';
    if (sqlstate.startsWith('08') || sqlstate.startsWith('57P')) return 'gone';
    return null;
  }
  const code = systemCode(e);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') return 'disk-full';
  if (code === 'EROFS') return 'read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  if (code === 'EIO' || code === 'EMFILE' || code === 'ENFILE' || code === 'ENOENT') return 'io';
  if (code && CONNECTION_CODES.has(code)) return 'gone';
  const message = (e as Error)?.message ?? '';
  if (CONNECTION_MESSAGES.some((re) => re.test(message))) return 'gone';
  return null;
}

/** What the error says, never "undefined": its message, else its errno name in words. */
export function failureText(e: unknown): string {
  const code = systemCode(e);
  const message = (e as Error)?.message;
  const words = code ? (ERRNO_TEXT[code] ?? code) : undefined;
  if (message && typeof message === 'string') {
    return code && !message.includes(code) && !/^\d/.test(code) ? `${message} (${code})` : message;
  }
  if (words) return code && words !== code ? `${words} (${code})` : words;
  const agg = (e as { errors?: { message?: string }[] })?.errors?.[0]?.message;
  if (agg) return agg;
  const s = String(e);
  return s === '[object Object]' ? JSON.stringify(e) : s;
}

function advice(kind: Kind, where: StoreWhere): string {
  const place = where.kind === 'pglite' ? `the filesystem holding ${where.location}` : 'the server';
  switch (kind) {
    case 'disk-full':
      return `free space on ${place}, then run the command again`;
    case 'memory':
      return 'free memory (or run with fewer --jobs), then run the command again';
    case 'read-only':
      return where.kind === 'pglite'
        ? `${where.location} is on a read-only file system: give --db a writable directory`
        : 'the server is read-only (a standby?): give --db a primary server';
    case 'denied':
      return `make ${where.location} and its parent writable by this user, or give --db another directory`;
    case 'io':
      return `check ${place} (dmesg), then run the command again`;
    case 'corrupt':
      return where.kind === 'pglite'
        ? `the database in ${where.location} is damaged: restore it from a backup, or move it aside and start a new one`
        : 'the database on the server is damaged: have its administrator check it';
    case 'gone':
      return 'check that the server runs and accepts connections, then run the command again';
  }
}

const HEADLINE: Record<Kind, string> = {
  'disk-full': 'out of disk space',
  memory: 'out of memory',
  'read-only': 'cannot write',
  denied: 'cannot write',
  io: 'I/O error',
  corrupt: 'corrupt data',
  gone: 'lost the connection',
};

/**
 * A StoreFailure for an environmental database error, else `e` unchanged. Errors that already
 * are pinbench errors pass through.
 */
export function storeFailure(e: unknown, where: StoreWhere): unknown {
  if (isPinbenchError(e)) return e;
  const kind = classify(e);
  if (kind === null) return e;
  const what =
    where.kind === 'pglite' ? `the database ${where.location}` : `the PostgreSQL server at ${where.location}`;
  return new StoreFailure(`${what}: ${HEADLINE[kind]}: ${failureText(e)}: ${advice(kind, where)}`, {
    cause: e,
  });
}
