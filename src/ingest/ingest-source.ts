/**
 * Sources -> the tokenizer: a path, a gzip file (detected by its magic bytes, whatever its name),
 * `-` for standard input, or an `http(s)://` URL (downloaded to a temporary file first, see
 * http-download.ts). Streams everything: memory stays bounded whatever the input size. Records
 * the SHA-256 of the source's bytes (the compressed bytes for gzip).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fileErrorCode, PinbenchError, TraceError } from '../errors.ts';
import { downloadToTemp, type HttpOptions } from './http-download.ts';
import { HASH_WORKER_MIN_BYTES, type PendingDigest, sha256FileInWorker } from './sha256-file.ts';
import { type SourceKind, sourceKind } from './source-kind.ts';
import type { TraceRecord } from './trace-record.ts';
import { type TokenizeSummary, TraceTokenizer } from './trace-tokenizer.ts';

export interface IngestOptions {
  /** How the source is named in messages and in the result (default: the source string). */
  name?: string;
  /** The first skipped line becomes a TraceError `file:line:col: ... [PB_TRACE_SYNTAX]`. */
  strict?: boolean;
  /** Called for every record (events and integrity markers) in file order. */
  onRecord?: (record: TraceRecord) => void;
  /** Called for every `#` line in file order (see TokenizerOptions). */
  onHashLine?: (text: string, line: number) => void;
  /** Standard input, for the source `-`. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** Download settings for URL sources. */
  http?: HttpOptions;
  /**
   * A gzip source may decompress to this many bytes at most (a small file can expand without
   * bound). Default `http.maxBytes`, else 4 GiB: the limit a download's own bytes have.
   */
  maxDecompressedBytes?: number;
  /** See TokenizerOptions. */
  maxLineBytes?: number;
  examplesPerReason?: number;
  /** Regular files at least this big are hashed in a worker thread beside tokenizing. Default 128 MiB. */
  hashInWorkerFrom?: number;
  /** Bytes per read from files. Default 1 MiB. */
  readChunkBytes?: number;
  /**
   * Called after each chunk of input has been tokenized; reading waits for a returned promise
   * (backpressure for pull-style consumers, see `iterateRecords`). A rejection stops the ingest.
   */
  onChunk?: () => void | Promise<void>;
}

export interface IngestResult extends TokenizeSummary {
  /** The source as given: a path, a URL, or `-`. */
  source: string;
  /** Bytes of the source itself (compressed size for gzip); what `sha256` covers. */
  bytes: number;
  sha256: string;
  /** The source was gzip-compressed. */
  compressed: boolean;
  durationMs: number;
  /** URL sources: where the bytes came from in the end. */
  download?: { finalUrl: string; redirects: number; attempts: number };
}

// Re-exported: callers that read sources name it from here.
export { type SourceKind, sourceKind };

const GZIP_MAGIC = [0x1f, 0x8b];
const DEFAULT_MAX_DECOMPRESSED = 4 * 1024 ** 3;
/** Compressions we do not stream, so the message can say what to run. */
const OTHER_COMPRESSIONS: [string, number[], string][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz -dk'],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd], 'zstd -d'],
  ['bzip2', [0x42, 0x5a, 0x68], 'bzip2 -dk'],
];

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((b, i) => head[i] === b);
}

/**
 * Reads one source to the end. Records go to `onRecord` as they are read; URL sources are
 * downloaded completely (and hashed) before the first record is read.
 */
export async function ingestSource(source: string, options: IngestOptions = {}): Promise<IngestResult> {
  const t0 = performance.now();
  const kind = sourceKind(source);
  const name = options.name ?? source;
  if (kind === 'url') {
    const dl = await downloadToTemp(source, options.http);
    try {
      const res = await ingestFile(dl.path, name, options, dl.sha256);
      res.download = { finalUrl: dl.finalUrl, redirects: dl.redirects, attempts: dl.attempts };
      res.durationMs = performance.now() - t0;
      return res;
    } finally {
      await dl.cleanup();
    }
  }
  if (kind === 'stdin') {
    const stdin = options.stdin ?? process.stdin;
    const readable = stdin instanceof Readable ? stdin : Readable.from(stdin as AsyncIterable<Buffer>);
    return finish(await ingestChunks(readable, name, options), t0);
  }
  return finish(await ingestFile(source, name, options), t0);
}

function finish(res: IngestResult, t0: number): IngestResult {
  res.durationMs = performance.now() - t0;
  return res;
}

async function ingestFile(
  path: string,
  name: string,
  options: IngestOptions,
  knownSha256?: string,
): Promise<IngestResult> {
  let size: number | undefined;
  try {
    const st = await stat(path);
    if (st.isDirectory())
      throw new PinbenchError('PB_USAGE', 'is a directory, not a trace', { location: { file: name } });
    if (st.isFile()) size = st.size;
  } catch (e) {
    if (e instanceof PinbenchError) throw e;
    throw ioError(name, e);
  }
  // Big regular files hash on the other core while this one tokenizes.
  const pending: PendingDigest | undefined =
    knownSha256 === undefined &&
    size !== undefined &&
    size >= (options.hashInWorkerFrom ?? HASH_WORKER_MIN_BYTES)
      ? sha256FileInWorker(path)
      : undefined;
  try {
    const stream = createReadStream(path, { highWaterMark: options.readChunkBytes ?? 1 << 20 });
    const res = await ingestChunks(stream, name, options, knownSha256 !== undefined || pending !== undefined);
    if (knownSha256 !== undefined) res.sha256 = knownSha256;
    if (pending !== undefined) {
      const digest = await pending.result.catch((e: unknown) => {
        throw new PinbenchError('PB_IO', `cannot hash: ${(e as Error)?.message ?? String(e)}`, {
          location: { file: name },
          cause: e,
        });
      });
      if (digest.bytes !== res.bytes) {
        throw new PinbenchError('PB_IO', `changed while being read (${digest.bytes} vs ${res.bytes} bytes)`, {
          location: { file: name },
        });
      }
      res.sha256 = digest.sha256;
    }
    return res;
  } catch (e) {
    await pending?.cancel();
    throw e;
  }
}

/**
 * The common path: raw chunks -> (hash) -> (gunzip) -> tokenizer. `hashElsewhere`: the caller
 * provides the digest, so none is computed here.
 */
async function ingestChunks(
  raw: Readable,
  name: string,
  options: IngestOptions,
  hashElsewhere = false,
): Promise<IngestResult> {
  const tok = new TraceTokenizer({
    file: name,
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(options.onRecord !== undefined ? { onRecord: options.onRecord } : {}),
    ...(options.onHashLine !== undefined ? { onHashLine: options.onHashLine } : {}),
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    ...(options.examplesPerReason !== undefined ? { examplesPerReason: options.examplesPerReason } : {}),
  });
  const hash: Hash | undefined = hashElsewhere ? undefined : createHash('sha256');
  let bytes = 0;
  let compressed = false;
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  /** The raw chunks, hashed and counted as they pass. */
  async function* rawChunks(first: Buffer): AsyncGenerator<Buffer> {
    yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      bytes += r.value.length;
      hash?.update(r.value);
      yield r.value;
    }
  }
  try {
    const first = await it.next();
    if (!first.done) {
      const head = first.value;
      bytes += head.length;
      hash?.update(head);
      for (const [kind, magic, cmd] of OTHER_COMPRESSIONS) {
        if (startsWith(head, magic)) {
          throw new TraceError(
            'PB_TRACE_REFUSED',
            `${kind}-compressed; decompress it first (\`${cmd} FILE\`)`,
            {
              location: { file: name },
            },
          );
        }
      }
      if (startsWith(head, GZIP_MAGIC)) {
        compressed = true;
        const limit = options.maxDecompressedBytes ?? options.http?.maxBytes ?? DEFAULT_MAX_DECOMPRESSED;
        await gunzipInto(tok, rawChunks(head), name, options.onChunk, limit);
      } else {
        const onChunk = options.onChunk;
        for await (const chunk of rawChunks(head)) {
          tok.push(chunk);
          if (onChunk !== undefined) await onChunk();
        }
      }
    }
  } catch (e) {
    raw.destroy();
    if (e instanceof PinbenchError) throw e;
    throw ioError(name, e);
  }
  const summary = tok.end();
  return {
    source: name,
    bytes,
    sha256: hash ? hash.digest('hex') : '',
    compressed,
    durationMs: 0,
    ...summary,
  };
}

/** Streams compressed chunks through gunzip into the tokenizer, with backpressure. */
async function gunzipInto(
  tok: TraceTokenizer,
  compressed: AsyncGenerator<Buffer>,
  name: string,
  onChunk: (() => void | Promise<void>) | undefined,
  maxBytes: number,
): Promise<void> {
  const gunzip = createGunzip();
  const input = Readable.from(compressed);
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  let out = 0;
  try {
    for await (const text of gunzip as AsyncIterable<Buffer>) {
      out += text.length;
      if (out > maxBytes) {
        throw new TraceError(
          'PB_TRACE_REFUSED',
          `decompresses to more than ${maxBytes} bytes (the size limit); decompress it yourself if it is meant to be this big`,
          { location: { file: name } },
        );
      }
      tok.push(text);
      if (onChunk !== undefined) await onChunk();
    }
  } catch (e) {
    if (e instanceof PinbenchError) throw e;
    const code = (e as { code?: string }).code;
    if (code?.startsWith('Z_')) {
      throw new PinbenchError('PB_TRACE_SYNTAX', `not valid gzip data: ${(e as Error).message}`, {
        location: { file: name },
      });
    }
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

function ioError(name: string, e: unknown): PinbenchError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err?.code === 'ENOENT'
      ? 'no such file'
      : err?.code === 'EACCES'
        ? 'permission denied'
        : err?.code === 'EISDIR'
          ? 'is a directory, not a trace'
          : (err?.message ?? String(e));
  return new PinbenchError(fileErrorCode(e), `cannot read: ${why}`, {
    location: { file: name },
    cause: e,
  });
}
