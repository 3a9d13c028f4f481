/**
 * Stage 2 of ingest: one event line -> the positions of its parts (one `LineTokens` per line,
 * reused). Works on the line's bytes, before any decoding, and allocates nothing: the next stage
 * cuts strings out of the decoded line with these offsets.
 *
 * The CPU bracket `[NNN]` is the anchor, as in Perfetto's SystraceLineTokenizer: task names may
 * contain spaces, `-digits`, `:`, `/`, `(` and `[`, so the pid (and tgid) are read backwards from
 * the bracket and everything else forwards. Each `[digits]` is a candidate; the first one from
 * which the whole line reads is the cpu field. Lines this accepts (all real output, see
 * spec/facts/ftrace-text.md and test/fixtures/real-traces/):
 *
 * tracefs `trace` / `trace_pipe`, irq-info on, 5 flag columns (kernel >= 5.13):
 *         pinbench-18642   [000] .....  1211.298990: vm_unmapped_area: addr=0x7fe348b6c000 err=0 total_vm=0x43
 *           <idle>-0       [001] .Ns1.  1217.651378: kfree: call_site=security_task_free+0x1f/0x70 ptr=0000000000000000
 * 4 flag columns (older kernels) and longer PREEMPT_RT runs (1-8 characters of [.a-zA-Z0-9]):
 *           <idle>-0       [005] d.h2  1207.003120: irq_enter_rcu <-sysvec_apic_timer_interrupt
 * irq-info off (no flags column):
 *         pinbench-18816   [001]   1211.702494: vm_unmapped_area: addr=0x7ff08c815000 err=0 total_vm=0x43
 * record-tgid, known and unknown tgid (and the 5-wide forms of older kernels):
 *         pinbench-4712    (   4711) [003] .....  1207.004001: tracing_mark_write: PINBENCH step=3 op=unpin
 *      kworker/3:1-88      (-------) [003] d..1.  1207.004010: lru_add_drain_per_cpu <-process_one_work
 * counter / uptime / x86-tsc clocks (a bare integer, no decimal point):
 *         pinbench-4711    [002] .....    884213377: pin_user_pages_fast <-iov_iter_extract_pages
 * markers, kprobes, kretprobes (the payload is kept whole; see probe-payload.ts):
 *            <...>-19307   [001] ...1.  1212.900444: tracing_mark_write: pinbench: start pid=19307 pagesize=4096
 *         pinbench-385     [001] .....    19.523559: handle_mm_fault: (handle_mm_fault+0x0/0x2d0) vma=0xff11000005b1fda8
 *         pinbench-385     [000] .....    19.576696: __gup_longterm_locked_ret: ([unknown/kretprobe'd] <- __gup_longterm_locked) ret=-14
 * function tracer (no `event:`; the record's event is `function`), with sym-offset, sym-addr, or
 * no parent (print-parent off):
 *         pinbench-4711    [002] ...1.  1207.003116: gup_fast_fallback <-pin_user_pages_fast
 *         pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast+0x0/0x90 <-iov_iter_extract_pages+0x1c4/0x3a0
 *         pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast <ffffffff8123a450> <-iov_iter_extract_pages <ffffffff815c9e14>
 *         pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast <ffffffff8123a450>
 *         pinbench-4711    [002] .....  1207.003114: pin_user_pages_fast
 * trace-cmd report: `%-5d` pid, optional flags, event names padded (the padding is not payload):
 *         pinbench-20170 [001]  1219.090844: exit_mmap:            mt_mod 0xffff888110934b40, DESTROY
 *         pinbench-20170 [001]  1219.091311: print:                tracing_mark_write: pinbench: start pid=20170
 *         pinbench-4711  [002] .....  1207.003114: function:             pin_user_pages_fast <-- iov_iter_extract_pages
 * trace-cmd report -l: no bracket, the cpu number runs into the flags:
 *           <idle>-0       0d.h1. 106467.859747: function:             ktime_get <-- tick_check_idle
 */
import type { SkipReason } from './trace-record.ts';

/** Offsets are absolute indexes into the line's bytes. */
export class LineTokens {
  taskStart = 0;
  taskEnd = 0;
  pid = 0;
  /** 0: no tgid column; 1: `(  tgid)`; 2: `(-------)`. */
  tgidKind = 0;
  tgid = 0;
  cpu = 0;
  /** Equal when there is no flags column. */
  flagsStart = 0;
  flagsEnd = 0;
  tsStart = 0;
  tsEnd = 0;
  /** Whether the timestamp has a decimal point (`sec.usec`, ns clocks) or not (counter clocks). */
  tsDecimal = false;
  /** -1 for a function-tracer line, which has no `event:`. */
  eventStart = 0;
  eventEnd = 0;
  /** A hash of the event name's bytes (for interning). */
  eventHash = 0;
  payloadStart = 0;
  /** On failure: where reading stopped. */
  failAt = 0;
}

const SPACE = 32;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const LBRACKET = 91;
const RBRACKET = 93;
const LPAREN = 40;
const RPAREN = 41;
const LT = 60;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[.a-zA-Z0-9]`: the characters ftrace's latency flags are made of. */
function isFlagChar(c: number): boolean {
  return c === DOT || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const MAX_FLAGS = 8;
const MAX_CANDIDATES = 8;
/** trace-cmd report -l: the `-<pid>` is within the padded comm column at the start of the line. */
const MAX_LATENCY_PID_COLUMN = 80;
const MAX_ID_DIGITS = 10;
const MAX_FRACTION_DIGITS = 9;

/**
 * Reads an event line `bytes[start, end)`. Returns null and fills `t` when it reads, or the reason
 * it does not (with `t.failAt`). `padded`: the layout pads event names (trace-cmd report), so the
 * payload starts after all the spaces that follow `event:`; otherwise after exactly one.
 */
export function scanEventLine(
  u: Uint8Array,
  start: number,
  end: number,
  padded: boolean,
  t: LineTokens,
): SkipReason | null {
  let i = start;
  while (i < end && u[i] === SPACE) i++;
  const taskStart = i;
  // The reason the most promising candidate failed for, reported if none reads.
  let reason: SkipReason = 'no-cpu-field';
  let failAt = end;
  let rank = 0;
  let search = taskStart;
  // A comm has at most 15 characters, so the real bracket is among the first few; the limit
  // keeps a crafted line from costing more than a few passes over it.
  for (let tries = 0; tries < MAX_CANDIDATES; ) {
    let b = search;
    while (b < end && u[b] !== LBRACKET) b++;
    if (b >= end) break;
    search = b + 1;
    // `[digits]` preceded by a space.
    let j = b + 1;
    let cpu = 0;
    while (j < end && j - b <= MAX_ID_DIGITS) {
      const c = u[j]!;
      if (!isDigit(c)) break;
      cpu = cpu * 10 + (c - 48);
      j++;
    }
    if (j === b + 1 || j >= end || u[j] !== RBRACKET || b === taskStart || u[b - 1] !== SPACE) continue;
    tries++;
    const r = readAround(u, taskStart, b, j + 1, end, padded, t);
    if (r === null) {
      t.cpu = cpu;
      return null;
    }
    const rk = rankOf(r);
    if (rk > rank) {
      rank = rk;
      reason = r;
      failAt = t.failAt;
    }
  }
  // No bracket reads: maybe trace-cmd report -l, where `<cpu><flags>` replaces `[cpu] flags`.
  if (scanLatencyReportLine(u, taskStart, end, padded, t)) return null;
  t.failAt = rank === 0 ? (end > taskStart ? taskStart : start) : failAt;
  return reason;
}

/** The further a candidate got, the better its failure explains the line. */
function rankOf(r: SkipReason): number {
  switch (r) {
    case 'no-pid':
    case 'bad-tgid':
      return 1;
    case 'bad-flags':
    case 'bad-timestamp':
      return 2;
    case 'no-event':
      return 3;
    default:
      return 0;
  }
}

/** Backwards from the bracket at `open` for pid/tgid/task, forwards from `after` for the rest. */
function readAround(
  u: Uint8Array,
  taskStart: number,
  open: number,
  after: number,
  end: number,
  padded: boolean,
  t: LineTokens,
): SkipReason | null {
  let q = open - 1;
  while (q >= taskStart && u[q] === SPACE) q--;
  t.tgidKind = 0;
  if (q >= taskStart && u[q] === RPAREN) {
    // `(   4711)` or `(-------)`
    let k = q - 1;
    if (k >= taskStart && isDigit(u[k]!)) {
      let v = 0;
      let mul = 1;
      const last = k;
      while (k >= taskStart && isDigit(u[k]!) && last - k < MAX_ID_DIGITS) {
        v += (u[k]! - 48) * mul;
        mul *= 10;
        k--;
      }
      t.tgidKind = 1;
      t.tgid = v;
    } else if (k >= taskStart && u[k] === DASH) {
      while (k >= taskStart && u[k] === DASH) k--;
      t.tgidKind = 2;
    } else {
      t.failAt = q;
      return 'bad-tgid';
    }
    while (k >= taskStart && u[k] === SPACE) k--;
    if (k < taskStart || u[k] !== LPAREN) {
      t.failAt = Math.max(k, taskStart);
      return 'bad-tgid';
    }
    q = k - 1;
    while (q >= taskStart && u[q] === SPACE) q--;
  }
  // `-<pid>`
  const pidEnd = q;
  let pid = 0;
  let mul = 1;
  while (q >= taskStart && isDigit(u[q]!) && pidEnd - q < MAX_ID_DIGITS) {
    pid += (u[q]! - 48) * mul;
    mul *= 10;
    q--;
  }
  if (q === pidEnd || q < taskStart || u[q] !== DASH) {
    t.failAt = Math.max(q, taskStart);
    return 'no-pid';
  }
  t.taskStart = taskStart;
  t.taskEnd = q;
  t.pid = pid;
  return readForward(u, after, end, padded, t);
}

/** From just after `]`: `[flags] <ts>: <event>: <payload>`. */
function readForward(
  u: Uint8Array,
  k: number,
  end: number,
  padded: boolean,
  t: LineTokens,
): SkipReason | null {
  if (k >= end || u[k] !== SPACE) {
    t.failAt = k;
    return 'bad-timestamp';
  }
  while (k < end && u[k] === SPACE) k++;
  // A token followed by a space is the flags column; one followed by `:` is the timestamp.
  let m = k;
  while (m < end && u[m] !== SPACE && u[m] !== COLON) m++;
  t.flagsStart = k;
  t.flagsEnd = k;
  if (m < end && u[m] === SPACE) {
    if (m - k > MAX_FLAGS) {
      t.failAt = k;
      return 'bad-flags';
    }
    for (let f = k; f < m; f++) {
      if (!isFlagChar(u[f]!)) {
        t.failAt = f;
        return 'bad-flags';
      }
    }
    t.flagsEnd = m;
    k = m;
    while (k < end && u[k] === SPACE) k++;
  }
  return readTimestampAndEvent(u, k, end, padded, t);
}

/** `1211.298990: vm_unmapped_area: addr=...`, `884213377: ...`, `1207.003114: func <-parent`. */
function readTimestampAndEvent(
  u: Uint8Array,
  k: number,
  end: number,
  padded: boolean,
  t: LineTokens,
): SkipReason | null {
  const tsStart = k;
  while (k < end && isDigit(u[k]!)) k++;
  if (k === tsStart) {
    t.failAt = k;
    return 'bad-timestamp';
  }
  t.tsDecimal = false;
  if (k < end && u[k] === DOT) {
    const fracStart = ++k;
    while (k < end && isDigit(u[k]!)) k++;
    if (k === fracStart || k - fracStart > MAX_FRACTION_DIGITS) {
      t.failAt = k;
      return 'bad-timestamp';
    }
    t.tsDecimal = true;
  }
  if (k >= end || u[k] !== COLON) {
    t.failAt = k;
    return 'bad-timestamp';
  }
  t.tsStart = tsStart;
  t.tsEnd = k;
  k++;
  if (k >= end || u[k] !== SPACE) {
    t.failAt = k;
    return 'no-event';
  }
  k++;
  // `<event>:` then the payload, or a function-tracer line `func <-parent`.
  let m = k;
  let h = 0;
  for (; m < end; m++) {
    const c = u[m]!;
    if (c === COLON || c === SPACE) break;
    h = (Math.imul(h, 31) + c) | 0;
  }
  t.eventHash = h;
  if (m === k) {
    t.failAt = k;
    return 'no-event';
  }
  if (m < end && u[m] === COLON && (m + 1 === end || u[m + 1] === SPACE)) {
    t.eventStart = k;
    t.eventEnd = m;
    let p = m + 1;
    if (p < end) {
      p++;
      if (padded) while (p < end && u[p] === SPACE) p++;
    }
    t.payloadStart = p;
    return null;
  }
  if (m === end || (u[m] === SPACE && (hasParentArrow(u, m, end) || isSymAddr(u, m + 1, end)))) {
    t.eventStart = -1;
    t.eventEnd = -1;
    t.payloadStart = k;
    return null;
  }
  t.failAt = m;
  return 'no-event';
}

/** `<ffffffff81234567>` (the sym-addr option) and then the end of the line. */
function isSymAddr(u: Uint8Array, from: number, end: number): boolean {
  if (u[from] !== LT) return false;
  let i = from + 1;
  while (i < end && ((u[i]! >= 48 && u[i]! <= 57) || (u[i]! >= 97 && u[i]! <= 102))) i++;
  return i > from + 1 && i + 1 === end && u[i] === 62;
}

/** ` <-` somewhere after the function symbol (sym-offset and module names may come between). */
function hasParentArrow(u: Uint8Array, from: number, end: number): boolean {
  for (let i = from; i + 2 < end; i++) {
    if (u[i] === SPACE && u[i + 1] === LT && u[i + 2] === DASH) return true;
  }
  return false;
}

/**
 * trace-cmd report -l: `<task>-<pid> <cpu><flags> <ts>: ...`. The cpu digits run into the flags,
 * whose first column (irqs-off: `d`, `D`, `b`, `X` or `.`) is never a digit.
 *   `  <idle>-0       0d.h1. 106467.859747: function:             ktime_get <-- tick_check_idle`
 */
function scanLatencyReportLine(
  u: Uint8Array,
  taskStart: number,
  end: number,
  padded: boolean,
  t: LineTokens,
): boolean {
  const last = Math.min(end, taskStart + MAX_LATENCY_PID_COLUMN);
  for (let d = taskStart + 1; d < last; d++) {
    if (u[d] !== DASH || !isDigit(u[d + 1] ?? 0)) continue;
    let k = d + 1;
    let pid = 0;
    while (k < end && isDigit(u[k]!) && k - d <= MAX_ID_DIGITS) pid = pid * 10 + (u[k++]! - 48);
    if (k >= end || u[k] !== SPACE) continue;
    while (k < end && u[k] === SPACE) k++;
    const cpuStart = k;
    let cpu = 0;
    while (k < end && isDigit(u[k]!) && k - cpuStart < MAX_ID_DIGITS) cpu = cpu * 10 + (u[k++]! - 48);
    if (k === cpuStart) continue;
    const flagsStart = k;
    while (k < end && isFlagChar(u[k]!)) k++;
    if (
      k === flagsStart ||
      k - flagsStart > MAX_FLAGS ||
      k >= end ||
      u[k] !== SPACE ||
      isDigit(u[flagsStart]!)
    ) {
      continue;
    }
    const flagsEnd = k;
    while (k < end && u[k] === SPACE) k++;
    if (readTimestampAndEvent(u, k, end, padded, t) !== null) continue;
    t.taskStart = taskStart;
    t.taskEnd = d;
    t.pid = pid;
    t.tgidKind = 0;
    t.cpu = cpu;
    t.flagsStart = flagsStart;
    t.flagsEnd = flagsEnd;
    return true;
  }
  return false;
}

/** Messages for skipped lines and `--strict` errors, by reason. */
export const SKIP_MESSAGES: Record<SkipReason, string> = {
  'no-cpu-field': "expected a '[NNN]' cpu field after '<task>-<pid>'",
  'no-pid': "expected '<task>-<pid>' before the cpu field",
  'bad-tgid': "expected '(<tgid>)' or '(-------)' between the pid and the cpu field",
  'bad-flags': 'expected irq flags (1-8 characters of [.a-zA-Z0-9]) after the cpu field',
  'bad-timestamp': "expected a timestamp '<sec>.<usec>:' or '<count>:' after the cpu field",
  'no-event': "expected '<event>: <payload>' or '<function> <-<parent>' after the timestamp",
  'line-too-long': 'line longer than the limit',
};
