/**
 * The trace fuzz suite (issues 12 and 13): mutated copies of the shipped traces through the real
 * ingest -> model -> replay path. Seeded and bounded (PINBENCH_FUZZ_SEED, PINBENCH_FUZZ_ROUNDS
 * mutations per class per trace), so a failure names the seed that reproduces it.
 *
 * Asserted for every input: no crash (nothing but a PinbenchError escapes, and replayTrace turns
 * those into a trace error), no hang (every input finishes; the slowest is printed), and no
 * damaged scenario gets `pass` or `fail`: its verdicts are `inconclusive` or `error`, or it is
 * gone (a trace error, or its `pinbench_scenario` line did not survive).
 *
 * "Damaged", precisely. A scenario owns the lines from its `pinbench_scenario` line to the next
 * one; the `pinbench_config` lines before the first scenario belong to every scenario (a config
 * holds until the end); `#` header lines and noise records before the first scenario belong to
 * none. Then a scenario is damaged by:
 * - truncation at a byte offset or a line boundary: the scenario the cut falls in (or after the
 *   last line of);
 * - dropping, duplicating or extending (past the 1 MiB line limit) one of its lines;
 * - moving one of its lines past another whose timestamp differs (a swap of equal timestamps is
 *   a legitimate order of the same recording and counted apart as `undetectable`);
 * - splicing two traces into one file: every scenario of both;
 * - a value change inside one of its lines (byte flip, control character, NUL, a huge or
 *   negative number, a column layout from another tool) that leaves a line that no longer reads:
 *   not a trace record, or a vocabulary event whose fields are invalid. A change that leaves a
 *   well-formed line (a flipped digit in `size=0x4000`, a flipped letter in a title) is a
 *   different recording, not a damaged one: no reader can tell, so it is counted as
 *   `undetectable` and only the no-crash/no-hang rules apply. Huge and negative numbers are
 *   always invalid (sizes, addresses and counts are unsigned and below 2^53), so those are
 *   asserted to be detected.
 * - CRLF line ends (all or some lines) damage nothing: the verdicts must equal the original's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getPolicy } from '../../policies/index.ts';
import { isPinbenchError } from '../../src/errors.ts';
import type { EventRecord, TraceRecord } from '../../src/ingest/trace-record.ts';
import { tokenizeBytes } from '../../src/ingest/trace-tokenizer.ts';
import { vocabularyOf } from '../../src/model/event-stream.ts';
import { parseModelEvent } from '../../src/model/parse-event.ts';
import { replayTrace } from '../../src/replay/replay-trace.ts';
import type { TraceReplayResult } from '../../src/replay/results.ts';
import { Prng } from '../../src/synth/prng.ts';

const SEED = Number(process.env.PINBENCH_FUZZ_SEED ?? 20261206);
const ROUNDS = Number(process.env.PINBENCH_FUZZ_ROUNDS ?? 3);
/** A few releases from every era: the damage rules do not depend on which policies run. */
const POLICIES = ['v5.4', 'v5.19-rc1', 'v6.0-rc1', 'v6.1', 'v6.12', 'v6.18'].map((id) => getPolicy(id));
const TRACES = readdirSync('traces')
  .filter((f) => f.endsWith('.trace'))
  .sort()
  .map((f) => join('traces', f));

const CLASSES = [
  'truncate-offset',
  'truncate-line',
  'drop-lines',
  'duplicate-line',
  'reorder-lines',
  'byte-flip',
  'control-char',
  'nul',
  'huge-number',
  'negative-number',
  'megaline',
  'crlf-all',
  'crlf-some',
  'splice-traces',
  'mixed-columns',
] as const;
type MutationClass = (typeof CLASSES)[number];

interface Line {
  text: string;
  /** Scenarios this line belongs to ('*' = every scenario). */
  owner: string | null;
  record: boolean;
}

interface Original {
  path: string;
  lines: Line[];
  scenarios: string[];
  verdicts: Map<string, string>;
}

interface Mutation {
  cls: MutationClass;
  text: string | Buffer;
  /** Scenario names that must not pass or fail; '*' for all. */
  damaged: Set<string>;
  /** Verdicts must equal the original's (CRLF). */
  same?: boolean;
  /** A value change that left well-formed lines: nothing to assert about verdicts. */
  undetectable?: boolean;
  /** huge/negative: the change must be detected. */
  mustDetect?: boolean;
}

// Event lines (`pinbench_scenario: name=x`) and markers (`pinbench: pinbench_scenario name=x`).
const SCENARIO_RE = /pinbench_scenario:? name=(\S+)/;

function analyse(path: string, text: string): Omit<Original, 'verdicts'> {
  const raw = text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  let current: string | null = null;
  const scenarios: string[] = [];
  const lines = raw.map((t): Line => {
    const m = SCENARIO_RE.exec(t);
    if (m) {
      current = m[1]!;
      scenarios.push(current);
    }
    const record = t.trim() !== '' && !t.startsWith('#');
    const owner = current ?? (/pinbench_config[: ]/.test(t) ? '*' : null);
    return { text: t, owner, record };
  });
  return { path, lines, scenarios };
}

function verdictMap(r: TraceReplayResult): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of r.scenarios) for (const v of s.verdicts) m.set(`${s.scenario}\t${v.policy}`, v.verdict);
  return m;
}

function join1(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

function ownersOf(o: Original, idx: readonly number[]): Set<string> {
  const out = new Set<string>();
  for (const i of idx) {
    const owner = o.lines[i]?.owner;
    if (owner) out.add(owner);
  }
  return out;
}

function timestampOf(line: string): string | undefined {
  return /\]\s+(?:\S+\s+)?(\d+\.\d+):/.exec(line)?.[1];
}

/** Does a changed line still read as a well-formed record (and valid event, if vocabulary)? */
function stillWellFormed(after: string): boolean {
  const recs: TraceRecord[] = [];
  tokenizeBytes(Buffer.from(`${after}\n`, 'latin1'), {
    layout: 'tracefs',
    firstLine: 2,
    wholeInput: false,
    onRecord: (r) => recs.push(r),
  });
  const rec = recs[0];
  if (rec?.kind !== 'event' || recs.length !== 1) return false;
  const vocab = vocabularyOf(rec as EventRecord);
  if (!vocab) return true; // a noise record (or one renamed out of the vocabulary): still a record
  try {
    parseModelEvent(vocab.event, vocab.payload, {
      file: 'x',
      line: 2,
      text: after,
      payloadCol: vocab.payloadCol,
      kernel: null,
      seq: 0,
      cpu: rec.cpu,
      pid: rec.pid,
    });
    return true;
  } catch (e) {
    if (!isPinbenchError(e)) throw e;
    return false;
  }
}

function recordLines(o: Original): number[] {
  return o.lines.flatMap((l, i) => (l.record ? [i] : []));
}

function vocabLines(o: Original, numeric: boolean): number[] {
  return o.lines.flatMap((l, i) =>
    l.record &&
    /(?:: |pinbench: )(?:pinbench_(?:config|page|vma|pte)|vfio_|pin_user|get_user|io_uring_|vm_insert|vmf_insert|remap_pfn|vm_normal|folio_walk|munmap|fork)/.test(
      l.text,
    ) &&
    (!numeric || /\s[a-z_]+=(0x[0-9a-fA-F]+|\d+)\b/.test(l.text))
      ? [i]
      : [],
  );
}

/** A value change to line `i`: damaged if the line no longer reads, else undetectable. */
function valueChange(
  o: Original,
  cls: MutationClass,
  i: number,
  after: string,
  mustDetect = false,
): Mutation {
  const lines = o.lines.map((l) => l.text);
  lines[i] = after;
  const text = Buffer.from(join1(lines), 'latin1');
  if (!mustDetect && stillWellFormed(after)) return { cls, text, damaged: new Set(), undetectable: true };
  return { cls, text, damaged: ownersOf(o, [i]), mustDetect };
}

function mutate(o: Original, cls: MutationClass, rng: Prng, others: readonly Original[]): Mutation | null {
  const lines = o.lines.map((l) => l.text);
  const records = recordLines(o);
  switch (cls) {
    case 'truncate-offset': {
      const full = join1(lines);
      const at = rng.int(full.length);
      const lineIdx = full.slice(0, at).split('\n').length - 1;
      return { cls, text: full.slice(0, at), damaged: ownersOf(o, [lineIdx, Math.max(0, lineIdx - 1)]) };
    }
    case 'truncate-line': {
      const keep = 1 + rng.int(lines.length - 1);
      return { cls, text: join1(lines.slice(0, keep)), damaged: ownersOf(o, [keep - 1]) };
    }
    case 'drop-lines': {
      const n = 1 + rng.int(3);
      const drop = new Set(Array.from({ length: n }, () => rng.pick(records)));
      return { cls, text: join1(lines.filter((_, i) => !drop.has(i))), damaged: ownersOf(o, [...drop]) };
    }
    case 'duplicate-line': {
      const i = rng.pick(records);
      lines.splice(i, 0, lines[i]!);
      return { cls, text: join1(lines), damaged: ownersOf(o, [i]) };
    }
    case 'reorder-lines': {
      const a = rng.pick(records);
      const b = rng.pick(records);
      if (a === b) return null;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      if (timestampOf(o.lines[a]!.text) === timestampOf(o.lines[b]!.text))
        return { cls, text: join1(lines), damaged: new Set(), undetectable: true };
      return { cls, text: join1(lines), damaged: ownersOf(o, [a, b]) };
    }
    case 'byte-flip': {
      const i = rng.pick(records);
      const t = Buffer.from(lines[i]!, 'latin1');
      const at = rng.int(t.length);
      t[at] = t[at]! ^ (1 << rng.int(8));
      if (t[at] === 10) t[at] = 11; // a flip to '\n' would be a split line: another class
      return valueChange(o, cls, i, t.toString('latin1'));
    }
    case 'control-char':
    case 'nul': {
      const i = rng.pick(records);
      const t = lines[i]!;
      const at = rng.int(t.length + 1);
      const c =
        cls === 'nul'
          ? '\0'
          : rng.pick(['\x01', '\x07', '\x08', '\x0b', '\x0c', '\x1b', '\x7f', '\x9b', '\t']);
      return valueChange(o, cls, i, t.slice(0, at) + c + t.slice(at));
    }
    case 'huge-number':
    case 'negative-number': {
      const candidates = vocabLines(o, true).filter((i) => !lines[i]!.includes('pinbench_expect'));
      if (candidates.length === 0) return null;
      const i = rng.pick(candidates);
      const t = lines[i]!;
      const fields = [...t.matchAll(/\s([a-z_]+)=(0x[0-9a-fA-F]+|\d+)\b/g)].filter((m) => m[1] !== 'ret');
      if (fields.length === 0) return null;
      const m = rng.pick(fields);
      const value =
        cls === 'huge-number'
          ? rng.pick(['18446744073709551616', '0xffffffffffffffffffff', '99999999999999999999999'])
          : `-${m[2]}`;
      const at = m.index! + 1 + m[1]!.length + 1;
      return valueChange(o, cls, i, t.slice(0, at) + value + t.slice(at + m[2]!.length), true);
    }
    case 'megaline': {
      const i = rng.pick(records);
      lines[i] = `${lines[i]} ${'y'.repeat((1 << 20) + rng.int(1000))}`;
      return { cls, text: join1(lines), damaged: ownersOf(o, [i]) };
    }
    case 'crlf-all':
      return { cls, text: lines.map((l) => `${l}\r\n`).join(''), damaged: new Set(), same: true };
    case 'crlf-some':
      return {
        cls,
        text: lines.map((l) => `${l}${rng.chance(0.5) ? '\r\n' : '\n'}`).join(''),
        damaged: new Set(),
        same: true,
      };
    case 'splice-traces': {
      const other = rng.pick(others.filter((x) => x !== o));
      return {
        cls,
        text: join1(lines) + join1(other.lines.map((l) => l.text)),
        damaged: new Set(['*', ...other.scenarios]),
      };
    }
    case 'mixed-columns': {
      // trace-cmd report style for one line: the flags column dropped, the cpu padded.
      const i = rng.pick(records);
      const after = lines[i]!.replace(/\[(\d{3})\] ([.a-zA-Z0-9]{4,5}) /, (_m, cpu: string) => `[${cpu}]  `);
      if (after === lines[i]) return null;
      return valueChange(o, cls, i, after);
    }
  }
}

const counts = {
  inputs: 0,
  crashes: 0,
  hangs: 0,
  traceErrors: 0,
  undetectable: 0,
  damagedScenarios: 0,
  perClass: {} as Record<string, number>,
  damagedOutcomes: { inconclusive: 0, error: 0, gone: 0 } as Record<string, number>,
  verdicts: {} as Record<string, number>,
  slowestMs: 0,
};

describe(`trace fuzz (seed ${SEED}, ${ROUNDS} round(s) per class per trace)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbench-fuzz-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    // The closing note's numbers.
    console.log(`trace fuzz seed ${SEED}: ${JSON.stringify(counts)}`);
  });

  it('no crash, no hang, and no damaged scenario passes or fails', { timeout: 300_000 }, async () => {
    const originals: Original[] = [];
    for (const path of TRACES) {
      const a = analyse(path, readFileSync(path, 'latin1'));
      const r = await replayTrace(path, POLICIES, { outcomes: false });
      originals.push({ ...a, verdicts: verdictMap(r) });
    }
    const rng = new Prng(SEED);
    let n = 0;
    const problems: string[] = [];
    for (const o of originals) {
      for (const cls of CLASSES) {
        for (let round = 0; round < ROUNDS; round++) {
          const m = mutate(o, cls, rng, originals);
          if (m === null) continue;
          const file = join(dir, `${n++}-${cls}.trace`);
          writeFileSync(file, m.text);
          const where = `${o.path} ${cls} round ${round} (seed ${SEED})`;
          counts.inputs++;
          counts.perClass[cls] = (counts.perClass[cls] ?? 0) + 1;
          const t0 = performance.now();
          let r: TraceReplayResult;
          try {
            r = await replayTrace(file, POLICIES, { outcomes: false });
          } catch (e) {
            counts.crashes++;
            problems.push(`${where}: crash: ${(e as Error)?.stack ?? String(e)}`);
            continue;
          } finally {
            rmSync(file, { force: true });
          }
          const ms = performance.now() - t0;
          counts.slowestMs = Math.max(counts.slowestMs, Math.round(ms));
          if (r.error) counts.traceErrors++;
          if (m.undetectable) counts.undetectable++;
          for (const s of r.scenarios)
            for (const v of s.verdicts) counts.verdicts[v.verdict] = (counts.verdicts[v.verdict] ?? 0) + 1;
          if (m.same) {
            const got = verdictMap(r);
            if (JSON.stringify([...got]) !== JSON.stringify([...o.verdicts]))
              problems.push(`${where}: CRLF line ends changed the verdicts`);
            continue;
          }
          const damaged = m.damaged.has('*') ? new Set([...o.scenarios, ...m.damaged]) : m.damaged;
          damaged.delete('*');
          if (m.mustDetect && damaged.size === 0 && !m.damaged.has('*'))
            problems.push(`${where}: a huge or negative value was not in any scenario`);
          for (const name of damaged) {
            counts.damagedScenarios++;
            const scenario = r.scenarios.find((s) => s.scenario === name);
            if (!scenario || scenario.verdicts.length === 0) {
              counts.damagedOutcomes.gone!++;
              continue;
            }
            for (const v of scenario.verdicts) {
              if (v.verdict === 'pass' || v.verdict === 'fail') {
                problems.push(`${where}: damaged scenario ${name} got ${v.verdict} for ${v.policy}`);
                break;
              }
            }
            const kind = scenario.verdicts.some((v) => v.verdict === 'error') ? 'error' : 'inconclusive';
            counts.damagedOutcomes[kind] = (counts.damagedOutcomes[kind] ?? 0) + 1;
          }
        }
      }
    }
    counts.hangs = 0; // every input above returned; a hang would have failed this test's timeout
    expect(problems.slice(0, 20)).toEqual([]);
    expect(counts.crashes).toBe(0);
    expect(counts.inputs).toBeGreaterThan(CLASSES.length * TRACES.length * ROUNDS * 0.8);
    // Every class produced inputs, and damage was seen and judged.
    for (const cls of CLASSES) expect(counts.perClass[cls], cls).toBeGreaterThan(0);
    expect(counts.damagedScenarios).toBeGreaterThan(0);
  });
});
