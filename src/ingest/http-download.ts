/**
 * Fetches an `http(s)://` trace into a temporary file with undici, hashing as the bytes arrive.
 * Ingest starts only once the download is complete and checked, so a download that fails part way
 * never hands a single record to anyone.
 *
 * Timeouts are our own timers (`AbortController` + `setTimeout`), not undici's: stack.md measured
 * undici's short built-in timeouts firing late (500 ms at ~1 s). `headersTimeoutMs` runs from the
 * request to the response headers (it covers connecting); `bodyTimeoutMs` is the longest wait for
 * the next piece of body. Connection failures and 5xx answers are retried with exponential
 * backoff; 4xx, timeouts, size overruns and redirect loops are not.
 *
 * Neither gap timeout bounds a server that trickles a byte every few seconds, so a download also
 * has a total deadline (`deadlineMs`, over all attempts and backoffs), by default what `maxBytes`
 * takes at a minimum rate. A local write that fails (a full disk) is not the network: it fails at
 * once as an IoError (exit 3) instead of being retried. SIGINT/SIGTERM during a download remove
 * its temporary directory before the process dies of the signal.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// undici is imported when a download starts: every command reads traces through ingest, few
// fetch them over HTTP, and loading undici costs ~0.2 s of a command's start-up.
import type { Agent } from 'undici';
import { HttpError, IoError, isPinbenchError } from '../errors.ts';

export interface HttpOptions {
  /** Response headers must arrive within this (connecting included). Default 30 s. */
  headersTimeoutMs?: number;
  /** Longest silence between two pieces of body. Default 30 s. */
  bodyTimeoutMs?: number;
  /** TCP/TLS connect limit given to undici (coarse; `headersTimeoutMs` is the exact bound). Default 10 s. */
  connectTimeoutMs?: number;
  /** Largest body accepted, in bytes. Default 4 GiB. */
  maxBytes?: number;
  /**
   * The whole download (every attempt, redirect and backoff) must finish within this. Default
   * `defaultDeadlineMs(maxBytes)`: a minute plus `maxBytes` at 1 MiB/s.
   */
  deadlineMs?: number;
  /** Retries after the first attempt, on connection errors and 5xx. Default 3. */
  retries?: number;
  /** First backoff delay; doubles per retry (with jitter). Default 250 ms. */
  retryBaseMs?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Where the temporary directory goes. Default `os.tmpdir()`. */
  tmpDir?: string;
  /** When given, a download whose SHA-256 differs fails. */
  expectedSha256?: string;
  /** Aborts the download. */
  signal?: AbortSignal;
}

export interface Download {
  /** The temporary file holding the body. */
  path: string;
  bytes: number;
  sha256: string;
  /** The URL that answered 200, after redirects. */
  finalUrl: string;
  redirects: number;
  attempts: number;
  /** Deletes the temporary file and its directory. */
  cleanup(): Promise<void>;
}

/** Why an attempt failed, and whether another attempt may help. */
class AttemptError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.retryable = retryable;
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur instanceof Error; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return code;
    cur = cur.cause;
  }
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(e: unknown): string {
  const code = errorCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** The slowest transfer a default deadline allows for, in bytes per second. */
export const MIN_RATE_BYTES_PER_S = 1 << 20;

/** A minute for connecting and retries plus `maxBytes` at MIN_RATE_BYTES_PER_S. */
export function defaultDeadlineMs(maxBytes: number): number {
  return 60_000 + Math.ceil((maxBytes / MIN_RATE_BYTES_PER_S) * 1000);
}

/** Temporary directories of downloads in progress, removed if a signal ends the process. */
const inProgress = new Set<string>();

function onSignal(signal: NodeJS.Signals): void {
  for (const dir of inProgress) rmSync(dir, { recursive: true, force: true });
  inProgress.clear();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // Die of the signal as if we had not been listening, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function track(dir: string): () => void {
  if (inProgress.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  inProgress.add(dir);
  return () => {
    inProgress.delete(dir);
    if (inProgress.size === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/** A local file system failure (the download's own temp file): never retried, exit 3. */
function localFailure(e: unknown, dir: string): IoError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'no space left for the download: free space there, or set TMPDIR (or the cache directory) elsewhere'
      : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
        ? 'cannot write the download there: make it writable, or set TMPDIR (or the cache directory) elsewhere'
        : 'cannot write the download there';
  return new IoError(`${dir}: ${(e as Error)?.message ?? String(e)}: ${why}`, { cause: e });
}

export async function downloadToTemp(url: string, options: HttpOptions = {}): Promise<Download> {
  const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
  const deadlineMs = options.deadlineMs ?? defaultDeadlineMs(maxBytes);
  const deadline = new AbortController();
  const opts = {
    headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxBytes,
    retries: options.retries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 250,
    maxRedirects: options.maxRedirects ?? 5,
    signal: options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal,
    progress: { bytes: 0 },
  };
  let start: URL;
  try {
    start = new URL(url);
  } catch {
    throw new HttpError('PB_HTTP', 'not a valid URL', { location: { file: url } });
  }
  if (start.protocol !== 'http:' && start.protocol !== 'https:') {
    throw new HttpError('PB_HTTP', `unsupported protocol '${start.protocol}'`, { location: { file: url } });
  }
  const parent = options.tmpDir ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(join(parent, 'pinbench-dl-'));
  } catch (e) {
    throw localFailure(e, parent);
  }
  const untrack = track(dir);
  const path = join(dir, 'body');
  const cleanup = async () => {
    untrack();
    await rm(dir, { recursive: true, force: true });
  };
  const { Agent } = await import('undici');
  const agent = new Agent({ connect: { timeout: opts.connectTimeoutMs }, headersTimeout: 0, bodyTimeout: 0 });
  const deadlineHit = new AttemptError(
    `did not finish within ${deadlineMs} ms (the download's deadline)`,
    false,
  );
  const timer = setTimeout(() => deadline.abort(deadlineHit), deadlineMs);
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      opts.progress.bytes = 0;
      try {
        const got = await attempt(agent, start, path, opts);
        if (options.expectedSha256 && got.sha256 !== options.expectedSha256.toLowerCase()) {
          throw new AttemptError(
            `SHA-256 ${got.sha256} differs from the expected ${options.expectedSha256}`,
            false,
          );
        }
        return { path, ...got, attempts, cleanup };
      } catch (e) {
        if (isPinbenchError(e)) throw e;
        if (deadline.signal.aborted) {
          throw new AttemptError(
            `${deadlineHit.message} after ${opts.progress.bytes} body bytes` +
              (attempts > 1 ? ` (attempt ${attempts})` : ''),
            false,
          );
        }
        if (opts.signal?.aborted) throw new AttemptError(`aborted: ${describe(opts.signal.reason)}`, false);
        const retryable = e instanceof AttemptError ? e.retryable : RETRYABLE_CODES.has(errorCode(e) ?? '');
        if (!retryable || attempts > opts.retries) {
          const reason = e instanceof AttemptError ? e.message : describe(e);
          const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
          throw new AttemptError(`${reason}${tries}`, false, e);
        }
        const delay = opts.retryBaseMs * 2 ** (attempts - 1);
        await sleep(delay / 2 + Math.random() * (delay / 2), opts.signal);
      }
    }
  } catch (e) {
    await cleanup();
    if (isPinbenchError(e)) throw e;
    const reason =
      e instanceof AttemptError ? e.message : deadline.signal.aborted ? deadlineHit.message : describe(e);
    throw new HttpError('PB_HTTP', reason, { location: { file: url }, cause: e });
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
}

interface AttemptOptions {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  signal: AbortSignal | undefined;
  /** Body bytes of the current attempt so far (for the deadline's message). */
  progress: { bytes: number };
}

/** One attempt: follow redirects to a 200, then stream the body into `path`. */
async function attempt(
  agent: Agent,
  start: URL,
  path: string,
  opts: AttemptOptions,
): Promise<{ bytes: number; sha256: string; finalUrl: string; redirects: number }> {
  let current = start;
  let redirects = 0;
  for (;;) {
    const ac = new AbortController();
    const signal = opts.signal ? AbortSignal.any([ac.signal, opts.signal]) : ac.signal;
    const headersTimeout = new AttemptError(`no response headers within ${opts.headersTimeoutMs} ms`, false);
    const timer = setTimeout(() => ac.abort(headersTimeout), opts.headersTimeoutMs);
    let res: Awaited<ReturnType<typeof import('undici').request>>;
    try {
      const { request } = await import('undici');
      res = await request(current, { dispatcher: agent, method: 'GET', signal });
    } catch (e) {
      if (ac.signal.aborted) throw headersTimeout;
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const status = res.statusCode;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      await res.body.dump();
      redirects++;
      if (redirects > opts.maxRedirects) {
        throw new AttemptError(
          `too many redirects (more than ${opts.maxRedirects}), last to ${location}`,
          false,
        );
      }
      current = new URL(Array.isArray(location) ? location[0]! : location, current);
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new AttemptError(`redirect to unsupported protocol '${current.protocol}'`, false);
      }
      continue;
    }
    if (status !== 200) {
      await res.body.dump().catch(() => {});
      throw new AttemptError(
        `HTTP ${status}${current !== start ? ` from ${current.href}` : ''}`,
        status >= 500,
      );
    }
    const lengthHeader = res.headers['content-length'];
    const declared = typeof lengthHeader === 'string' ? Number(lengthHeader) : undefined;
    if (declared !== undefined && declared > opts.maxBytes) {
      res.body.on('error', () => {}); // destroying is the point; undici reports it as an abort
      res.body.destroy();
      throw new AttemptError(`Content-Length ${declared} exceeds the limit of ${opts.maxBytes} bytes`, false);
    }
    const body = await readBody(res.body, ac, path, opts, declared);
    if (declared !== undefined && body.bytes !== declared) {
      throw new AttemptError(`body ended after ${body.bytes} of ${declared} bytes`, true);
    }
    return { ...body, finalUrl: current.href, redirects };
  }
}

async function readBody(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  ac: AbortController,
  path: string,
  opts: AttemptOptions,
  declared: number | undefined,
): Promise<{ bytes: number; sha256: string }> {
  const bodyTimeout = new AttemptError(`no body data for ${opts.bodyTimeoutMs} ms (body timeout)`, false);
  const idle = setTimeout(() => {
    ac.abort(bodyTimeout);
    body.destroy(bodyTimeout);
  }, opts.bodyTimeoutMs);
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'w');
  } catch (e) {
    clearTimeout(idle);
    body.destroy();
    throw localFailure(e, path);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of body) {
      idle.refresh();
      bytes += chunk.length;
      opts.progress.bytes = bytes;
      if (bytes > opts.maxBytes) {
        throw new AttemptError(`body exceeds the limit of ${opts.maxBytes} bytes`, false);
      }
      hash.update(chunk);
      try {
        await file.write(chunk);
      } catch (e) {
        throw localFailure(e, path);
      }
    }
  } catch (e) {
    if (ac.signal.reason === bodyTimeout) throw bodyTimeout;
    if (e instanceof AttemptError || isPinbenchError(e)) throw e;
    // The bytes that did arrive, of how many were announced.
    const of = declared !== undefined && Number.isFinite(declared) ? ` of ${declared}` : '';
    throw new AttemptError(`connection failed after ${bytes}${of} body bytes: ${describe(e)}`, true, e);
  } finally {
    clearTimeout(idle);
    await file.close().catch(() => {});
  }
  return { bytes, sha256: hash.digest('hex') };
}
