/**
 * Evaluates `pinbench_expect` assertions for one policy: call assertions against the outcome of
 * the nearest call before them, `final.*` against the end-of-scenario checks.
 */

import { errnoName } from '../model/errno.ts';
import type { Assertion } from '../model/events.ts';
import { parseIntLiteral } from '../model/int-literal.ts';
import type { FinalChecks, Outcome } from '../model/outcome.ts';

type Value = number | string | boolean;

function compare(actual: Value, op: Assertion['op'], expected: string): boolean {
  // Alternatives: page0=zero|new
  if ((op === '=' || op === '!=') && expected.includes('|')) {
    const hit = expected.split('|').some((e) => compare(actual, '=', e));
    return op === '=' ? hit : !hit;
  }
  const num = parseIntLiteral(expected);
  if (typeof actual === 'boolean') actual = actual ? 1 : 0;
  if (num !== undefined && typeof actual === 'number') {
    switch (op) {
      case '=':
        return actual === num;
      case '!=':
        return actual !== num;
      case '<':
        return actual < num;
      case '>':
        return actual > num;
      case '<=':
        return actual <= num;
      case '>=':
        return actual >= num;
    }
  }
  // Symbolic values (livelock, BUG, NULL, a page name) compare by equality only; an ordering
  // against a symbol is false (a livelock is not "< 0").
  const a =
    typeof actual === 'string' && /^new\d+$/.test(actual) && expected === 'new' ? 'new' : String(actual);
  if (op === '=') return a === expected;
  if (op === '!=') return a !== expected;
  return false;
}

function pageClass(name: string | undefined): string {
  if (name === undefined) return 'none';
  return /^new\d+/.test(name) ? 'new' : name;
}

export function callSubject(subject: string, o: Outcome): Value {
  if (subject === 'ret') return o.ret;
  if (subject === 'err') return typeof o.ret === 'number' && o.ret < 0 ? (errnoName(o.ret) ?? o.ret) : 'none';
  if (subject === 'pages') return o.pages.length;
  if (subject.startsWith('page')) return pageClass(o.pages[Number(subject.slice(4))]);
  if (subject.startsWith('refs.')) return o.refs[subject.slice(5)] ?? 0;
  if (subject.startsWith('pins.')) return o.pins[subject.slice(5)] ?? 0;
  if (subject === 'locked_vm') return o.lockedVm;
  if (subject === 'special') return o.special;
  if (subject === 'warns') return o.warn.filter((w) => w.startsWith('WARN')).length;
  if (subject === 'bugs') return o.warn.filter((w) => w.startsWith('BUG')).length;
  throw new Error(`unknown assertion subject ${subject}`);
}

export function finalSubject(subject: string, f: FinalChecks): Value {
  switch (subject) {
    case 'final.leaks':
      return Object.keys(f.leaks).length;
    case 'final.pins_balanced':
      return f.pinsAcquired === f.pinsReleased;
    case 'final.bugs':
      return f.bugs;
    case 'final.warnings':
      return f.warnings;
    case 'final.locked_vm':
      return f.lockedVm;
    case 'final.longterm_unpinnable':
      return f.longtermUnpinnable;
    default:
      throw new Error(`unknown assertion subject ${subject}`);
  }
}

/** Returns null when it holds, else the failure text with the actual value. */
export function checkAssertion(a: Assertion, actual: Value): string | null {
  return compare(actual, a.op, a.value) ? null : `${a.text} (got ${formatValue(actual)})`;
}

function formatValue(v: Value): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** `scope=` globs over policy ids: `v6.0-rc*`, `v5.*`, comma-separated alternatives. */
export function scopeMatches(scope: string | undefined, ids: readonly string[]): boolean {
  if (scope === undefined) return true;
  return scope.split(',').some((glob) => {
    const re = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return ids.some((id) => re.test(id));
  });
}
