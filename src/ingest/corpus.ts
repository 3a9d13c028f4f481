/**
 * The shipped corpus: every trace file under a directory (recursive), in a stable order.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** File names the corpus is made of. */
export const CORPUS_SUFFIXES = ['.trace', '.txt', '.trace.gz'] as const;

/** Paths (joined onto `dir`) of the corpus files under `dir`, sorted; [] when `dir` does not exist. */
export async function findCorpusFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile() && CORPUS_SUFFIXES.some((s) => d.name.endsWith(s)))
      .map((d) => join(d.parentPath, d.name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.map((p) => join(dir, relative(dir, p))).sort();
}
