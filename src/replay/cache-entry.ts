/**
 * One file of a content-addressed cache (check-cache.ts, read-trace-cache.ts): a header line
 * (format, key, length and SHA-256 of the body) and the body. An entry is trusted only whole
 * and under its own key: a truncated, grown or altered file, or one written under another key,
 * reads as absent. Writes go to a temporary file renamed into place, so a reader sees the old
 * entry or the new one, never half of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A value as JSON with object keys sorted at every level: one text (and so one cache key) for
 * equal settings whatever the order their keys were written in.
 */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function encodeCacheEntry(format: string, key: string, body: Uint8Array): Buffer {
  const header = JSON.stringify({
    v: format,
    key,
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  return Buffer.concat([Buffer.from(`${header}\n`), body]);
}

/** The body when the header names this format and key and the body is whole; else null. */
export function decodeCacheEntry(format: string, key: string, buf: Buffer): Buffer | null {
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  let header: { v?: unknown; key?: unknown; bytes?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as typeof header;
  } catch {
    return null;
  }
  const body = buf.subarray(nl + 1);
  if (header.v !== format || header.key !== key || header.bytes !== body.length) return null;
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) return null;
  return body;
}

/** The file's body, or null: absent ('absent') or damaged ('damaged'). */
export async function readCacheEntry(
  file: string,
  format: string,
  key: string,
): Promise<{ body: Buffer } | { body: null; why: 'absent' | 'damaged' }> {
  const buf = await readFile(file).catch(() => null);
  if (buf === null) return { body: null, why: 'absent' };
  const body = decodeCacheEntry(format, key, buf);
  return body === null ? { body: null, why: 'damaged' } : { body };
}

/** Temp file, then rename. False when it could not be written (the entry is only lost). */
export async function writeCacheEntry(
  file: string,
  format: string,
  key: string,
  body: Uint8Array,
): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, encodeCacheEntry(format, key, body));
    await rename(tmp, file);
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
    return false;
  }
}
