/**
 * The shipped corpus: every trace file under a directory (recursive), in a stable order.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** File names the corpus is made of. */
export const CORPUS_SUFFIXES = ['.trace', '.txt', '.trace.gz'] as const;

/**
 * Metadata recorded beside a trace, `<stem>.<kind>.txt` (probe definitions, the guest's uname
 * and mounts): read by adapters, never traces themselves.
 */
export const SIDECAR_SUFFIXES = ['.probes.txt', '.guest-info.txt'] as const;

export function isCorpusFile(name: string): boolean {
  return CORPUS_SUFFIXES.some((s) => name.endsWith(s)) && !SIDECAR_SUFFIXES.some((s) => name.endsWith(s));
}

/** Paths (joined onto `dir`) of the corpus files under `dir`, sorted; [] when `dir` does not exist. */
export async function findCorpusFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile() && isCorpusFile(d.name))
      .map((d) => join(d.parentPath, d.name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.map((p) => join(dir, relative(dir, p))).sort();
}
