/**
 * The one way report pages make markup. Every string that comes from a trace, a policy or the
 * database (task names, marker text, scenario names, why steps, notes) goes through `escapeHtml`,
 * and the `html` tag calls it for every interpolated value, so a page cannot forget to: only
 * `SafeHtml` values (markup this module or the `html` tag produced) pass through unescaped.
 * Attribute values are always written double-quoted in templates; `escapeHtml` escapes both
 * quote characters, so a value can close neither. URLs from data go through `safeHref`, JSON
 * for the browser through `jsonForScript`.
 */

/** Markup that is already safe to insert: made by `html`, or a literal given to `trustedHtml`. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const ESCAPE_RE = /[&<>"']/g;
const ESCAPE_TEST = /[&<>"']/;

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return ESCAPE_TEST.test(value) ? value.replace(ESCAPE_RE, (c) => ESCAPES[c]!) : value;
}

/** Values a template accepts: nested templates and arrays of them; null/undefined/false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function append(out: string[], v: HtmlValue): void {
  if (v === null || v === undefined || v === false) return;
  if (v instanceof SafeHtml) out.push(v.value);
  else if (Array.isArray(v)) for (const x of v as readonly HtmlValue[]) append(out, x);
  else out.push(escapeHtml(String(v)));
}

/** Tagged template: literal parts as written, every interpolation escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  const out: string[] = [strings[0]!];
  for (let i = 0; i < values.length; i++) {
    append(out, values[i]);
    out.push(strings[i + 1]!);
  }
  return new SafeHtml(out.join(''));
}

/** Joins fragments (escaping plain strings) into one SafeHtml. */
export function joinHtml(parts: readonly HtmlValue[], separator: SafeHtml | string = ''): SafeHtml {
  const out: string[] = [];
  const sep = separator instanceof SafeHtml ? separator.value : escapeHtml(separator);
  parts.forEach((p, i) => {
    if (i > 0) out.push(sep);
    append(out, p);
  });
  return new SafeHtml(out.join(''));
}

/** Markup written in this codebase (constants, never data). */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * A URL from data for an href: http(s) URLs and relative paths pass; anything else (javascript:,
 * data:, vbscript:, protocol-relative `//host`) becomes null and the caller shows plain text.
 * The result still goes through escapeHtml when interpolated.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  const u = url.trim();
  if (/^https?:\/\/[^\s]+$/i.test(u)) return u;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith('//') || u.startsWith('\\')) return null;
  if (/[\s\\]/.test(u)) return null;
  return u;
}

/** The commit page of a kernel commit id (hex, 7-40 digits), or null for anything else. */
export function commitUrl(commit: string | null | undefined): string | null {
  if (!commit || !/^[0-9a-f]{7,40}$/i.test(commit)) return null;
  return `https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=${commit.toLowerCase()}`;
}

/**
 * JSON to embed in JavaScript served as a file (`window.X = <json>;`): `<`, `>` and `&` become
 * \u escapes so no `</script>` or `<!--` can appear whatever the data, and U+2028/U+2029 are
 * escaped for older parsers. The result is still valid JSON.
 */
export function jsonForScript(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
