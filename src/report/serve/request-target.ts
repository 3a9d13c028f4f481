/**
 * The request target of `pinbench serve`, checked before any routing. Only origin-form targets
 * (`/path?query`) are accepted; the path is percent-decoded layer by layer (so `%2e%2e`,
 * `%252e%252e` and friends are seen for what they are) and refused when any layer has a `..` or
 * `.` segment, an empty segment (`//x`, an encoded `/`), a backslash, a NUL or another control
 * character, or a drive letter. The server never maps a path onto the file system anyway (assets
 * come from a closed list in memory); this is the first of two walls.
 */

export interface RequestTarget {
  /** Decoded path segments; a trailing slash gives a final empty segment. */
  segments: string[];
  query: URLSearchParams;
}

export type TargetCheck = { ok: true; target: RequestTarget } | { ok: false; reason: string };

const MAX_DECODE_LAYERS = 4;

function badSegment(seg: string): string | null {
  if (seg === '..' || seg === '.') return `'${seg}' segment`;
  if (/[\\\0-\x1f\x7f]/.test(seg)) return 'backslash or control character';
  if (/^[a-z]:/i.test(seg)) return 'drive letter';
  return null;
}

function checkLayer(path: string): string | null {
  const segs = path.split('/').slice(1);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (seg === '' && i < segs.length - 1) return 'empty path segment';
    const bad = badSegment(seg);
    if (bad) return bad;
  }
  return null;
}

export function parseRequestTarget(raw: string | undefined): TargetCheck {
  if (raw?.[0] !== '/') return { ok: false, reason: 'only origin-form request targets (/path) are served' };
  if (raw.startsWith('//')) return { ok: false, reason: 'empty path segment' };
  const q = raw.indexOf('?');
  const hashAt = raw.indexOf('#');
  const end = q >= 0 ? q : hashAt >= 0 ? hashAt : raw.length;
  let path = raw.slice(0, end);
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1, hashAt > q ? hashAt : undefined) : '');
  for (let layer = 0; ; layer++) {
    const bad = checkLayer(path);
    if (bad) return { ok: false, reason: bad };
    if (!/%[0-9a-f]{2}/i.test(path)) break;
    if (layer === MAX_DECODE_LAYERS) return { ok: false, reason: 'too many layers of percent-encoding' };
    try {
      path = decodeURIComponent(path);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding' };
    }
  }
  if (path.includes('%')) return { ok: false, reason: 'malformed percent-encoding' };
  return { ok: true, target: { segments: path.split('/').slice(1), query } };
}
