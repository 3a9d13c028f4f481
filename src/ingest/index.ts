/**
 * The ingest stage: bytes -> records, with no semantics beyond ftrace's own line structure.
 *
 * For other stages:
 * - `ingestSource(source, { onRecord })`: a path, gzip file, `-` or URL, streamed; every record
 *   (event or integrity marker) goes to `onRecord` synchronously, in file order; resolves to the
 *   stats (`IngestResult`).
 * - `iterateRecords(source)`: the same as an async iterator of record batches (one per chunk).
 * - `TraceTokenizer` (push bytes, get records) and `tokenizeBytes(bytes, {start, end, firstLine,
 *   layout})` (synchronous, for a line-aligned byte range, e.g. in a worker; see `lineRanges`).
 * - Payload helpers: `parseProbePayload`, `parseFunctionPayload`, `markerText`, `parseFields`.
 *
 * Strings in a record are cut from one decoded string per line, so a kept record holds only its
 * own line's text.
 */
import { type IngestOptions, type IngestResult, ingestSource } from './ingest-source.ts';
import type { TraceRecord } from './trace-record.ts';

export { expandTraceArgs, findCorpusFiles } from './corpus.ts';
export { parseFields } from './fields.ts';
export type { Download, HttpOptions } from './http-download.ts';
export { downloadToTemp } from './http-download.ts';
export { formatIngestResult, ingestResultJson } from './ingest-report.ts';
export type { IngestOptions, IngestResult, SourceKind } from './ingest-source.ts';
export { ingestSource, sourceKind } from './ingest-source.ts';
export type { RefusedLayout } from './layout.ts';
export { REFUSED_LAYOUTS, TRACE_DAT_MAGIC } from './layout.ts';
export type { FunctionPayload, ProbePayload } from './probe-payload.ts';
export { markerText, parseFunctionPayload, parseProbePayload } from './probe-payload.ts';
export { TraceEventRecord, TraceTimestamp, timestampValue } from './trace-event-record.ts';
export * from './trace-record.ts';
export type { ByteRange, TokenizerOptions, TokenizeSummary } from './trace-tokenizer.ts';
export { lineRanges, sniffLayout, TraceTokenizer, tokenizeBytes } from './trace-tokenizer.ts';

/**
 * Pull-style access: batches of records in file order (a batch per chunk of input, at most
 * `batchSize` records). The generator's return value is the `IngestResult`. Reading pauses while
 * a batch waits for the consumer, so memory stays bounded; leaving the loop early stops reading.
 * Prefer `ingestSource` with `onRecord` on hot paths (no promise per batch).
 */
export async function* iterateRecords(
  source: string,
  options: Omit<IngestOptions, 'onRecord' | 'onChunk'> & { batchSize?: number } = {},
): AsyncGenerator<TraceRecord[], IngestResult, undefined> {
  const batchSize = options.batchSize ?? 4096;
  const ready: TraceRecord[][] = [];
  let batch: TraceRecord[] = [];
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let finished = false;
  let stopped = false;
  const flush = () => {
    if (batch.length > 0) {
      ready.push(batch);
      batch = [];
    }
    wakeConsumer?.();
  };
  const run = ingestSource(source, {
    ...options,
    onRecord: (r) => {
      batch.push(r);
      if (batch.length >= batchSize) flush();
    },
    onChunk: async () => {
      flush();
      while (ready.length > 0 && !stopped) {
        await new Promise<void>((r) => {
          wakeProducer = r;
        });
      }
      if (stopped) throw new Error('iterateRecords: the consumer stopped reading');
    },
  }).finally(() => {
    finished = true;
    flush();
  });
  run.catch(() => {});
  try {
    for (;;) {
      const next = ready.shift();
      if (next !== undefined) {
        if (ready.length === 0) wakeProducer?.();
        yield next;
        continue;
      }
      if (finished) break;
      await new Promise<void>((r) => {
        wakeConsumer = r;
      });
      wakeConsumer = undefined;
    }
    return await run;
  } finally {
    stopped = true;
    wakeProducer?.();
  }
}
