import { describe, expect, it } from 'vitest';
import type { RunDiff } from '../../store/store.ts';
import { formatDiff } from './diff.ts';

describe('formatDiff', () => {
  it('counts divergences by identity and names regressions explicitly', () => {
    const d = {
      signature: 'abcdef0123456789',
      title: 's #0 pin_user_pages: ret=1 vs ret=livelock',
      trace: 't.trace',
      matrix: '',
      scenario: 's',
      seq: 0,
      line: 9,
      event: 'pin_user_pages',
      root: true,
      classes: [['v6.1'], ['my-fix']],
      kind: '00112233aabbccdd',
      text: 'pinbench: pin_user_pages mm=1 start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM',
    };
    const diff: RunDiff = {
      a: 1,
      b: 2,
      kinds: {
        new: [{ kind: '00112233aabbccdd', title: 'pin_user_pages: ret=0 vs ret=n', before: 0, after: 1 }],
        gone: [],
        still: [],
      },
      new: [d],
      fixed: [],
      unchanged: [{ ...d, signature: '0123456789abcdef' }],
      verdictChanges: [
        {
          trace: 't.trace',
          sha256: 'x',
          matrix: '',
          scenario: 's',
          policy: 'my-fix',
          before: 'pass',
          after: 'fail',
        },
        {
          trace: 't.trace',
          sha256: 'x',
          matrix: '',
          scenario: 's',
          policy: 'cand',
          before: null,
          after: 'fail',
        },
      ],
    };
    const text = formatDiff(diff);
    expect(text).toContain('run 1 -> run 2: 1 new, 0 gone, 1 still there (divergences by identity)');
    expect(text).toContain(
      '1 regression(s) (pass in run 1, not in run 2):\n  REGRESSION t.trace s  my-fix: pass -> fail',
    );
    expect(text).toContain('abcdef0123456789  s #0 pin_user_pages: ret=1 vs ret=livelock');
  });
});
