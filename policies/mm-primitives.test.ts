import { describe, expect, it } from 'vitest';
import { hex } from './mm-primitives.ts';

describe('hex', () => {
  it('writes 0x and the lower-case hex digits, the same text when remembered and after it forgets', () => {
    const values = [0, 1, 0xfff, 0x2ef007, 0x7f07c000b000, 2 ** 53 - 1, -16];
    for (let round = 0; round < 2; round++)
      for (const n of values) expect(hex(n)).toBe(`0x${n.toString(16)}`);
    // Past its bound the memory is dropped; texts stay right.
    for (let n = 0; n < 10_000; n++) expect(hex(n * 4096)).toBe(`0x${(n * 4096).toString(16)}`);
    for (const n of values) expect(hex(n)).toBe(`0x${n.toString(16)}`);
  });
});
