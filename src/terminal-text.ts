/**
 * Text from traces and policy modules is untrusted: a scenario name holding ESC can start a
 * terminal escape sequence that erases the REGRESSION line above it, prints a fake green result,
 * sets the window title or writes the clipboard (OSC 52); CR returns to the line start and
 * overwrites it; bidi overrides reorder what is shown. Every such character is shown as a
 * visible escape instead, the way the HTML, JUnit and LKP outputs escape their own specials.
 *
 * The escapes are the JSON string escapes (`\r`, `\n`, `\t`, `\u001b`), so escaping JSON output
 * leaves it valid JSON that decodes to the same text. Shared by every stage (like errors.ts):
 * the replay summary, the reporters and the CLI's output streams all use it.
 */

/**
 * Characters a terminal may act on: C0 controls, DEL, C1 controls (U+009B is an 8-bit CSI),
 * the Arabic letter mark, LRM/RLM, the bidi embeddings/overrides and isolates, the line and
 * paragraph separators, and the BOM / zero width no-break space.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
/** The same set without newline and tab: what a block of output may keep as its structure. */
const UNSAFE_IN_BLOCK =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One untrusted field (a name, a message) for one line of terminal text: nothing it holds acts. */
export function escapeTerminal(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** A whole block of output: newlines and tabs stay, every other control is escaped. */
export function escapeTerminalBlock(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, escapeChar);
}
