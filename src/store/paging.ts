/**
 * Keyset pagination shared by the store's listings: a page of rows and the cursor of the next.
 * A keyset cursor is the last row's sort key, opaque to callers.
 */
import { StoreError } from '../errors.ts';

export interface Page<T> {
  rows: T[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface PageRequest {
  /** The `next` of the previous page. */
  after?: string | null;
  /** Rows per page (default 100, at most 10,000). */
  limit?: number;
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends unknown[]>(
  cursor: string | null | undefined,
  arity: number,
): T | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === arity) return key as T;
  } catch {}
  throw new StoreError('PB_STORE', `'${cursor}' is not a page cursor of this listing`);
}

export function pageLimit(req: PageRequest): number {
  return Math.max(1, Math.min(10_000, Math.floor(req.limit ?? 100)));
}

/**
 * The page made of rows fetched with `.limit(limit + 1)`: the extra row only says that there is
 * a next page, whose cursor is the last shown row's key.
 */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  key: (last: R) => unknown[],
  toRow: (r: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return { rows: shown.map(toRow), next: more && last !== undefined ? encodeCursor(key(last)) : null };
}
