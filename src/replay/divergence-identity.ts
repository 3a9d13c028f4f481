/**
 * What a divergence *is*, independent of where and alongside what it was seen: a hash of the
 * configuration in force (the `--matrix` label included), the scenario's own model events (names
 * and fields; not timestamps, tasks, CPUs or line numbers) and its `pinbench_scenario` name, the
 * call's `seq`, and the set of distinct class outcomes (not which policies hold them). So:
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

/**
 * JSON with sets as sorted arrays and object keys sorted, location keys left out: the text the
 * identities hash (it must not change). `canonicalBy` says it as a JSON.stringify replacer;
 * `canonical` writes the same text directly (the replacer rebuilds every object of every event:
 * most of a replay's identity cost), handing anything it does not know to `canonicalBy`.
 */
export function canonical(value: unknown): string {
  return writeCanonical(value) ?? canonicalBy(value);
}

/** The reference: what `canonical` must return for every value. */
export function canonicalBy(value: unknown): string {
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

// An array index as a key: Object.fromEntries would list it before the others, not sorted.
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * `v` (not undefined, a function or a symbol: the caller leaves those out) as `canonicalBy`
 * writes it; undefined for a value of a kind left to `canonicalBy` (a Map, an object with toJSON
 * or a prototype of its own, an array-index key).
 */
function writeCanonical(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `"${v.toString()}"`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      const x: unknown = v[i];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') out += 'null';
      else {
        const text = writeCanonical(x);
        if (text === undefined) return undefined;
        out += text;
      }
    }
    return `${out}]`;
  }
  if (v instanceof Set) return JSON.stringify([...(v as Set<unknown>)].map(String).sort());
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.toJSON === 'function') return undefined;
  const plan = planOf(Object.keys(o));
  if (plan === null) return undefined;
  let out = '';
  for (let i = 0; i < plan.keys.length; i++) {
    const x = o[plan.keys[i]!];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    const text = writeCanonical(x);
    if (text === undefined) return undefined;
    out += out === '' ? `{${plan.labels[i]!}${text}` : `,${plan.labels[i]!}${text}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

/** How to write an object with given own keys: its keys sorted, location keys out, each quoted once. */
interface KeyPlan {
  keys: string[];
  /** `"key":` for each of `keys`. */
  labels: string[];
}

/** Plans by key list, as a trie of the keys in their order (events have few shapes). */
interface PlanNode {
  next: Map<string, PlanNode>;
  /** null: a key list `writeCanonical` leaves to the replacer; undefined: not planned yet. */
  plan?: KeyPlan | null;
}

const plans: PlanNode = { next: new Map() };
// Objects of unforeseen shapes (keys from the input) are planned but not kept past this many nodes.
const MAX_PLAN_NODES = 10_000;
let planNodes = 0;

function planOf(keys: readonly string[]): KeyPlan | null {
  let node: PlanNode | undefined = plans;
  for (let i = 0; i < keys.length && node; i++) {
    let n: PlanNode | undefined = node.next.get(keys[i]!);
    if (n === undefined && planNodes < MAX_PLAN_NODES) {
      n = { next: new Map() };
      node.next.set(keys[i]!, n);
      planNodes++;
    }
    node = n;
  }
  if (node?.plan !== undefined) return node.plan;
  const plan = makePlan(keys);
  if (node) node.plan = plan;
  return plan;
}

function makePlan(keys: readonly string[]): KeyPlan | null {
  const sorted = [...keys].sort();
  if (sorted.some((k) => INDEX_KEY.test(k))) return null;
  const kept = sorted.filter((k) => !LOCATION_KEYS.has(k));
  return { keys: kept, labels: kept.map((k) => `${JSON.stringify(k)}:`) };
}

/**
 * The part of a divergence identity that every call of one scenario shares: the configuration in
 * force when it starts (overrides applied), the matrix label and its own model events.
 */
export function scenarioFingerprint(sc: Scenario, config: TraceConfig, matrix: string): string {
  const h = createHash('sha256');
  h.update(canonical({ ...DEFAULT_CONFIG, ...config })).update('\0');
  h.update(matrix).update('\0');
  // A scenario named by pinbench_scenario keeps its name in its identity (two differently named
  // tests stay apart); the implicit first scenario is named after its file, which must not count.
  const implicit = sc.index === 0 && sc.line === 1;
  h.update(implicit ? '' : sc.name).update('\0');
  // One update for all events (the same bytes as one per event).
  let text = '';
  for (const ev of sc.events) text += `${canonical(ev)}\n`;
  h.update(text);
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
