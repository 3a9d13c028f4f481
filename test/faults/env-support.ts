/**
 * What the environment fault suites share: small tmpfs mounts (a disk that fills up), read-only
 * bind mounts (root ignores permission bits, so `chmod` cannot make a read-only directory for
 * it), and the CLI as a child process with a hard time limit (a hang is a finding, never a stuck
 * test run).
 *
 * Mounting needs root (or CAP_SYS_ADMIN); without it `mountSkipReason()` says why and the suites
 * that need a real full or read-only disk skip. Every mount is lazily unmounted by
 * `unmountAll()` (call it in afterEach/afterAll) and, failing that, when the test process exits.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/pinbench.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Kill rounds and similar repetitions: a few by default, `PINBENCH_FAULT_ROUNDS` for more. */
export function faultRounds(byDefault: number): number {
  const n = Number(process.env.PINBENCH_FAULT_ROUNDS);
  return Number.isInteger(n) && n > 0 ? n : byDefault;
}

const mounts: string[] = [];

function umount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {}
}

process.on('exit', () => {
  for (const m of mounts.splice(0).reverse()) umount(m);
});

let skipReason: string | null | undefined;

/** Why mounting is impossible here, or null when the suites can mount. */
export function mountSkipReason(): string | null {
  if (skipReason !== undefined) return skipReason;
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-mnt-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    umount(dir);
    skipReason = null;
  } catch (e) {
    skipReason = `cannot mount a tmpfs here (needs root): ${(e as Error).message.split('\n')[0]}`;
  }
  rmSync(dir, { recursive: true, force: true });
  return skipReason;
}

/** A fresh tmpfs of `size` (e.g. '4m') at a new temporary directory. */
export function mountTmpfs(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

/** Changes a tmpfs's size in place (a disk that got bigger: the same files stay). */
export function resizeTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
}

/** `src` seen read-only at a new temporary directory (a bind mount remounted ro). */
export function bindReadOnly(src: string, at?: string): string {
  const dir = at ?? mkdtempSync(join(tmpdir(), 'pinbench-ro-'));
  execFileSync('mount', ['--bind', src, dir], { stdio: 'pipe' });
  mounts.push(dir);
  execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'pipe' });
  return dir;
}

/** Unmounts everything mounted so far, newest first, and removes the mount points it made. */
export function unmountAll(): void {
  for (const m of mounts.splice(0).reverse()) {
    umount(m);
    try {
      rmSync(m, { recursive: true, force: true });
    } catch {}
  }
}

/** Fills `dir`'s file system up to `leaveKb` free kilobytes. */
export function fillDisk(dir: string, leaveKb: number): string {
  const avail = Number(
    execFileSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n').pop(),
  );
  const file = join(dir, 'filler');
  const kb = Math.max(avail - leaveKb, 0);
  if (kb > 0) execFileSync('fallocate', ['-l', `${kb}k`, file]);
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** The child was still running at the time limit and was killed: a hang. */
  timedOut: boolean;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with the child once it runs (to kill it at a chosen moment). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
  /** Called with every piece of stderr as it arrives. */
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
}

/** `pinbench <args>` as a child process, killed (and reported timedOut) after `timeoutMs`. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
      opts.onStderr?.(String(d), child);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 45_000);
    opts.onSpawn?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, timedOut });
    });
  });
}
