import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  commitUrl,
  escapeHtml,
  html,
  joinHtml,
  jsonForScript,
  SafeHtml,
  safeHref,
  trustedHtml,
} from './html.ts';

const NASTY = `<script>alert(1)</script>-77 "dq" 'sq' & <img src=x onerror=window.__pwned=1>`;

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain text 0x1000')).toBe('plain text 0x1000');
  });

  it('never lets markup characters through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        // Every & starts an entity this function wrote.
        expect(e.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        const back = e.replace(
          /&lt;|&gt;|&quot;|&#39;|&amp;/g,
          (m) => ({ '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' })[m]!,
        );
        expect(back).toBe(s);
      }),
    );
  });
});

describe('html template', () => {
  it('escapes every interpolated string and number, in text and attributes', () => {
    const out = html`<p title="${NASTY}">${NASTY} ${42}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain(
      'title="&lt;script&gt;alert(1)&lt;/script&gt;-77 &quot;dq&quot; &#39;sq&#39; &amp; &lt;img',
    );
    expect(out).toContain(' 42</p>');
  });

  it('passes nested templates through once, and escapes strings inside arrays', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<div>${inner}${['<x>', html`<y>`]}${null}${undefined}${false}</div>`.value;
    expect(out).toBe('<div><b>&lt;i&gt;</b>&lt;x&gt;<y></div>');
  });

  it('joinHtml escapes plain parts and separators', () => {
    expect(joinHtml(['<a>', html`<br>`], ' & ').value).toBe('&lt;a&gt; &amp; <br>');
    expect(trustedHtml('<hr>')).toBeInstanceOf(SafeHtml);
  });
});

describe('safeHref and commitUrl', () => {
  it('allows http(s) and relative URLs only', () => {
    expect(safeHref('https://lore.kernel.org/x?a=1&b=2')).toBe('https://lore.kernel.org/x?a=1&b=2');
    expect(safeHref('../d/ab/abcd.html')).toBe('../d/ab/abcd.html');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,<x>',
      'vbscript:x',
      '//evil.example/',
      '\\\\evil',
      'a b',
    ]) {
      expect(safeHref(bad)).toBeNull();
    }
    expect(safeHref(null)).toBeNull();
  });

  it('links kernel commits by hex id only', () => {
    expect(commitUrl('873aefb376bb')).toBe(
      'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=873aefb376bb',
    );
    expect(commitUrl('"><script>')).toBeNull();
    expect(commitUrl('v6.0')).toBeNull();
  });
});

describe('jsonForScript', () => {
  it('has no < > & left, and parses back to the same value', () => {
    const value = { s: `</script><!-- ${NASTY} \u2028\u2029`, n: [1, 2] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const text = jsonForScript({ s });
        expect(text).not.toMatch(/[<>&]/);
        expect(JSON.parse(text)).toEqual({ s });
      }),
    );
  });
});

describe('divergence page why paths', () => {
  it('collapses a repeated block of steps (numbers aside) into one and a count', async () => {
    const { collapseWhy } = await import('./pages/divergence-page.ts');
    const loop = ['try pin', 'retry #1 made no progress', 'try pin', 'retry #2 made no progress'];
    expect(collapseWhy(['start', ...loop, 'try pin', 'retry #3 made no progress', 'livelock'])).toEqual([
      { step: 'start' },
      { step: 'try pin' },
      { step: 'retry #1 made no progress' },
      { step: 'the 2 steps above repeat', repeats: 2 },
      { step: 'livelock' },
    ]);
    expect(collapseWhy(['a', 'b', 'c'])).toEqual([{ step: 'a' }, { step: 'b' }, { step: 'c' }]);
  });
});
