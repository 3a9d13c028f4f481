/**
 * SHA-256 of a file in a worker thread (sha256-worker.ts), for files big enough that the worker's
 * start-up (some 50-100 ms of CPU) pays off; smaller sources hash in line as their bytes stream
 * past (SHA-256 runs at ~1.5 GB/s here, about a third of the time of tokenizing).
 */
import { Worker } from 'node:worker_threads';

export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** Files at least this big are hashed in a worker. */
export const HASH_WORKER_MIN_BYTES = 128 << 20;

export interface PendingDigest {
  result: Promise<FileDigest>;
  /** Stops the worker (the ingest failed; nobody wants the digest any more). */
  cancel(): Promise<void>;
}

/** The parent's Node options minus those a worker refuses (`--input-type`, `-e <script>`). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++;
    else if (!/^--(input-type|eval|print)(=|$)/.test(a)) out.push(a);
  }
  return out;
}

export function sha256FileInWorker(path: string): PendingDigest {
  const worker = new Worker(new URL('./sha256-worker.ts', import.meta.url), {
    workerData: { path },
    execArgv: workerExecArgv(),
  });
  let settled = false;
  const result = new Promise<FileDigest>((resolve, reject) => {
    worker.once('message', (m: FileDigest) => {
      settled = true;
      resolve(m);
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`sha256 worker exited with code ${code} before a digest`));
    });
  });
  return {
    result,
    async cancel() {
      result.catch(() => {});
      await worker.terminate();
    },
  };
}
