/**
 * Report directories are replaced wholesale (the old one is removed), so pinbench must be sure
 * that what it removes is a report it wrote. A `reports/latest` symlink to a directory elsewhere
 * once made pinbench mark that directory as a report, and a later `report --out` there deleted
 * files it had not written. So: symlinks are never followed when writing or replacing a report
 * directory (lstat, refused with a message, exit 2), and a directory is replaced only when it
 * holds a pinbench marker and nothing but what a report consists of.
 */
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PinbenchError } from '../errors.ts';
import { REPORT_MARKER } from './report-paths.ts';

/** The top-level entries of a report directory (report-paths.ts), and of reports/latest/. */
const REPORT_ENTRY =
  /^(index\.html|fidelity\.html|matrix(-release)?(-\d+)?\.html|divergences|d|k|m|kinds|policies|assets|data|\.pinbench-report)$/;

function refuse(path: string, why: string): never {
  throw new PinbenchError('PB_UNSAFE_PATH', `${path} ${why}`);
}

/** The directory's entries, or null when nothing is there; refuses symlinks and files. */
async function realDirEntries(dir: string): Promise<string[] | null> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (st.isSymbolicLink())
    refuse(dir, 'is a symbolic link: pinbench does not write or replace reports through links; remove it');
  if (!st.isDirectory()) refuse(dir, 'exists and is not a directory: give an empty or new directory');
  return readdir(dir);
}

/**
 * Refuses to replace `dir` unless it is new, empty, or a pinbench report and nothing else: a
 * real directory (no symlink), with a marker pinbench wrote and only report entries beside it.
 */
export async function checkReportDirReplaceable(dir: string): Promise<void> {
  const entries = await realDirEntries(dir);
  if (entries === null || entries.length === 0) return;
  let marker: unknown;
  try {
    marker = JSON.parse(await readFile(join(dir, REPORT_MARKER), 'utf8'));
  } catch {
    marker = null;
  }
  const m = marker as { run?: unknown; latest?: unknown } | null;
  if (typeof m?.run !== 'number' && typeof m?.latest !== 'number')
    refuse(dir, 'exists and is not a pinbench report: give an empty or new directory with --out');
  const foreign = entries.filter((e) => !REPORT_ENTRY.test(e));
  if (foreign.length) {
    refuse(
      dir,
      `holds files a pinbench report does not (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}): it will not be replaced; give an empty or new directory`,
    );
  }
}

/** `reports/latest/` ready for its redirect page: created, or a real directory of its own. */
export async function prepareLatestDir(dir: string): Promise<void> {
  const entries = await realDirEntries(dir);
  if (entries === null) {
    await mkdir(dir, { recursive: true });
    // Created just now by us; a link put in its place meanwhile is refused below.
  }
  const st = await lstat(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) refuse(dir, 'is not a real directory');
  const foreign = (entries ?? []).filter(
    (e) => e !== 'index.html' && e !== REPORT_MARKER && !e.startsWith('index.html.tmp-'),
  );
  if (foreign.length)
    refuse(dir, `holds files pinbench did not write there (${foreign.slice(0, 5).join(', ')}); remove them`);
}
