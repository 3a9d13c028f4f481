/**
 * The engine's comparison, divergence and verdict logic, exercised with two small hand-written
 * kernels (policies are swappable modules; these stand in for releases so the expected values
 * here do not depend on the kernel models).
 */
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../ingest/trace-record.ts';
import { EventStream, type Scenario } from '../model/event-stream.ts';
import { composeKernel, ENTRY_POINTS, type Kernel, type Policy } from '../model/kernel.ts';
import type { CallResult } from '../model/outcome.ts';
import type { State } from '../model/state.ts';
import { traceIdentity } from './divergence-identity.ts';
import { replayScenario } from './replay-scenario.ts';

/** A kernel whose pin_user_pages adds `bias` refs to the zero page, or spins when `spin`. */
function toyKernel(bias: number, spin = false): Kernel {
  const unsupported = (): CallResult => ({ ret: 'unsupported' });
  const ops: Partial<Kernel> = {};
  for (const name of ENTRY_POINTS) (ops as Record<string, unknown>)[name] = unsupported;
  ops.gup = (_k, st: State, _name, a) => {
    if (spin) {
      st.why('zero pfn -> not pinnable -> retry');
      return { ret: 'livelock' };
    }
    const zero = st.folio('zero')!;
    st.addRef(zero, bias);
    st.why(`pin zero +${bias}`);
    return { ret: a.nrPages, pfns: [st.config.zero_pfn] };
  };
  ops.release = (_k, st: State) => {
    st.addRef(st.folio('zero')!, -bias);
    return { ret: 0 };
  };
  return composeKernel([], ops);
}

function policy(id: string, ops: Kernel): Policy {
  return {
    id,
    kind: 'release',
    title: id,
    scopeRelease: id,
    versions: {} as Policy['versions'],
    overrides: [],
    ops,
  };
}

let line = 0;
function rec(event: string, payload: string, cpu = 0): EventRecord {
  line++;
  const text = `  qemu-1 [00${cpu}] ..... 1.000000: ${event}: ${payload}`;
  return {
    kind: 'event',
    line,
    task: 'qemu',
    pid: 1,
    cpu,
    ts: { clock: 'ns', value: 1_000_000_000n, text: '1.000000' },
    event,
    payload,
    fields: {},
    payloadCol: text.indexOf(': ', text.indexOf(']') + 12) + 2,
    text,
  };
}

function scenario(lines: [string, string, number?][]): Scenario {
  line = 0;
  const s = new EventStream('toy.trace');
  for (const [e, p, cpu] of lines) s.push(rec(e, p, cpu));
  return s.end()!;
}

const opts = { trace: traceIdentity('toy.trace'), outcomes: true };
const pinZero: [string, string][] = [
  ['pinbench_scenario', 'name=zero-pin'],
  ['pinbench_vma', 'start=0x1000 end=0x2000 flags=VM_READ|VM_MAYREAD|VM_MAYWRITE'],
  ['pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM'],
  ['pinbench_expect', 'ret=1 ret!=livelock'],
  ['unpin_user_page', 'of=0'],
  ['pinbench_expect', 'final.leaks=0'],
];

describe('replayScenario', () => {
  const a = policy('A', toyKernel(1024));
  const b = policy('B', toyKernel(1024));
  const c = policy('C', toyKernel(1));
  const spin = policy('S', toyKernel(0, true));

  it('refuses two policies with one id (outcomes are kept by position and named by id)', () => {
    expect(() => replayScenario(scenario(pinZero), [a, policy('A', toyKernel(1))], opts)).toThrow(/same id/);
  });

  it('agreeing policies give outcomes, finals and pass verdicts, no divergence', () => {
    const r = replayScenario(scenario(pinZero), [a, b], opts);
    expect(r.outcomes.map((o) => [o.policy, o.seq, o.ret, o.refs])).toEqual([
      ['A', 0, 1, { zero: 1024 }],
      ['B', 0, 1, { zero: 1024 }],
      ['A', 1, 0, { zero: -1024 }],
      ['B', 1, 0, { zero: -1024 }],
    ]);
    expect(r.divergences).toEqual([]);
    expect(r.verdicts.map((v) => [v.policy, v.verdict])).toEqual([
      ['A', 'pass'],
      ['B', 'pass'],
    ]);
    expect(r.finals[0]).toMatchObject({ type: 'final', policy: 'A', leaks: {} });
  });

  it('groups disagreeing policies into classes with their why paths; the first is root, the repeat a cascade', () => {
    const r = replayScenario(scenario(pinZero), [a, b, c], opts);
    expect(r.divergences.map((d) => [d.seq, d.root, d.classes.map((k) => k.policies)])).toEqual([
      [0, true, [['A', 'B'], ['C']]],
      [1, false, [['A', 'B'], ['C']]],
    ]);
    expect(r.divergences[0]!.classes[1]!.why).toEqual(['pin zero +1']);
    expect(r.divergences[0]!.signature).toMatch(/^[0-9a-f]{16}$/);
  });

  it('signatures are stable across runs and change with the scenario and the configuration', () => {
    const sig = (lines: [string, string][], o: Parameters<typeof replayScenario>[2] = opts) =>
      replayScenario(scenario(lines), [a, c], o).divergences[0]!.signature;
    const one = sig(pinZero);
    expect(sig(pinZero)).toBe(one);
    const wider = pinZero.map(([e, p]): [string, string] => [e, p.replace('end=0x2000', 'end=0x3000')]);
    expect(sig(wider)).not.toBe(one);
    expect(sig(pinZero, { ...opts, trace: traceIdentity('toy.trace', 'pte_special=0') })).not.toBe(one);
    expect(sig(pinZero, { ...opts, configOverrides: { memlock_pages: 1 } })).not.toBe(one);
  });

  it('a divergence keeps its identity whatever policies hold its classes, and in any file', () => {
    const base = replayScenario(scenario(pinZero), [a, c], opts).divergences[0]!;
    // B joins A's class: same set of outcomes, same identity (and title).
    const more = replayScenario(scenario(pinZero), [a, b, c], opts).divergences[0]!;
    expect(more.signature).toBe(base.signature);
    expect(more.title).toBe(base.title);
    // The same scenario in another file, at other lines and times.
    line = 40;
    const s = new EventStream('elsewhere/other.trace');
    for (const [e, p] of pinZero) s.push(rec(e, p, 3));
    const moved = replayScenario(s.end()!, [c, a], {
      ...opts,
      trace: traceIdentity('elsewhere/other.trace'),
    });
    expect(moved.divergences[0]!.signature).toBe(base.signature);
    // A policy with a new outcome makes a different divergence.
    const spinning = replayScenario(scenario(pinZero), [a, c, spin], opts).divergences[0]!;
    expect(spinning.signature).not.toBe(base.signature);
  });

  it('titles a divergence with the scenario, the call and the outcome difference', () => {
    const d = replayScenario(scenario(pinZero), [a, spin], opts).divergences[0]!;
    expect(d.title).toBe('zero-pin #0 pin_user_pages: ret=1 refs zero+1024 vs ret=livelock');
  });

  it('a spinning policy fails ret!=livelock; the others pass', () => {
    const r = replayScenario(scenario(pinZero), [a, spin], opts);
    const v = Object.fromEntries(r.verdicts.map((x) => [x.policy, x]));
    expect(v.A!.verdict).toBe('pass');
    expect(v.S!.verdict).toBe('fail');
    expect(v.S!.failed).toEqual(['ret=1 (got livelock)', 'ret!=livelock (got livelock)']);
  });

  it('an expectation decided after a gap on a CPU the scenario ran on is inconclusive', () => {
    line = 0;
    const s = new EventStream('toy.trace');
    for (const [e, p] of pinZero.slice(0, 3)) s.push(rec(e, p));
    s.push({
      kind: 'integrity',
      line: ++line,
      integrity: 'lost-events',
      cpu: 0,
      count: 12,
      text: 'CPU:0 [LOST 12 EVENTS]',
    });
    for (const [e, p] of pinZero.slice(3)) s.push(rec(e, p));
    const r = replayScenario(s.end()!, [a, spin], opts);
    expect(r.verdicts.map((x) => [x.policy, x.verdict])).toEqual([
      ['A', 'inconclusive'],
      ['S', 'inconclusive'],
    ]);
  });

  it('a gap on another CPU does not matter', () => {
    line = 0;
    const s = new EventStream('toy.trace');
    for (const [e, p] of pinZero.slice(0, 3)) s.push(rec(e, p));
    s.push({
      kind: 'integrity',
      line: ++line,
      integrity: 'lost-events',
      cpu: 3,
      text: 'CPU:3 [LOST EVENTS]',
    });
    for (const [e, p] of pinZero.slice(3)) s.push(rec(e, p));
    expect(replayScenario(s.end()!, [a], opts).verdicts[0]!.verdict).toBe('pass');
  });

  it('observed returns join the class with the same ret, or stand apart', () => {
    const sc = scenario([
      ['pinbench_scenario', 'name=obs'],
      ['pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM ret=-14'],
    ]);
    const r = replayScenario(sc, [a, b], opts);
    expect(r.divergences[0]!.classes.map((k) => [k.policies, k.outcome.ret])).toEqual([
      [['A', 'B'], 1],
      [['observed'], -14],
    ]);
  });

  it('a recorded call every policy answers as the kernel did is no divergence; one that differs is', () => {
    const sc = scenario([
      ['pinbench_scenario', 'name=obs-agree'],
      ['pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM ret=1'],
    ]);
    expect(replayScenario(sc, [a, b], opts).divergences).toEqual([]);
    const r = replayScenario(sc, [a, spin], opts);
    expect(r.divergences[0]!.classes.map((k) => k.policies)).toEqual([['A', 'observed'], ['S']]);
  });

  it('unsupported policies are listed apart and get the unsupported verdict', () => {
    const sc = scenario([
      ['pinbench_scenario', 'name=walk'],
      ['folio_walk_start', 'addr=0x1000'],
      ['pinbench_expect', 'ret=NULL'],
    ]);
    const r = replayScenario(sc, [a, b], opts);
    expect(r.divergences).toEqual([]);
    expect(r.verdicts.map((v) => v.verdict)).toEqual(['unsupported', 'unsupported']);
  });

  it('scope= limits an expectation to matching policy ids', () => {
    const sc = scenario([
      ['pinbench_scenario', 'name=scoped'],
      ['pin_user_pages', 'start=0x1000 nr_pages=1 gup_flags=FOLL_LONGTERM'],
      ['pinbench_expect', 'ret=5 scope=C'],
    ]);
    const r = replayScenario(sc, [a, c], opts);
    expect(r.verdicts.map((v) => [v.policy, v.verdict])).toEqual([
      ['A', 'pass'],
      ['C', 'fail'],
    ]);
  });

  it('policies made of the same functions (v6.0-rc5 and v6.0) replay once and report alike', () => {
    let calls = 0;
    const counting = toyKernel(1024);
    const ops = composeKernel([], {
      ...counting,
      gup: (k, st, name, a) => {
        calls++;
        return counting.gup(k, st, name, a);
      },
    });
    const r = replayScenario(scenario(pinZero), [policy('P', ops), policy('Q', ops), c], opts);
    expect(calls).toBe(1);
    expect(r.outcomes.filter((o) => o.seq === 0).map((o) => [o.policy, o.refs])).toEqual([
      ['P', { zero: 1024 }],
      ['Q', { zero: 1024 }],
      ['C', { zero: 1 }],
    ]);
    expect(r.verdicts.map((v) => [v.policy, v.verdict])).toEqual([
      ['P', 'pass'],
      ['Q', 'pass'],
      ['C', 'pass'],
    ]);
    expect(r.finals.map((f) => f.policy)).toEqual(['P', 'Q', 'C']);
    expect(r.divergences[0]!.classes.map((k) => k.policies)).toEqual([['P', 'Q'], ['C']]);
  });
});
