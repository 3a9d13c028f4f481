/**
 * Text into XML 1.0. Escaping is not enough: XML 1.0 forbids most C0 control characters, lone
 * surrogates and U+FFFE/U+FFFF even as character references, and trace lines can hold any of
 * them. Control characters become a visible `\xNN`; the others become U+FFFD.
 */

// Everything outside XML 1.0's Char production (with the `u` flag a lone surrogate is one code point).
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlChars(s: string): string {
  return s.replace(NOT_XML_CHAR, (c) => {
    const code = c.codePointAt(0)!;
    return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : '\uFFFD';
  });
}

/** Element content. */
export function xmlText(s: string): string {
  return xmlChars(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A double- or single-quoted attribute value; line breaks and tabs survive attribute normalization. */
export function xmlAttr(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
