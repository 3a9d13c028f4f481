/**
 * The identity hash of a policy's code: every file in the module graph of the modules that
 * define it (the family versions' files, a user's module), followed through relative imports.
 * Hashing the functions' own text (kernelHash) misses the helpers they call (the pinnable
 * ordering, gup-helpers), so a change there would never expire an accepted divergence; the
 * graph covers them. Files are hashed by content, in a canonical order, so the hash does not
 * depend on where the checkout lives.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `import ... from './x.ts'`, `export ... from '../y.ts'`, `import './z.ts'`, `import('./w.ts')`.
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * Files read by one walk of the graph. Scoped to the walk, not the module: a long-lived process
 * (serve, a nightly loop) must see a policy file edited since, or an acceptance would not expire.
 */
type FileHashes = Map<string, { hash: string; deps: string[] }>;

function readModule(fileHashes: FileHashes, path: string): { hash: string; deps: string[] } {
  const hit = fileHashes.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // A module that cannot be read (a built-in, a moved file) contributes its name only.
    text = `unreadable:${path}`;
  }
  const deps: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) deps.push(resolve(dirname(path), m[1]!));
  const entry = { hash: createHash('sha256').update(text).digest('hex'), deps };
  fileHashes.set(path, entry);
  return entry;
}

/** The files reachable from `entries` (paths or file URLs) through relative imports. */
export function moduleGraph(entries: readonly string[], files: FileHashes = new Map()): string[] {
  const seen = new Set<string>();
  const stack = entries.map((e) => (e.startsWith('file:') ? fileURLToPath(e) : e));
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    stack.push(...readModule(files, path).deps);
  }
  return [...seen];
}

/** sha256 over the content hashes of every file in the graph, sorted. */
export function moduleGraphHash(entries: readonly string[]): string {
  const h = createHash('sha256');
  const files: FileHashes = new Map();
  for (const fileHash of moduleGraph(entries, files)
    .map((p) => readModule(files, p).hash)
    .sort())
    h.update(fileHash).update('\n');
  return h.digest('hex');
}
