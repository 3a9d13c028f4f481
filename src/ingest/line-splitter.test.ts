import { describe, expect, it } from 'vitest';
import { type LineSink, LineSplitter } from './line-splitter.ts';

function collect(maxLineBytes?: number) {
  const out: string[] = [];
  const sink: LineSink = {
    line(bytes, start, end, knownAscii, terminated) {
      out.push(`${terminated ? 'L' : 'U'}${knownAscii ? 'a' : '?'}:${bytes.toString('utf8', start, end)}`);
    },
    overlong(head, byteLength, terminated) {
      out.push(`${terminated ? 'O' : 'o'}:${byteLength}:${head.toString('latin1').slice(0, 4)}`);
    },
  };
  return { out, splitter: new LineSplitter(sink, maxLineBytes) };
}

describe('line splitter', () => {
  it('walks its states: line-start, partial-line across chunks, line-start again', () => {
    const { out, splitter } = collect();
    expect(splitter.state).toBe('line-start');
    splitter.push(Buffer.from('one\ntw'));
    expect(out).toEqual(['La:one']);
    expect(splitter.state).toBe('partial-line');
    splitter.push(Buffer.from('o'));
    splitter.push(Buffer.from('\r\nthree\r'));
    expect(splitter.state).toBe('partial-line');
    splitter.push(Buffer.from('\n'));
    expect(splitter.state).toBe('line-start');
    splitter.end();
    expect(out).toEqual(['La:one', 'La:two', 'La:three']);
    expect(splitter.bytes).toBe(16);
  });

  it('delivers a last line without newline as unterminated, and nothing for an empty tail', () => {
    const a = collect();
    a.splitter.push(Buffer.from('x\n\ny'));
    a.splitter.end();
    expect(a.out).toEqual(['La:x', 'La:', 'Ua:y']);
    const b = collect();
    b.splitter.push(Buffer.from('x\n'));
    b.splitter.end();
    expect(b.out).toEqual(['La:x']);
  });

  it('says when a chunk is not known to be ASCII, and joins a UTF-8 character split across chunks', () => {
    const { out, splitter } = collect();
    const bytes = Buffer.from('grüße\nok\n');
    splitter.push(bytes.subarray(0, 3)); // inside 'ü'
    splitter.push(bytes.subarray(3));
    splitter.end();
    expect(out).toEqual(['L?:grüße', 'La:ok']);
  });

  it('drops over-long lines without buffering them, in the overlong-line state', () => {
    const { out, splitter } = collect(8);
    splitter.push(Buffer.from('short\n0123456'));
    splitter.push(Buffer.from('789abc'));
    expect(splitter.state).toBe('overlong-line');
    splitter.push(Buffer.from('def\nok\nABCDEFGHIJKL\nZZZZZZZZZZZZ'));
    expect(splitter.state).toBe('overlong-line');
    splitter.end();
    expect(out).toEqual(['La:short', 'O:16:0123', 'La:ok', 'O:12:ABCD', 'o:12:ZZZZ']);
  });
});
