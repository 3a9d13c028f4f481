/**
 * Kernel release strings as traces and policies spell them (`6.1`, `v6.18`, `6.1.0-56-amd64`,
 * `v6.0-rc1`), reduced to a comparable number. A trace's `kernel=` is read as major.minor (the
 * spec says so: stable updates do not renumber flags); policy ids keep their -rcN.
 */
import { ConfigError } from '../errors.ts';

export interface KernelVersion {
  major: number;
  minor: number;
  /** 0 for a final release; N for -rcN (which sorts before the final release). */
  rc: number;
  /**
   * The stable update of a policy id such as `v6.1.192` (0 otherwise). Only a bare
   * `[v]X.Y.Z` sets it: a distribution's `6.1.0-56-amd64` names its ABI, not the update.
   */
  sublevel: number;
  text: string;
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:-rc(\d+))?(?:[.\-+~].*)?$/;

// Parsed once per distinct text: policies decode release ids on hot paths.
const parsed = new Map<string, Readonly<KernelVersion>>();

export function parseKernelVersion(text: string): KernelVersion {
  const hit = parsed.get(text);
  if (hit) return hit;
  const v = Object.freeze(parseUncached(text));
  parsed.set(text, v);
  return v;
}

function parseUncached(text: string): KernelVersion {
  const m = VERSION_RE.exec(text.trim());
  if (!m)
    throw new ConfigError(
      'PB_CONFIG',
      `kernel: '${text}' is not a kernel release (expected e.g. 6.1, v6.18, v6.0-rc1)`,
    );
  const stable = /^v?\d+\.\d+\.(\d+)$/.exec(text.trim());
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    rc: m[3] === undefined ? 0 : Number(m[3]),
    sublevel: stable ? Number(stable[1]) : 0,
    text,
  };
}

/**
 * A sortable key: rc releases come before the final release of the same major.minor, stable
 * updates (`v6.1.192`) after it and before the next -rc1.
 */
export function versionKey(v: KernelVersion): number {
  return v.major * 100_000_000 + v.minor * 100_000 + (v.rc === 0 ? 50_000 + v.sublevel : v.rc);
}

// Policies ask `atLeast(v, '6.3')` on every call: parse each threshold once.
const thresholds = new Map<string, number>();

/** `atLeast(v, '6.3')`: true for 6.3-rc1 and later. */
export function atLeast(v: KernelVersion, release: string): boolean {
  let key = thresholds.get(release);
  if (key === undefined) {
    const r = parseKernelVersion(release);
    key = versionKey({ ...r, rc: r.rc === 0 ? 1 : r.rc });
    thresholds.set(release, key);
  }
  return versionKey(v) >= key;
}
