/** In-process CLI runs for tests: `main()` with captured output and a chosen cwd, env and stdin. */
import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../src/cli/command.ts';

export interface CapturedIo {
  io: CommandIo;
  out: () => string;
  err: () => string;
}

export function captureIo(
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream } = {},
): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => {
    o += d;
  });
  stderr.on('data', (d) => {
    e += d;
  });
  const io: CommandIo = {
    stdout,
    stderr,
    stdin: opts.stdin ?? new PassThrough(),
    // No env given: nothing of the user's (no check results kept in ~/.cache/pinbench).
    env: opts.env ?? { PINBENCH_CHECK_CACHE: 'off' },
    cwd: opts.cwd ?? process.cwd(),
  };
  return { io, out: () => o, err: () => e };
}
