/**
 * Integers as traces and expectations write them: decimal or `0x` hex, with an optional sign
 * (`-14`, `+1`, `0x7f00`). Undefined for anything else, or a value past 2^53.
 */
const INT_RE = /^[+-]?(0x[0-9a-fA-F]+|\d+)$/;

export function parseIntLiteral(text: string): number | undefined {
  if (!INT_RE.test(text)) return undefined;
  const neg = text.startsWith('-');
  const body = neg || text.startsWith('+') ? text.slice(1) : text;
  const v = body.startsWith('0x') ? Number.parseInt(body.slice(2), 16) : Number(body);
  if (!Number.isSafeInteger(v)) return undefined;
  return neg ? -v : v;
}
