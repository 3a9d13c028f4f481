import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-reporter.ts';

describe('terminalSafe', () => {
  it('keeps text, newlines and tabs; shows control characters (terminal escapes) as ?', () => {
    expect(terminalSafe('a\tb\nc')).toBe('a\tb\nc');
    expect(terminalSafe('task\x1b]0;pwned\x07-77 \x1b[2J\x9b31m')).toBe('task?]0;pwned?-77 ?[2J?31m');
    expect(terminalSafe('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });
});
