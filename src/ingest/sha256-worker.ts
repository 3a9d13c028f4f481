/**
 * Worker thread body for `sha256FileInWorker`: hashes a file beside the main thread's tokenizing,
 * so a large ingest pays for SHA-256 on the second core instead of in line (stack.md: 2 cores).
 * Reads into one reused buffer: the worker's memory stays flat whatever the file size.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';

const { path } = workerData as { path: string };
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
let bytes = 0;
const file = await open(path, 'r');
try {
  for (;;) {
    const { bytesRead } = await file.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    bytes += bytesRead;
  }
} finally {
  await file.close();
}
parentPort?.postMessage({ sha256: hash.digest('hex'), bytes });
