/**
 * Hand-built `TraceReplayResult`s for store tests: a few scenarios of GUP calls replayed against
 * three releases, where v6.0-rc1 (the zero-page FOLL_LONGTERM livelock) diverges from v5.19 and
 * v6.0-rc3 on some calls, with why paths, finals, verdicts (pass/fail/unsupported/inconclusive),
 * a fidelity record, integrity gaps, and optionally every outcome record. Deterministic: the same
 * options give the same result, and `flavor` changes the outcomes (so the signatures) of the
 * diverging calls, as a changed policy would.
 */
import { createHash } from 'node:crypto';
import type { Kernel, Policy } from '../../src/model/kernel.ts';
import type { Outcome } from '../../src/model/outcome.ts';
import { divergenceTitle, traceIdentity, traceLabel } from '../../src/replay/divergence-identity.ts';
import type { ScenarioResult } from '../../src/replay/replay-scenario.ts';
import type {
  DivergenceRecord,
  FinalRecord,
  OutcomeRecord,
  TraceReplayResult,
  VerdictRecord,
} from '../../src/replay/results.ts';

export const FIXTURE_POLICIES = ['v5.19', 'v6.0-rc1', 'v6.0-rc3'] as const;
const BAD = 'v6.0-rc1';

export interface FixtureOptions {
  /** Path as given to the run. */
  trace: string;
  /** Identity of the content (default: the path): equal contents give equal SHA-256s. */
  content?: string;
  matrix?: string;
  scenarios?: number;
  calls?: number;
  /** Which calls diverge (default: every third call, seq 1, 4, 7, ...). */
  diverge?: (scenario: number, seq: number) => boolean;
  /** Changes the diverging outcome: 0 livelock, 1 -ENOMEM, 2 -EFAULT, ... */
  flavor?: number;
  outcomes?: boolean;
  integrity?: number;
  /** A trace that could not be read at all. */
  error?: boolean;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function signature(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

const GOOD_WHY = [
  'gup: FOLL_PIN|FOLL_LONGTERM on anon vma',
  'follow_page: zero pfn, read fault',
  'zero page -> not longterm-pinnable? no (v6.0-rc3: zero page is pinnable)',
  'grab: +1024 on small folio',
];

function goodOutcome(): Outcome {
  return {
    ret: 1,
    pages: ['zero'],
    refs: { zero: 1024 },
    pins: {},
    lockedVm: 0,
    special: false,
    warn: [],
    warnings: 0,
    why: [...GOOD_WHY],
  };
}

function badOutcome(flavor: number): Outcome {
  const rets: Outcome['ret'][] = ['livelock', -12, -14, -11, 'BUG'];
  const ret = rets[flavor % rets.length]!;
  return {
    ret,
    pages: [],
    refs: {},
    pins: {},
    lockedVm: 0,
    special: false,
    warn: ret === 'BUG' ? ['BUG_ON(!folio_test_large)'] : [],
    warnings: 0,
    why: [
      'gup: FOLL_PIN|FOLL_LONGTERM on anon vma',
      'zero pfn -> not longterm-pinnable',
      'isolation fails -> retry',
      ...(flavor ? [`flavor ${flavor}: ${String(ret)}`] : []),
    ],
  };
}

function strip(o: Outcome): Omit<Outcome, 'why'> {
  const { why: _w, ...rest } = o;
  return rest;
}

export function makeTraceResult(opts: FixtureOptions): TraceReplayResult {
  const content = opts.content ?? opts.trace;
  const hash = sha256(content);
  // What records carry, as the replay labels them: `source [matrix]`.
  const label = traceLabel(traceIdentity(opts.trace, opts.matrix ?? ''));
  const nScen = opts.error ? 0 : (opts.scenarios ?? 3);
  const nCalls = opts.calls ?? 4;
  const flavor = opts.flavor ?? 0;
  const diverge = opts.diverge ?? ((_s: number, seq: number) => seq % 3 === 1);
  const scenarios: ScenarioResult[] = [];
  for (let s = 0; s < nScen; s++) {
    const name = s === 0 ? 'zero-page-longterm' : `vfio-map-${s}`;
    const sc: ScenarioResult = {
      scenario: name,
      outcomes: [],
      divergences: [],
      finals: [],
      verdicts: [],
      fidelity: [],
      calls: nCalls,
      coverage: { seqs: [0, nCalls - 1], finals: s === 0 },
    };
    const seen = new Set<string>();
    for (let seq = 0; seq < nCalls; seq++) {
      const line = 10 + s * 100 + seq * 3;
      const event = seq % 2 ? 'pin_user_pages' : 'vfio_pin_pages_remote';
      const text = `  pinbench-${s}-1234  [001] ....  ${100 + seq}.000${s}: pinbench_call: ${event} addr=0x7f00${seq}000 nr=1 gup_flags=FOLL_WRITE|FOLL_LONGTERM`;
      const div = diverge(s, seq);
      const outcomes = new Map<string, Outcome>();
      for (const p of FIXTURE_POLICIES)
        outcomes.set(p, div && p === BAD ? badOutcome(flavor) : goodOutcome());
      if (opts.outcomes) {
        for (const [policy, o] of outcomes) {
          const rec: OutcomeRecord = {
            type: 'outcome',
            trace: label,
            scenario: name,
            seq,
            line,
            event,
            policy,
            ...o,
          };
          sc.outcomes.push(rec);
        }
      }
      if (div) {
        const good = FIXTURE_POLICIES.filter((p) => p !== BAD);
        const classes = [
          { policies: [...good], outcome: strip(goodOutcome()), why: [...GOOD_WHY] },
          { policies: [BAD], outcome: strip(badOutcome(flavor)), why: badOutcome(flavor).why },
        ];
        const partition = classes.map((c) => c.policies.join(',')).join(' | ');
        const rec: DivergenceRecord = {
          type: 'divergence',
          trace: label,
          scenario: name,
          seq,
          line,
          event,
          text,
          signature: signature([
            hash,
            name,
            String(seq),
            ...classes.map((c) => `${c.policies.join(',')}=${JSON.stringify(c.outcome)}`),
          ]),
          title: divergenceTitle(name, seq, event, classes),
          root: !seen.has(partition),
          classes,
          unsupported: s === 2 ? ['v5.19'] : [],
          context: [
            {
              line: line - 1,
              text: `  pinbench-${s}-1234  [001] ....  ${99 + seq}.9: pinbench_page: pfn=zero`,
            },
            { line, text },
          ],
        };
        seen.add(partition);
        sc.divergences.push(rec);
      }
      if (seq === 0 && s === 1) {
        sc.fidelity.push({
          type: 'fidelity',
          trace: label,
          scenario: name,
          seq,
          line,
          event,
          policy: 'v6.0-rc3',
          observed: -14,
          ret: 1,
        });
      }
    }
    const failing = sc.divergences.length > 0;
    for (const p of FIXTURE_POLICIES) {
      const leak = failing && p === BAD;
      const f: FinalRecord = {
        type: 'final',
        trace: label,
        scenario: name,
        policy: p,
        leaks: leak ? { zero: 1024, '0x1000': -1 } : {},
        pinsAcquired: nCalls,
        pinsReleased: leak ? nCalls - 1 : nCalls,
        lockedVm: leak ? 3 : 0,
        bugs: 0,
        warnings: leak ? 1 : 0,
        longtermUnpinnable: leak ? 1 : 0,
        badPageMaps: 0,
      };
      sc.finals.push(f);
      let verdict: VerdictRecord['verdict'] = 'pass';
      let reason: string | undefined;
      if (s === 2 && p === 'v5.19') verdict = 'unsupported';
      else if (leak) verdict = 'fail';
      else if (s === 3) {
        verdict = 'inconclusive';
        reason = 'expectations decided after an integrity gap at line 7';
      }
      const v: VerdictRecord = {
        type: 'verdict',
        trace: label,
        scenario: name,
        policy: p,
        verdict,
        failed:
          verdict === 'fail'
            ? [`expect: ret == 1 (got ${String(badOutcome(flavor).ret)})`, 'final.leaks == 0']
            : [],
      };
      if (reason !== undefined) v.reason = reason;
      sc.verdicts.push(v);
    }
    scenarios.push(sc);
  }
  const nInt = opts.integrity ?? 1;
  const result: TraceReplayResult = {
    identity: traceIdentity(opts.trace, opts.matrix ?? ''),
    sha256: opts.error ? '' : hash,
    bytes: opts.error ? 0 : 4096 + content.length,
    layout: opts.error ? '' : 'tracefs',
    ingest: {
      lines: 120,
      records: 100,
      headers: 11,
      integrity: nInt,
      blank: 2,
      skipped: { 'no-cpu-field': 6 },
    },
    integrity: Array.from({ length: opts.error ? 0 : nInt }, (_, i) => ({
      line: 7 + i,
      kind: 'lost-events',
      cpu: 1,
      count: 12 + i,
      text: `CPU:1 [LOST ${12 + i} EVENTS]`,
    })),
    scenarios,
    events: {
      modelEvents: 40,
      calls: nScen * nCalls,
      generic: { sched_switch: 3 },
      foreignMarkers: 1,
      observedReturns: 1,
    },
    ms: 12.5,
  };
  if (opts.error)
    result.error = { code: 'PB_TRACE_LAYOUT', message: `${opts.trace}: not an ftrace text layout` };
  return result;
}

/** All records of a result in export order (divergences, finals, verdicts per scenario). */
export function exportedRecords(r: TraceReplayResult): object[] {
  const out: object[] = [];
  for (const sc of r.scenarios) {
    const withM = <T extends object>(x: T) => (r.identity.matrix ? { ...x, matrix: r.identity.matrix } : x);
    for (const d of sc.divergences) out.push(withM(d));
    for (const f of sc.finals) out.push(withM(f));
    for (const v of sc.verdicts) out.push(withM(v));
  }
  return out;
}

/**
 * A Policy with just enough for the store (metadata and a kernel table whose source text makes
 * the module hash); `logic` changes the hash as a changed policy would.
 */
export function fixturePolicy(id: string, logic = 'v1'): Policy {
  const gup = new Function('k', 'st', `return { ret: 1, logic: ${JSON.stringify(logic)} };`);
  return {
    id,
    kind: 'release',
    title: `Linux ${id}`,
    scopeRelease: id,
    versions: {
      'gup-core': {
        family: 'gup-core',
        id: 'v5.4',
        subject: 'gup core',
        release: 'v5.4',
        summary: '',
        ops: {},
      },
      pinnable: {
        family: 'pinnable',
        id: id === BAD ? '1101fb8f89c5' : 'v5.4',
        commit: id === BAD ? '1101fb8f89c5c4bd77c0d2e57ba2ed7d8b1e4d80' : undefined,
        subject: 'mm/gup: migrate device coherent pages when pinning instead of failing',
        release: 'v6.0-rc1',
        summary: 'zero page no longer long-term pinnable',
        ops: {},
      },
    } as unknown as Policy['versions'],
    overrides: [],
    commit: id === BAD ? '1101fb8f89c5c4bd77c0d2e57ba2ed7d8b1e4d80' : undefined,
    subject: `Linux ${id}`,
    ops: { gup } as unknown as Readonly<Kernel>,
  } as Policy;
}
