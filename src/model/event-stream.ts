/**
 * Records -> model events, grouped into scenarios. This is where the vocabulary's scoping rules
 * live (spec/trace-format.md "Scope and numbering"):
 * - `pinbench_config` holds from its line until the next one (later fields override earlier);
 * - `pinbench_scenario` starts a scenario with fresh state, the config carrying over; events
 *   before the first one form a scenario named after the file;
 * - `seq` numbers the call events of a scenario from 0;
 * - `tracing_mark_write: pinbench: <event> <fields>` equals the event line `<event>: <fields>`;
 * - a `<call>_ret:` record from the same task gives the observed return of its latest call.
 * Probe records (kprobe/kretprobe payloads) never become model events by themselves.
 */
import { basename } from 'node:path';
import { EventError } from '../errors.ts';
import { markerText } from '../ingest/probe-payload.ts';
import type { EventRecord, IntegrityRecord, TraceRecord } from '../ingest/trace-record.ts';
import { checkModelEvent } from './check-event.ts';
import {
  type CallEvent,
  type CallName,
  type ContextLine,
  type ExpectEvent,
  LOOKUP_CALLS,
  type ModelEvent,
  type TraceConfig,
  VOCABULARY,
} from './events.ts';
import { parseIntLiteral } from './int-literal.ts';
import { type KernelVersion, parseKernelVersion } from './kernel-version.ts';
import { MAX_DECLARED_PAGES_PER_SCENARIO } from './limits.ts';
import { SYMBOLIC_RETS } from './outcome.ts';
import { parseModelEvent } from './parse-event.ts';

export interface Gap {
  line: number;
  /** The CPU the gap is on; undefined when it concerns the whole trace (overwritten header). */
  cpu?: number;
  kind: IntegrityRecord['integrity'];
}

export interface Scenario {
  /** The trace's name for it (file stem for the implicit first scenario). */
  name: string;
  title?: string;
  /** Index of this scenario in its trace (0-based), for stable ordering. */
  index: number;
  line: number;
  /** Config in force when the scenario starts (overrides applied). */
  config: Partial<TraceConfig>;
  events: ModelEvent[];
  /** Integrity gaps seen while this scenario was current (and trace-wide ones before it). */
  gaps: Gap[];
  /** CPUs its call events ran on. */
  cpus: Set<number>;
  /** A bad field made the scenario invalid: every policy gets the `error` verdict. */
  error?: string;
  /** What booted the kernel of a recording (`pinbench record`), in force when the scenario starts. */
  recording?: Recording;
}

/** One package a recording's kernel came from (`linux-image-5.10.0-46-amd64` at `5.10.262-1`). */
export interface RecordingPackage {
  pkg: string;
  version: string;
}

export interface Recording {
  packages: RecordingPackage[];
}

/** What a typed event takes from its record, not from its adapter: where it is, and a call's number. */
type Placed = 'line' | 'text';
type CallPlaced = Placed | 'seq' | 'cpu' | 'pid' | 'context' | 'observed';

/** A call as an adapter makes it: `observed` when the record itself gives the kernel's return. */
export type AdaptedCall = Omit<CallEvent, CallPlaced> & { observed?: { ret: number | string } };
/** Any other model event as an adapter makes it. */
export type AdaptedState =
  Exclude<ModelEvent, CallEvent> extends infer E ? (E extends ModelEvent ? Omit<E, Placed> : never) : never;
/**
 * The kernel's return of the latest `call` of the record's task (a tracepoint, a kretprobe): what a
 * `<call>_ret: ret=N` record says in vocabulary text.
 */
export interface AdaptedReturn {
  type: 'observed';
  call: CallName;
  ret: number | string;
}

/**
 * What booted the recording kernel (pinbench-recording.ts): holds from its record to the end of
 * the trace. It is about the trace, not a model event; the record stays generic context.
 */
export interface AdaptedRecording extends Recording {
  type: 'recording';
}

/**
 * One typed event an adapter makes of a record. Its line, text, CPU and task come from that
 * record, a call's `seq` from the stream; `col` is the column of the record's text it was read
 * from (default: the payload's), which an error in it names.
 */
export type AdaptedEvent = (AdaptedState | AdaptedCall | AdaptedReturn | AdaptedRecording) & {
  col?: number;
};

/**
 * Turns records of a real recording (kprobes, ad-hoc markers, tracepoints) into typed model
 * events, never into vocabulary text to be parsed again. `push` returns the events `rec` stands
 * for (possibly none), or null to leave `rec` as it is; the stream checks each event as strictly
 * as the vocabulary parser checks text (check-event.ts) and places it at `rec`.
 */
export interface RecordAdapter {
  readonly name: string;
  push(rec: EventRecord): readonly AdaptedEvent[] | null;
  /** Events still pending at the end of the trace, each with the record it was read from. */
  end(): readonly { rec: EventRecord; event: AdaptedEvent }[];
}

/**
 * Routes records through adapters the way every reader of a trace must: the first adapter that
 * claims an event record replaces it with its typed events, each fed with that record; otherwise
 * the record goes on as is. `end()` flushes what the adapters still hold.
 */
export function adaptedFeed(
  adapters: readonly RecordAdapter[],
  feed: (rec: TraceRecord, adapted?: AdaptedEvent) => void,
): { push(rec: TraceRecord): void; end(): void } {
  return {
    push(rec) {
      if (rec.kind === 'event') {
        for (const a of adapters) {
          const out = a.push(rec);
          if (out) {
            for (const ev of out) feed(rec, ev);
            return;
          }
        }
      }
      feed(rec);
    },
    end() {
      for (const a of adapters) for (const { rec, event } of a.end()) feed(rec, event);
    },
  };
}

/** The vocabulary name of an adapted event (`pinbench_page`, a call's own name), for records and messages. */
export function adaptedEventName(ev: AdaptedEvent): string {
  if (ev.type === 'call') return ev.name;
  if (ev.type === 'observed') return `${ev.call}_ret`;
  if (ev.type === 'recording') return 'pinbench: recording';
  return `pinbench_${ev.type}`;
}

export interface EventStreamStats {
  modelEvents: number;
  calls: number;
  /** Records that are not vocabulary events, by event name (kept as context, never dropped silently). */
  generic: Map<string, number>;
  /** `pinbench:` markers whose first word is not a vocabulary event. */
  foreignMarkers: number;
  observedReturns: number;
}

const MARKER_PREFIX = 'pinbench: ';
/** Trace lines kept before and after a call for divergence reports. */
const CONTEXT_BEFORE = 4;
const CONTEXT_AFTER = 3;
const PROBE_RE = /^\(([^)]*?)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: <- [^)]*)?\)/;

/** The event name and payload a record stands for, or null when it is not vocabulary. */
export function vocabularyOf(
  rec: EventRecord,
): { event: string; payload: string; payloadCol: number } | null {
  // Markers come as `tracing_mark_write: <text>` (tracefs) or `print: tracing_mark_write: <text>`
  // (trace-cmd report): the text ends the payload in both, so its column follows from its length.
  const marker = markerText(rec);
  if (marker !== undefined) {
    if (!marker.startsWith(MARKER_PREFIX)) return null;
    const rest = marker.slice(MARKER_PREFIX.length);
    const sp = rest.indexOf(' ');
    const word = sp < 0 ? rest : rest.slice(0, sp);
    if (!VOCABULARY.has(word)) return null;
    const inner = sp < 0 ? '' : rest.slice(sp + 1);
    return { event: word, payload: inner, payloadCol: rec.payloadCol + rec.payload.length - inner.length };
  }
  const { event, payload } = rec;
  if (!VOCABULARY.has(event)) return null;
  if (PROBE_RE.test(payload)) return null;
  return { event, payload, payloadCol: rec.payloadCol };
}

function hasContent(s: Scenario): boolean {
  return s.error !== undefined || s.events.some((e) => e.type !== 'config');
}

export class EventStream {
  readonly stats: EventStreamStats = {
    modelEvents: 0,
    calls: 0,
    generic: new Map(),
    foreignMarkers: 0,
    observedReturns: 0,
  };
  private readonly file: string;
  private readonly overrides: Partial<TraceConfig>;
  private config: Partial<TraceConfig>;
  private kernel: KernelVersion | null = null;
  private current: Scenario;
  private scenarioCount = 0;
  private seq = 0;
  /** Pages the current scenario's pinbench_page lines declared (bounded, see limits.ts). */
  private declaredPages = 0;
  private traceGaps: Gap[] = [];
  private recording: Recording | undefined;
  /** Latest call per pid and name, for `<call>_ret:` records. */
  private lastCall = new Map<string, CallEvent>();
  /** The last few lines read, and calls still collecting the lines after them. */
  private recent: ContextLine[] = [];
  private awaitingAfter: { ev: CallEvent; left: number }[] = [];
  /** A `pinbench_config` line that did not read: every later scenario is invalid. */
  private configError: string | undefined;
  /** The scenario's latest call, for checking the expectations after it. */
  private lastCallName: CallEvent['name'] | undefined;

  constructor(file: string, overrides: Partial<TraceConfig> = {}) {
    this.file = file;
    this.overrides = overrides;
    this.config = { ...overrides };
    if (overrides.kernel) this.kernel = parseKernelVersion(overrides.kernel);
    this.current = this.newScenario(basename(file).replace(/\.(trace|txt)(\.gz)?$/, ''), undefined, 1);
  }

  private newScenario(name: string, title: string | undefined, line: number): Scenario {
    const s: Scenario = {
      name,
      index: this.scenarioCount++,
      line,
      config: { ...this.config },
      events: [],
      gaps: [...this.traceGaps],
      cpus: new Set(),
    };
    if (title !== undefined) s.title = title;
    if (this.recording !== undefined) s.recording = this.recording;
    if (this.configError !== undefined) s.error = this.configError;
    this.seq = 0;
    this.lastCallName = undefined;
    this.declaredPages = 0;
    this.lastCall.clear();
    return s;
  }

  /** Marks the scenario being read as invalid (after an EventError in non-strict mode). */
  markError(message: string): void {
    if (this.current.error === undefined) this.current.error = message;
  }

  /**
   * Feeds one record, or one typed event an adapter made of it (`adapted`); returns the scenario
   * it completed, if any. Throws EventError on bad fields.
   */
  push(rec: TraceRecord, adapted?: AdaptedEvent): Scenario | null {
    this.noteContext(rec);
    if (rec.kind === 'integrity') {
      const gap: Gap = { line: rec.line, kind: rec.integrity };
      if (rec.cpu !== undefined) gap.cpu = rec.cpu;
      if (rec.integrity === 'overwritten') this.traceGaps.push(gap);
      this.current.gaps.push(gap);
      return null;
    }
    if (adapted) return this.pushAdapted(rec, adapted);
    const vocab = vocabularyOf(rec);
    if (!vocab) {
      this.noteGeneric(rec);
      return null;
    }
    let ev: ModelEvent;
    try {
      ev = this.parse(rec, vocab);
    } catch (e) {
      this.noteConfigError(vocab.event, e);
      throw e;
    }
    return this.accept(ev, vocab.event, vocab.payloadCol);
  }

  /** The same path as a parsed record from here on: checked, placed at `rec`, applied. */
  private pushAdapted(rec: EventRecord, adapted: AdaptedEvent): Scenario | null {
    const { col = rec.payloadCol, ...a } = adapted;
    if (a.type === 'observed') {
      this.observe(rec, a.call, a.ret);
      return null;
    }
    if (a.type === 'recording') {
      this.recording = { packages: a.packages };
      this.current.recording = this.recording;
      this.noteGeneric(rec);
      return null;
    }
    const name = adaptedEventName(adapted);
    let ev: ModelEvent;
    try {
      ev = this.place(rec, a);
      checkModelEvent(ev, { file: this.file, line: rec.line, col });
    } catch (e) {
      this.noteConfigError(name, e);
      throw e;
    }
    return this.accept(ev, name, col);
  }

  private place(rec: EventRecord, a: AdaptedState | AdaptedCall): ModelEvent {
    if (a.type !== 'call') return { ...a, line: rec.line, text: rec.text } as ModelEvent;
    const { observed, ...call } = a;
    const ev: CallEvent = {
      ...call,
      seq: this.seq,
      cpu: rec.cpu,
      pid: rec.pid,
      line: rec.line,
      text: rec.text,
    };
    if (observed) ev.observed = { ret: observed.ret, line: rec.line };
    return ev;
  }

  private parse(rec: EventRecord, vocab: { event: string; payload: string; payloadCol: number }): ModelEvent {
    return parseModelEvent(vocab.event, vocab.payload, {
      file: this.file,
      line: rec.line,
      text: rec.text,
      payloadCol: vocab.payloadCol,
      kernel: this.kernel,
      seq: this.seq,
      cpu: rec.cpu,
      pid: rec.pid,
    });
  }

  /** A config line holds until the end: every scenario it would govern is invalid too. */
  private noteConfigError(event: string, e: unknown): void {
    if (event === 'pinbench_config' && this.configError === undefined)
      this.configError = (e as Error).message;
  }

  private accept(ev: ModelEvent, event: string, col: number): Scenario | null {
    this.stats.modelEvents++;
    if (ev.type === 'page') {
      this.declaredPages += ev.nr;
      if (this.declaredPages > MAX_DECLARED_PAGES_PER_SCENARIO) {
        throw new EventError(
          'PB_EVENT_FIELD',
          `${event}: the scenario declares more than ${MAX_DECLARED_PAGES_PER_SCENARIO} pages (src/model/limits.ts)`,
          { location: { file: this.file, line: ev.line, col } },
        );
      }
    }
    return this.apply(ev);
  }

  /**
   * The kernel's return for the latest `call` of `rec`'s task, once: a return with no call to
   * take it stays generic context.
   */
  private observe(rec: EventRecord, name: string, ret: number | string): boolean {
    const call = this.lastCall.get(`${rec.pid}:${name}`);
    if (!call || call.observed) {
      this.stats.generic.set(`${name}_ret`, (this.stats.generic.get(`${name}_ret`) ?? 0) + 1);
      return false;
    }
    call.observed = { ret, line: rec.line };
    this.stats.observedReturns++;
    return true;
  }

  private apply(ev: ModelEvent): Scenario | null {
    if (ev.type === 'config') {
      Object.assign(ev.config, this.overrides);
      Object.assign(this.config, ev.config);
      if (this.config.kernel) this.kernel = parseKernelVersion(this.config.kernel);
    }
    if (ev.type === 'scenario') {
      const done = this.current;
      this.current = this.newScenario(ev.name, ev.title, ev.line);
      // The implicit scenario before the first pinbench_scenario exists only if it has events
      // of its own: a config preamble alone is not a scenario.
      return hasContent(done) ? done : null;
    }
    if (ev.type === 'expect') this.checkExpect(ev);
    if (ev.type === 'call') {
      this.lastCallName = ev.name;
      ev.context = [...this.recent];
      this.awaitingAfter.push({ ev, left: CONTEXT_AFTER });
      this.seq++;
      this.stats.calls++;
      this.current.cpus.add(ev.cpu);
      this.lastCall.set(`${ev.pid}:${ev.name}`, ev);
    }
    this.current.events.push(ev);
    return null;
  }

  /**
   * What an expectation can only be checked against in its place: a call assertion needs a call
   * before it, and `ret=zero` (a page name) fits only a lookup, which returns a page.
   */
  private checkExpect(ev: ExpectEvent): void {
    const fail = (col: number, message: string): never => {
      throw new EventError('PB_EVENT_FIELD', `pinbench_expect: ${message}`, {
        location: { file: this.file, line: ev.line, col },
      });
    };
    for (const a of ev.assertions) {
      if (a.final) continue;
      const call = this.lastCallName;
      if (call === undefined) {
        fail(a.col, `${a.text}: no call before it in this scenario`);
        continue;
      }
      if (a.subject !== 'ret' || (LOOKUP_CALLS as readonly string[]).includes(call)) continue;
      const page = a.value.split('|').find((v) => /^(zero|new\d*)$/.test(v));
      if (page !== undefined) {
        fail(
          a.col + a.subject.length + a.op.length,
          `${a.text}: '${page}' is a page name, but ${call} returns a number or ${SYMBOLIC_RETS.filter((r) => r !== 'unsupported').join('/')}`,
        );
      }
    }
  }

  /** Keeps the lines around calls (cheap: the strings already exist). */
  private noteContext(rec: TraceRecord): void {
    const line: ContextLine = { line: rec.line, text: rec.text };
    if (this.awaitingAfter.length > 0) {
      for (const a of this.awaitingAfter) {
        a.ev.context!.push(line);
        a.left--;
      }
      this.awaitingAfter = this.awaitingAfter.filter((a) => a.left > 0);
    }
    this.recent.push(line);
    if (this.recent.length > CONTEXT_BEFORE + 1) this.recent.shift();
  }

  private noteGeneric(rec: EventRecord): void {
    // `<call>_ret: ret=N` (or a kretprobe-style record) from the same task: the observed return.
    if (rec.event.endsWith('_ret')) {
      const name = rec.event.slice(0, -4);
      const m = /(?:^|\s)ret=(-?(?:0x[0-9a-fA-F]+|\d+)|[A-Za-z]+)/.exec(rec.payload);
      const call = this.lastCall.get(`${rec.pid}:${name}`);
      if (call && m && !call.observed) {
        const v = m[1]!;
        this.observe(rec, name, parseIntLiteral(v) ?? v);
        return;
      }
    }
    if (markerText(rec)?.startsWith(MARKER_PREFIX)) this.stats.foreignMarkers++;
    this.stats.generic.set(rec.event, (this.stats.generic.get(rec.event) ?? 0) + 1);
  }

  /** Ends the stream; returns the last scenario if it has events (or an error). */
  end(): Scenario | null {
    return hasContent(this.current) ? this.current : null;
  }
}
