import { describe, expect, it } from 'vitest';
import { parseIntLiteral } from './int-literal.ts';

describe('parseIntLiteral', () => {
  it('reads signed decimal and hex', () => {
    expect(parseIntLiteral('-14')).toBe(-14);
    expect(parseIntLiteral('+1')).toBe(1);
    expect(parseIntLiteral('0x7f00')).toBe(0x7f00);
    expect(parseIntLiteral('-0x10')).toBe(-16);
  });
  it('refuses words, fractions and values past 2^53', () => {
    expect(parseIntLiteral('livelock')).toBeUndefined();
    expect(parseIntLiteral('1.5')).toBeUndefined();
    expect(parseIntLiteral('0x')).toBeUndefined();
    expect(parseIntLiteral('0x20000000000001')).toBeUndefined();
  });
});
