/**
 * The CLI's defensive layer against terminal escape injection: every byte a command writes to
 * stdout or stderr goes through escapeTerminalBlock, so no trace text or module message reaches
 * the terminal with a control character in it, whichever formatter forgot to escape it. The
 * formatters still escape their untrusted fields themselves (that also covers newlines, which
 * this layer must keep). The wrapped stream is the same stream in every other respect (events,
 * backpressure, isTTY), so commands that pipe or wait for 'drain' work unchanged.
 */
import { StringDecoder } from 'node:string_decoder';
import { escapeTerminalBlock } from '../terminal-text.ts';
import type { CommandIo } from './command.ts';

const RAW = Symbol('raw stream');

type WriteArgs = [chunk: unknown, encoding?: unknown, cb?: unknown];

export function escapingStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  if ((stream as { [RAW]?: unknown })[RAW]) return stream;
  const decoder = new StringDecoder('utf8');
  const write = (...[chunk, encoding, cb]: WriteArgs): boolean => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          : String(chunk);
    const callback = typeof encoding === 'function' ? encoding : cb;
    return (stream.write as (s: string, cb?: unknown) => boolean).call(
      stream,
      escapeTerminalBlock(text),
      callback,
    );
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === RAW) return target;
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The stream under an escaping one, for the CLI's own control output only (the `\r` that
 * redraws a progress line); never for text that holds anything from a trace or a module.
 */
export function rawStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return (stream as { [RAW]?: NodeJS.WritableStream })[RAW] ?? stream;
}

export function escapingIo(io: CommandIo): CommandIo {
  return { ...io, stdout: escapingStream(io.stdout), stderr: escapingStream(io.stderr) };
}
