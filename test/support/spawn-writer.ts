/**
 * Starts `store-writer.ts` in a child process and follows its progress lines, so a test can
 * SIGKILL it at a chosen point: after N traces, after a random delay, or while it holds a lock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WriterArgs } from './store-writer.ts';

const WRITER = fileURLToPath(new URL('./store-writer.ts', import.meta.url));

export interface WriterChild {
  child: ChildProcess;
  pid: number;
  /** The run id once the writer printed it. */
  runId: number | null;
  /** Traces written so far (the highest `wrote <i>` + 1 in corpus order). */
  wrote: number;
  done: boolean;
  stderr: () => string;
  /** Resolves when a progress line satisfies `pred` (or rejects when the child exits first). */
  until(pred: (line: string) => boolean): Promise<string>;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export function spawnWriter(args: WriterArgs): WriterChild {
  const child = spawn(process.execPath, [WRITER, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const waiters: {
    pred: (l: string) => boolean;
    resolve: (l: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const w: WriterChild = {
    child,
    pid: child.pid!,
    runId: null,
    wrote: 0,
    done: false,
    stderr: () => err,
    until(pred) {
      return new Promise((resolve, reject) => waiters.push({ pred, resolve, reject }));
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    exited,
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [word, arg] = line.split(' ');
    if (word === 'run') w.runId = Number(arg);
    if (word === 'wrote') w.wrote = Math.max(w.wrote, Number(arg) + 1);
    if (word === 'done') w.done = true;
    for (const x of waiters.splice(0)) {
      if (x.pred(line)) x.resolve(line);
      else waiters.push(x);
    }
  });
  void exited.then((code) => {
    for (const x of waiters.splice(0)) x.reject(new Error(`writer exited (${code}) first: ${err}`));
  });
  return w;
}

/** A small deterministic PRNG (mulberry32), so a failing kill schedule can be replayed by seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
