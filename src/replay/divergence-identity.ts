/**
 * What a divergence *is*, independent of where and alongside what it was seen: a hash of the
 * configuration in force (the `--matrix` label included), the scenario's own model events (names
 * and fields; not timestamps, tasks, CPUs or line numbers), the call's `seq`, and the set of
 * distinct class outcomes (not which policies hold them). So:
 *   - adding or removing a policy whose outcome matches an existing class keeps the identity,
 *   - editing another scenario of the trace keeps it (no whole-file hash),
 *   - the same scenario in two files shares it.
 * A readable title goes beside the hash, syzbot-style: scenario, call and the outcome difference.
 */
import { createHash } from 'node:crypto';
import { errnoName } from '../model/errno.ts';
import type { Scenario } from '../model/event-stream.ts';
import { DEFAULT_CONFIG, type TraceConfig } from '../model/events.ts';
import type { Outcome } from '../model/outcome.ts';

/** Where a result came from, carried as one record from replay to report. */
export interface TraceIdentity {
  /** The source as given (path or URL). */
  source: string;
  /** Short name for people: the file name without its directories. */
  name: string;
  /** `--matrix` configuration label (`pte_special=0`), empty for the trace's own config. */
  matrix: string;
}

export function traceIdentity(source: string, matrix = ''): TraceIdentity {
  const name = source.replace(/[?#].*$/, '').replace(/^.*[/\\]/, '') || source;
  return { source, name, matrix };
}

/** The label records carry in their `trace` key (NDJSON contract): `source [matrix]`. */
export function traceLabel(id: TraceIdentity): string {
  return id.matrix ? `${id.source} [${id.matrix}]` : id.source;
}

// Event keys that locate or quote an event rather than say what it is.
const LOCATION_KEYS: ReadonlySet<string> = new Set([
  'line',
  'text',
  'cpu',
  'pid',
  'context',
  'col',
  'ts',
  'task',
]);

/** JSON with sets as sorted arrays and object keys sorted, location keys left out. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (LOCATION_KEYS.has(key)) return undefined;
    if (v instanceof Set) return [...(v as Set<unknown>)].map(String).sort();
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/**
 * The part of a divergence identity that every call of one scenario shares: the configuration in
 * force when it starts (overrides applied), the matrix label and its own model events.
 */
export function scenarioFingerprint(sc: Scenario, config: TraceConfig, matrix: string): string {
  const h = createHash('sha256');
  h.update(canonical({ ...DEFAULT_CONFIG, ...config })).update('\0');
  h.update(matrix).update('\0');
  for (const ev of sc.events) h.update(canonical(ev)).update('\n');
  return h.digest('hex');
}

/**
 * The identity of one divergence: 16 hex digits. `classKeys` are the classes' outcome keys
 * (compare.ts); their set enters, not their order or the policies in each.
 */
export function divergenceSignature(fingerprint: string, seq: number, classKeys: readonly string[]): string {
  const h = createHash('sha256');
  h.update(fingerprint).update('\0').update(String(seq));
  for (const k of [...new Set(classKeys)].sort()) h.update('\0').update(k);
  return h.digest('hex').slice(0, 16);
}

/** `-6` -> `-ENXIO (-6)`; other values as they are. */
export function formatRet(ret: unknown): string {
  if (typeof ret === 'number' && ret < 0) {
    const name = errnoName(ret);
    if (name) return `-${name} (${ret})`;
  }
  return String(ret);
}

/** One outcome in a few words: what a reader compares between classes. */
export function outcomeBrief(o: Omit<Outcome, 'why'>): string {
  const parts = [`ret=${formatRet(o.ret)}`];
  const refs = Object.entries(o.refs).filter(([, v]) => v !== 0);
  if (refs.length) parts.push(`refs ${refs.map(([k, v]) => `${k}${v > 0 ? '+' : ''}${v}`).join(',')}`);
  const pins = Object.entries(o.pins).filter(([, v]) => v !== 0);
  if (pins.length) parts.push(`pins ${pins.map(([k, v]) => `${k}${v > 0 ? '+' : ''}${v}`).join(',')}`);
  if (o.lockedVm) parts.push(`locked_vm${o.lockedVm > 0 ? '+' : ''}${o.lockedVm}`);
  if (o.special) parts.push('special');
  if (o.warn.length) parts.push([...new Set(o.warn)].join('; '));
  return parts.join(' ');
}

/**
 * A syzbot-like title: `vfio-zero-ro #0 vfio_map_dma: ret=livelock vs ret=0 refs zero+4`.
 * Built from the outcome difference only, so it stays the same as long as the identity does.
 */
export function divergenceTitle(
  scenario: string,
  seq: number,
  event: string,
  classes: readonly { outcome: Omit<Outcome, 'why'> }[],
): string {
  const briefs = [...new Set(classes.map((c) => outcomeBrief(c.outcome)))];
  return `${scenario} #${seq} ${event}: ${briefs.join(' vs ')}`;
}
