/**
 * Helpers that read the payload shapes the records layer keeps whole: kprobe/kretprobe/fprobe
 * payloads, function-tracer payloads, and trace_marker text. The model's adapters build on these.
 */
import { parseFields } from './fields.ts';
import type { EventRecord } from './trace-record.ts';

export interface ProbePayload {
  /** `entry`: `(sym+off/size) ...`; `return`: `(caller+off/size <- probed) ...`. */
  probe: 'entry' | 'return';
  /** The probed function: the entry's symbol, or the function after `<-` of a return. */
  sym: string;
  /** Entry probes: the offset and size of `sym+off/size` (absent for a bare symbol or address). */
  offset?: number;
  size?: number;
  /** Return probes: the caller as printed, `do_user_addr_fault+0x191/0x570` or `[unknown/kretprobe'd]`. */
  caller?: string;
  /** Return probes: the caller's symbol without `+off/size`; absent when the kernel did not know it. */
  callerSym?: string;
  /** Return probes: same as `sym`. */
  probed?: string;
  /** The fetch arguments after the parenthesis, `name=value` (see fields.ts). */
  fields: Record<string, string>;
  /** The text after the parenthesis, as printed. */
  args: string;
}

const SYM_OFF = /^(.*?)\+(0x[0-9a-fA-F]+|\d+)\/(0x[0-9a-fA-F]+|\d+)$/;

function num(s: string): number {
  return s.startsWith('0x') || s.startsWith('0X') ? Number.parseInt(s.slice(2), 16) : Number(s);
}

/**
 * Reads a kprobe-style payload; undefined when the payload does not start with one.
 *   `(__get_user_pages+0x0/0x5c0) arg1=0x7f3a1c000000 arg2=0x4 flags=0x10053 who="pinbench"`
 *   `(__gup_longterm_locked+0x1a7/0x760 <- __get_user_pages) ret=4`
 *   `([unknown/kretprobe'd] <- __gup_longterm_locked) ret=-14`
 */
export function parseProbePayload(payload: string): ProbePayload | undefined {
  if (payload.charCodeAt(0) !== 40) return undefined;
  const close = payload.indexOf(')');
  if (close < 2) return undefined;
  const inner = payload.slice(1, close);
  const rest = payload.charCodeAt(close + 1) === 32 ? payload.slice(close + 2) : payload.slice(close + 1);
  if (close + 1 < payload.length && payload.charCodeAt(close + 1) !== 32) return undefined;
  const arrow = inner.indexOf(' <- ');
  if (arrow === -1) {
    if (inner.includes(' ')) return undefined;
    const m = SYM_OFF.exec(inner);
    const out: ProbePayload = {
      probe: 'entry',
      sym: m ? m[1]! : inner,
      fields: parseFields(rest),
      args: rest,
    };
    if (m) {
      out.offset = num(m[2]!);
      out.size = num(m[3]!);
    }
    return out;
  }
  const caller = inner.slice(0, arrow);
  const probed = inner.slice(arrow + 4);
  if (caller.length === 0 || probed.length === 0 || probed.includes(' ') || caller.includes(' '))
    return undefined;
  const out: ProbePayload = {
    probe: 'return',
    sym: probed,
    caller,
    probed,
    fields: parseFields(rest),
    args: rest,
  };
  if (!caller.startsWith('[')) {
    const m = SYM_OFF.exec(caller);
    out.callerSym = m ? m[1]! : caller;
  }
  return out;
}

export interface FunctionPayload {
  func: string;
  parent?: string;
}

/**
 * A function-tracer payload: `func <-parent` (tracefs), `func <-- parent` (trace-cmd's function
 * plugin), or `func` alone (print-parent off, or no parent ip). Symbols are kept as printed,
 * including any `+off/size` and module suffix.
 */
export function parseFunctionPayload(payload: string): FunctionPayload | undefined {
  const s = payload.trim();
  if (s.length === 0) return undefined;
  let arrow = s.indexOf(' <-- ');
  let skip = 5;
  if (arrow === -1) {
    arrow = s.indexOf(' <-');
    skip = 3;
  }
  if (arrow === -1) return s.includes(' ') ? undefined : { func: s };
  const func = s.slice(0, arrow).trim();
  const parent = s.slice(arrow + skip).trim();
  if (func.length === 0) return undefined;
  return parent.length > 0 ? { func, parent } : { func };
}

const MARK = 'tracing_mark_write';
const PRINT_MARK = 'tracing_mark_write: ';

/**
 * The text written to trace_marker, for a marker record: tracefs prints
 * `tracing_mark_write: <text>`, trace-cmd report `print: tracing_mark_write: <text>`.
 */
export function markerText(rec: Pick<EventRecord, 'event' | 'payload'>): string | undefined {
  if (rec.event === MARK) return rec.payload;
  if (rec.event === 'print' && rec.payload.startsWith(PRINT_MARK))
    return rec.payload.slice(PRINT_MARK.length);
  return undefined;
}
