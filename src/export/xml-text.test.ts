import { describe, expect, it } from 'vitest';
import { xmlAttr, xmlChars, xmlText } from './xml-text.ts';

describe('XML 1.0 text', () => {
  it('escapes markup in content and attributes', () => {
    expect(xmlText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
    expect(xmlAttr(`"q" 'a'\n\tx\r`)).toBe('&quot;q&quot; &apos;a&apos;&#10;&#9;x&#13;');
  });

  it('replaces what XML 1.0 cannot hold at all', () => {
    expect(xmlChars('\x00\x01\x1b\x7f')).toBe('\\x00\\x01\\x1b\x7f');
    expect(xmlChars('lone \ud800 and \udfff, pair \ud83d\ude00')).toBe(
      'lone \ufffd and \ufffd, pair \ud83d\ude00',
    );
    expect(xmlChars('\ufffe\uffff')).toBe('\ufffd\ufffd');
    expect(xmlChars('tab\tnl\ncr\r')).toBe('tab\tnl\ncr\r');
  });
});
