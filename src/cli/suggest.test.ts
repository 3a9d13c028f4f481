import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggest } from './suggest.ts';

describe('did you mean', () => {
  it('measures typos: one edit each for a swap, a missing, an extra or a wrong letter', () => {
    expect(editDistance('chekc', 'check')).toBe(1);
    expect(editDistance('chek', 'check')).toBe(1);
    expect(editDistance('checkk', 'check')).toBe(1);
    expect(editDistance('chack', 'check')).toBe(1);
    expect(editDistance('', 'run')).toBe(3);
  });

  it('suggests the closest command, or a command the word begins, and nothing for another word', () => {
    const commands = ['run', 'nightly', 'replay', 'check', 'ingest', 'policies', 'runs', 'serve'];
    expect(suggest('chek', commands)).toBe('check');
    expect(suggest('repaly', commands)).toBe('replay');
    expect(suggest('polices', commands)).toBe('policies');
    expect(suggest('nightl', commands)).toBe('nightly');
    expect(suggest('frobnicate', commands)).toBeUndefined();
    expect(didYouMean('serv', commands)).toBe(" (did you mean 'serve'?)");
    expect(didYouMean('xyz', commands)).toBe('');
  });
});
