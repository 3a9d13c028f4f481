/**
 * Property tests (fast-check) for the tokenizer: junk never crashes or hangs it, every
 * well-formed line reads back to what it was made from, and chunk boundaries change nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PinbenchError, TraceError } from '../errors.ts';
import type { EventRecord, TraceRecord } from './trace-record.ts';
import { type TokenizeSummary, TraceTokenizer } from './trace-tokenizer.ts';

type Outcome = { ok: true; records: unknown[]; summary: TokenizeSummary } | { ok: false; error: string };

/** Tokenizes `bytes` cut at `cuts`; records as plain data (fields and exact ts included). */
function run(bytes: Uint8Array, cuts: number[] = []): Outcome {
  const records: TraceRecord[] = [];
  const tok = new TraceTokenizer({ onRecord: (r) => records.push(r) });
  try {
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      tok.push(bytes.subarray(prev, c));
      prev = c;
    }
    const summary = tok.end();
    return { ok: true, records: records.map(plain), summary };
  } catch (e) {
    if (e instanceof TraceError && e.code === 'PB_TRACE_REFUSED') return { ok: false, error: e.message };
    throw e;
  }
}

function plain(r: TraceRecord): unknown {
  if (r.kind === 'integrity') return { ...r };
  return { ...r, ts: { clock: r.ts.clock, text: r.ts.text, value: r.ts.value }, fields: { ...r.fields } };
}

function addsUp(s: TokenizeSummary): boolean {
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  return s.lines === s.records + s.headers + s.integrity + s.blank + skipped;
}

/** Lines that look like trace text in part: the tokenizer's hard cases. */
const traceish = fc.constantFrom(
  ' ',
  '  ',
  '-',
  '-12',
  '[',
  ']',
  '[003]',
  '(',
  ')',
  '(  42)',
  '(---)',
  '.....',
  'd..1.',
  '1207.003114',
  '884213377',
  ':',
  ': ',
  'ev:',
  'tracing_mark_write: ',
  '<-',
  ' <-parent',
  '#',
  '# tracer: nop',
  'CPU:1 [LOST 3 EVENTS]',
  'cpus=2',
  'x',
  'ü',
  '\t',
  '\r',
  '\n',
);
const junkText = fc.array(traceish, { maxLength: 80 }).map((parts) => Buffer.from(parts.join('')));

function cutsFor(len: number) {
  return fc
    .array(fc.integer({ min: 0, max: Math.max(0, len) }), { maxLength: 12 })
    .map((cs) => [...new Set(cs)].sort((a, b) => a - b));
}

describe('tokenizer properties', () => {
  it('arbitrary bytes never crash it: it reads, or refuses with PB_TRACE_REFUSED, and lines add up', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), junkText), (bytes) => {
        const out = run(bytes);
        if (out.ok) expect(addsUp(out.summary)).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  it('junk in any chunking gives the same outcome as in one piece', () => {
    fc.assert(
      fc.property(
        junkText.chain((b) => fc.tuple(fc.constant(b), cutsFor(b.length))),
        ([bytes, cuts]) => {
          expect(run(bytes, cuts)).toEqual(run(bytes));
        },
      ),
      { numRuns: 400 },
    );
  });

  // --- well-formed lines ---------------------------------------------------------------------

  const commChar = fc.constantFrom(...'abcxyzKW019 _-:/().<>[]ü日'.split(''));
  const comm = fc
    .array(commChar, { minLength: 1, maxLength: 15 })
    .map((cs) => cs.join(''))
    // leading spaces are padding; `[digits]` inside a comm can make a second cpu field
    .filter((c) => !c.startsWith(' ') && !/\[\d+\]/.test(c));
  const flagChar = fc.constantFrom(...'.dDbXNnpLlBhHsZz0123456789abcdef'.split(''));
  const flags = fc.option(
    fc.integer({ min: 4, max: 5 }).chain((n) => fc.array(flagChar, { minLength: n, maxLength: n })),
    { nil: undefined },
  );
  const ts = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 999_999 }))
      .map(([sec, usec]) => ({
        clock: 'ns' as const,
        text: `${String(sec).padStart(5)}.${String(usec).padStart(6, '0')}`,
        value: BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n,
      })),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({
      clock: 'counter' as const,
      text: String(v).padStart(12),
      value: v,
    })),
  );
  const event = fc.stringMatching(/^[a-z_][a-z0-9_]{0,30}$/);
  const payload = fc
    .array(fc.constantFrom(...'ab =x0[]-:,"|() <-ü'.split('')), { maxLength: 60 })
    .map((cs) => cs.join(''));
  const line = fc.record({
    comm,
    pid: fc.integer({ min: 0, max: 4_194_304 }),
    tgid: fc.option(fc.option(fc.integer({ min: 1, max: 4_194_304 }), { nil: null }), { nil: undefined }),
    cpu: fc.integer({ min: 0, max: 4095 }),
    flags,
    ts,
    event,
    payload,
    oldKernel: fc.boolean(),
  });
  type Line = typeof line extends fc.Arbitrary<infer T> ? T : never;

  function format(l: Line): string {
    const pidWidth = l.oldKernel ? 5 : 7;
    const tgid =
      l.tgid === undefined
        ? ''
        : l.tgid === null
          ? `(${'-'.repeat(pidWidth)}) `
          : `(${String(l.tgid).padStart(pidWidth)}) `;
    const fl = l.flags === undefined ? '' : `${l.flags.join('')} `;
    return `${l.comm.padStart(16)}-${String(l.pid).padEnd(pidWidth)} ${tgid}[${String(l.cpu).padStart(3, '0')}] ${fl}${l.ts.text}: ${l.event}: ${l.payload}`;
  }

  it('every well-formed line reads back to the parts it was made from', () => {
    fc.assert(
      fc.property(line, (l) => {
        const text = format(l);
        const out = run(Buffer.from(`${text}\n`));
        if (!out.ok) throw new Error(out.error);
        expect(out.summary.skipped).toEqual({});
        expect(out.records).toHaveLength(1);
        const r = out.records[0] as EventRecord;
        const want: Record<string, unknown> = {
          kind: 'event',
          line: 1,
          task: l.comm,
          pid: l.pid,
          cpu: l.cpu,
          ts: { clock: l.ts.clock, text: l.ts.text.trim(), value: l.ts.value },
          event: l.event,
          payload: l.payload,
          payloadCol: text.length - l.payload.length + 1,
          text,
        };
        if (l.tgid !== undefined) want.tgid = l.tgid;
        if (l.flags !== undefined) want.flags = l.flags.join('');
        expect(r).toEqual({ ...want, fields: r.fields });
      }),
      { numRuns: 1000 },
    );
  });

  it('a trace cut into chunks anywhere gives the same records and stats as in one piece', () => {
    const extra = fc.constantFrom(
      '# tracer: nop',
      '#',
      '',
      '   ',
      'CPU:1 [LOST 15855 EVENTS]',
      '##### CPU 6 buffer started ####',
      'not a trace line',
      '        pinbench-1 [000] .....  1.5: some words',
    );
    const trace = fc
      .tuple(
        fc.array(fc.oneof({ weight: 3, arbitrary: line.map(format) }, { weight: 1, arbitrary: extra }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([lines, crlf, finalNewline]) => {
        const sep = crlf ? '\r\n' : '\n';
        return Buffer.from(lines.join(sep) + (finalNewline ? sep : ''));
      });
    fc.assert(
      fc.property(
        trace.chain((b) => fc.tuple(fc.constant(b), cutsFor(b.length))),
        ([bytes, cuts]) => {
          const whole = run(bytes);
          const chunked = run(bytes, cuts);
          expect(chunked).toEqual(whole);
          if (whole.ok) expect(addsUp(whole.summary)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the only errors it throws are PinbenchErrors', () => {
    // `run` rethrows anything but a refusal; here strict mode turns skips into syntax errors too.
    fc.assert(
      fc.property(junkText, (bytes) => {
        const tok = new TraceTokenizer({ strict: true });
        try {
          tok.push(bytes);
          tok.end();
        } catch (e) {
          expect(e).toBeInstanceOf(PinbenchError);
          expect(['PB_TRACE_REFUSED', 'PB_TRACE_SYNTAX']).toContain((e as PinbenchError).code);
        }
      }),
      { numRuns: 300 },
    );
  });
});
