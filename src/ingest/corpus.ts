/**
 * The shipped corpus: every trace file under a directory (recursive), in a stable order; and the
 * trace files a command line names (files, and directories standing for the traces in them).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileErrorCode, PinbenchError } from '../errors.ts';

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

/** Whether an argument names a stream or a download rather than a local path. */
function isStreamOrUrl(arg: string): boolean {
  return arg === '-' || /^https?:\/\//i.test(arg);
}

/**
 * The trace files a command line names: each file as given, each directory as the corpus files
 * under it (recursive, as `findCorpusFiles`, named by joining the argument and their path below
 * it, so `traces/` gives `traces/01-vfio-zero-ro.trace`), `-` and http(s) URLs untouched. Every
 * local path must exist before any work starts: a missing one, or a directory without trace
 * files, is bad input naming the argument. Duplicates after expansion are dropped.
 */
export async function expandTraceArgs(args: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    if (isStreamOrUrl(arg)) {
      out.push(arg);
      continue;
    }
    const abs = resolve(cwd, arg);
    const st = await stat(abs).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw new PinbenchError(fileErrorCode(e), `cannot read: ${e.message}`, {
        location: { file: arg },
        cause: e,
      });
    });
    // A path that names nothing is a wrong argument (exit 2), not the environment failing.
    if (!st) throw new PinbenchError('PB_USAGE', 'cannot read: no such file', { location: { file: arg } });
    if (!st.isDirectory()) {
      out.push(arg);
      continue;
    }
    const files = await findCorpusFiles(abs);
    if (files.length === 0) {
      throw new PinbenchError(
        'PB_USAGE',
        `no trace files (${CORPUS_SUFFIXES.join(', ')}) in this directory`,
        {
          location: { file: arg },
        },
      );
    }
    for (const f of files) out.push(join(arg, relative(abs, f)));
  }
  return [...new Set(out)];
}
