/**
 * The content hash of a local trace file before it is replayed: a streamed trace's rows are
 * keyed by its content (traces.sha256) from the first scenario on, so the hash cannot wait for
 * the end of the replay. The same bytes ingest hashes (a gzip file's compressed bytes), so the
 * two must agree; run-job checks that they do. URLs and standard input are read once only:
 * they have no digest here and are stored whole at their end.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HASH_WORKER_MIN_BYTES, sha256FileInWorker } from '../ingest/sha256-file.ts';
import { sourceKind } from '../ingest/source-kind.ts';

export interface SourceDigest {
  sha256: string;
  bytes: number;
}

/** The digest of a regular local file; null for anything else (URL, `-`, a missing file). */
export async function sourceDigest(source: string): Promise<SourceDigest | null> {
  if (sourceKind(source) !== 'file') return null;
  const st = await stat(source).catch(() => null);
  if (!st?.isFile()) return null;
  if (st.size >= HASH_WORKER_MIN_BYTES) return sha256FileInWorker(source).result;
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(source)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}
