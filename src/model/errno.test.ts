import { describe, expect, it } from 'vitest';
import { ERRNO, type ErrnoName, err, errnoName } from './errno.ts';

describe('errnoName', () => {
  it('names every errno the models return, and nothing else', () => {
    for (const name of Object.keys(ERRNO) as ErrnoName[]) expect(errnoName(err(name))).toBe(name);
    expect(errnoName(0)).toBeUndefined();
    expect(errnoName(14)).toBeUndefined();
    expect(errnoName(-999)).toBeUndefined();
  });
});
