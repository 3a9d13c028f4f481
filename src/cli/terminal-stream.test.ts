import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { escapingStream, rawStream } from './terminal-stream.ts';

describe('escapingStream', () => {
  it('escapes strings and byte chunks (split UTF-8 included), keeps newlines and tabs', () => {
    const sink = new PassThrough();
    let got = '';
    sink.on('data', (d) => {
      got += d;
    });
    const out = escapingStream(sink);
    out.write('a\x1b[2K\tb\r\n');
    const bytes = Buffer.from('\u202eé\x9b', 'utf8');
    out.write(bytes.subarray(0, 2));
    out.write(bytes.subarray(2));
    expect(got).toBe('a\\u001b[2K\tb\\r\n\\u202eé\\u009b');
    // The CLI's own progress redraw goes around it.
    rawStream(out).write('\r');
    expect(got.endsWith('\r')).toBe(true);
    expect(escapingStream(out)).toBe(out);
  });
});
