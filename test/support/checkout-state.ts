/**
 * What a test run may not change: the checkout's files as git sees them (tracked, untracked) and,
 * file by file, the ignored directories a pinbench command writes by default (`reports/`,
 * `.pinbench/`). `npm test` records this before the suite and compares after it
 * (checkout-guard.global.ts), so a test that writes a report, a database or a scratch file into the
 * checkout instead of a temp dir fails the run.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Ignored paths that tools other than pinbench write while tests run (dependencies, coverage). */
const NOT_OURS = ['node_modules/', 'coverage/'];

/** One line per path: `path\tgit status\tkind size mtime [-> link target]`. */
export type CheckoutState = Map<string, string>;

function fileStamp(abs: string): string {
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st) return 'missing';
  if (st.isSymbolicLink()) return `link -> ${readlinkSync(abs)} ${st.mtimeMs}`;
  if (st.isDirectory()) return 'dir';
  return `file ${st.size} ${st.mtimeMs}`;
}

/** Every file and symlink under `rel` (a directory of the checkout), recursively. */
function walk(root: string, rel: string, into: CheckoutState, status: string): void {
  const abs = join(root, rel);
  const st = lstatSync(abs, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    into.set(rel.replace(/\/$/, ''), `${status}\t${fileStamp(abs)}`);
    return;
  }
  into.set(rel.replace(/\/$/, ''), `${status}\tdir`);
  for (const name of readdirSync(abs)) walk(root, join(rel, name), into, status);
}

export function checkoutState(root: string): CheckoutState {
  const out = execFileSync('git', ['status', '--porcelain=v1', '-z', '-uall', '--ignored=matching'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const state: CheckoutState = new Map();
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    const status = entry.slice(0, 2);
    const path = entry.slice(3);
    // A rename's second field is the old path: status belongs to the new one.
    if (status[0] === 'R' || status[0] === 'C') i++;
    if (status === '!!') {
      if (NOT_OURS.some((p) => path === p || path.startsWith(p))) continue;
      walk(root, path, state, status);
    } else state.set(path.replace(/\/$/, ''), `${status}\t${fileStamp(join(root, path))}`);
  }
  return state;
}

/**
 * Human-readable differences, one line per path (`path: before -> after`); [] when nothing
 * changed. A path git does not list (tracked and unmodified, or absent) reads `clean or absent`.
 */
export function checkoutChanges(before: CheckoutState, after: CheckoutState): string[] {
  const show = (s: string | undefined) => (s === undefined ? 'clean or absent' : s.replace('\t', ' '));
  const lines: string[] = [];
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(path);
    const now = after.get(path);
    if (was !== now) lines.push(`${path}: ${show(was)} -> ${show(now)}`);
  }
  return lines.sort();
}
