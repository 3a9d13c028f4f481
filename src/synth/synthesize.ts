/**
 * `synthesize()`: a seeded synthetic trace, streamed. Scenarios from scenario-gen.ts are given a
 * task, a CPU and a time, interleaved with background records (noise.ts) from other tasks on
 * other CPUs, optionally broken by integrity gaps, and written in one of the three layouts
 * through the ingest layout writer.
 *
 * - Seeded: sfc32 (prng.ts), integer arithmetic only, so the same seed and options give the
 *   same bytes on any machine. Draws never depend on the layout, so the three layouts of one
 *   seed carry the same records (only their text differs).
 * - Streaming: one scenario at a time is built in memory (a few hundred lines at most); text is
 *   handed to `write` in chunks of about 256 KiB, and a returned promise is awaited
 *   (backpressure). Memory stays bounded whatever `sizeBytes` is.
 * - The tracefs header states `entries-in-buffer` exactly: a first pass with no output counts
 *   the records (cheap next to writing; the output is deterministic, so both passes agree).
 */
import {
  formatBufferStarted,
  formatEventLine,
  formatFunctionLine,
  formatHeader,
  formatLostEvents,
  formatMarkerLine,
  type LineHead,
  usecTimestamp,
} from '../ingest/layout-writer.ts';
import type { Layout } from '../ingest/trace-record.ts';
import { backgroundTasks, type NoiseRecord, noiseRecord, type Task } from './noise.ts';
import { Prng } from './prng.ts';
import { generateScenario, type TraceContext } from './scenario-gen.ts';

/** `trace-cmd` is accepted for `trace-cmd-report` (the CLI's spelling). */
export type SynthLayout = Layout | 'trace-cmd';

export interface SynthOptions {
  seed: number;
  /** Number of scenarios (default 5 without `sizeBytes`); with `sizeBytes`, an upper bound. */
  scenarios?: number;
  /** Keep emitting scenarios until the body (everything after the header) reaches this size. */
  sizeBytes?: number;
  layout: SynthLayout;
  /** Integrity gaps: lost/dropped events, a CPU buffer started late, an overwritten buffer. */
  gaps?: boolean;
  /** Long scenarios of calls with little noise: at least half of all lines are call events. */
  callHeavy?: boolean;
}

export interface SynthStats {
  bytes: number;
  lines: number;
  headers: number;
  /** Event lines (what ingest counts as records). */
  records: number;
  /** Lines that are vocabulary call events (event lines or `pinbench:` markers). */
  calls: number;
  integrity: number;
  scenarios: number;
}

export const DEFAULT_SCENARIOS = 5;
const FLUSH_CHARS = 256 * 1024;

const SCENARIO_COMMS = [
  'qemu-system-x86',
  'pinbench',
  'gup_test',
  'fio',
  'vfio-zeropage',
  'fixedbuf-test',
  'insert-test',
  'pfnmap-test',
  'CPU 1/KVM',
  'dpdk-testpmd',
  'rdma-bench-2',
  'cat',
  '<...>',
];

export function synthLayout(layout: SynthLayout): Layout {
  return layout === 'trace-cmd' ? 'trace-cmd-report' : layout;
}

type Write = (chunk: string) => void | Promise<void>;

class TraceGenerator {
  readonly stats: SynthStats = {
    bytes: 0,
    lines: 0,
    headers: 0,
    records: 0,
    calls: 0,
    integrity: 0,
    scenarios: 0,
  };
  private readonly opts: SynthOptions;
  private readonly layout: Layout;
  private readonly rng: Prng;
  private readonly cpus: number;
  private readonly functionTracer: boolean;
  private readonly tasks: Task[];
  private readonly ctx: TraceContext = { kernel: null, zeroPfn: 0x1000, index: 0 };
  /** Microseconds since boot. */
  private t: number;
  /** tracefs with gaps: the buffer was overwritten (entries written beyond those in it). */
  readonly overwritten: number;
  private bufferStarted: number | null;
  private readonly noiseP: number;
  private readonly gapP: number;
  private out = '';
  /** Bytes after the header (what `sizeBytes` counts). */
  private body = 0;

  constructor(opts: SynthOptions) {
    this.opts = opts;
    this.layout = synthLayout(opts.layout);
    const r = new Prng(opts.seed);
    this.rng = r;
    this.cpus = r.pick([2, 4, 4, 8]);
    this.functionTracer = r.chance(0.2);
    this.tasks = backgroundTasks(r, this.cpus);
    this.t = (100 + r.int(50_000)) * 1_000_000 + r.int(1_000_000);
    const overwritten = r.chance(0.3) ? 1 + r.int(100_000) : 0;
    const started = r.chance(0.5) ? r.int(this.cpus) : null;
    this.overwritten = opts.gaps ? overwritten : 0;
    this.bufferStarted = opts.gaps && this.layout === 'tracefs' ? started : null;
    this.noiseP = opts.callHeavy ? 0.1 : 0.5;
    this.gapP = opts.callHeavy ? 0.0005 : 0.004;
  }

  header(records: number): string {
    return formatHeader(this.layout, {
      cpus: this.cpus,
      entriesInBuffer: records,
      entriesWritten: records + this.overwritten,
      tracer: this.functionTracer ? 'function' : 'nop',
    });
  }

  private put(text: string): void {
    this.out += `${text}\n`;
    this.body += text.length + 1;
    this.stats.lines++;
  }

  /** Lost/dropped events just before the next record of `cpu`, and the late buffer start. */
  private beforeRecord(cpu: number): void {
    if (this.bufferStarted === cpu) {
      this.bufferStarted = null;
      this.put(formatBufferStarted(cpu));
      this.stats.integrity++;
    }
    if (!this.opts.gaps) return;
    const r = this.rng;
    if (!r.chance(this.gapP)) return;
    const count = r.chance(0.8) ? 1 + r.int(40_000) : undefined;
    this.put(formatLostEvents(this.layout, cpu, count));
    this.stats.integrity++;
  }

  private head(task: Task, flags: string): LineHead {
    this.t += 1 + this.rng.int(40);
    const h: LineHead = { task: task.comm, pid: task.pid, cpu: task.cpu, ts: usecTimestamp(this.t) };
    if (this.layout !== 'trace-cmd-report') h.flags = flags;
    return h;
  }

  private record(task: Task, flags: string, event: string, payload: string, marker: boolean): void {
    this.beforeRecord(task.cpu);
    const h = this.head(task, flags);
    this.put(
      marker
        ? formatMarkerLine(this.layout, h, payload)
        : formatEventLine(this.layout, { ...h, event, payload }),
    );
    this.stats.records++;
  }

  private noise(): void {
    const n: NoiseRecord = noiseRecord(this.rng, this.tasks, this.layout, this.functionTracer);
    if (n.func) {
      this.beforeRecord(n.task.cpu);
      this.put(formatFunctionLine(this.layout, this.head(n.task, n.flags), n.func.name, n.func.parent));
      this.stats.records++;
      return;
    }
    this.record(n.task, n.flags, n.event, n.payload, n.marker ?? false);
  }

  private noiseRun(max: number): void {
    for (let i = 0; i < max && this.rng.chance(this.noiseP); i++) this.noise();
  }

  scenario(): void {
    const r = this.rng;
    this.t += 10_000 + r.int(200_000);
    const task: Task = { comm: r.pick(SCENARIO_COMMS), pid: 2000 + r.int(30_000), cpu: r.int(this.cpus) };
    const script = generateScenario(r, this.ctx, {
      callHeavy: this.opts.callHeavy ?? false,
      prefix: `synth-${this.opts.seed}`,
    });
    this.noiseRun(4);
    for (const line of script.lines) {
      this.noiseRun(5);
      if (r.chance(0.005)) {
        // The scheduler moves the task: its later records come from another CPU.
        const dest = r.int(this.cpus);
        this.record(
          task,
          'd..2.',
          'sched_migrate_task',
          `comm=${task.comm} pid=${task.pid} prio=120 orig_cpu=${task.cpu} dest_cpu=${dest}`,
          false,
        );
        task.cpu = dest;
      }
      if (line.marker)
        this.record(task, '.....', 'tracing_mark_write', `pinbench: ${line.event} ${line.payload}`, true);
      else this.record(task, '.....', line.event, line.payload, false);
      if (line.call) this.stats.calls++;
    }
    if (r.chance(0.7)) {
      const payload =
        this.layout === 'trace-cmd-report'
          ? `${task.comm}:${task.pid} [120] S ==> swapper/${task.cpu}:0 [120]`
          : `prev_comm=${task.comm} prev_pid=${task.pid} prev_prio=120 prev_state=S ==> next_comm=swapper/${task.cpu} next_pid=0 next_prio=120`;
      this.record(task, 'd..2.', 'sched_switch', payload, false);
    }
    this.noiseRun(4);
    this.stats.scenarios++;
  }

  done(): boolean {
    const { sizeBytes, scenarios } = this.opts;
    if (sizeBytes === undefined) return this.stats.scenarios >= (scenarios ?? DEFAULT_SCENARIOS);
    return this.body >= sizeBytes || (scenarios !== undefined && this.stats.scenarios >= scenarios);
  }

  take(): string {
    const s = this.out;
    this.out = '';
    this.stats.bytes += s.length;
    return s;
  }

  pending(): number {
    return this.out.length;
  }
}

async function run(gen: TraceGenerator, write: Write | null): Promise<void> {
  while (!gen.done()) {
    gen.scenario();
    if (gen.pending() >= FLUSH_CHARS) {
      const chunk = gen.take();
      if (write) {
        const p = write(chunk);
        if (p) await p;
      }
    }
  }
  const last = gen.take();
  if (write && last.length > 0) {
    const p = write(last);
    if (p) await p;
  }
}

/**
 * Writes one synthetic trace through `write` (in chunks, in order) and returns what it wrote.
 * The same seed and options always give the same bytes.
 */
export async function synthesize(opts: SynthOptions, write: Write): Promise<SynthStats> {
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0)
    throw new RangeError(`seed must be a whole number, got ${opts.seed}`);
  let records = 0;
  if (synthLayout(opts.layout) === 'tracefs') {
    const count = new TraceGenerator(opts);
    await run(count, null);
    records = count.stats.records;
  }
  const gen = new TraceGenerator(opts);
  const header = gen.header(records);
  if (header.length > 0) {
    const p = write(header);
    if (p) await p;
  }
  await run(gen, write);
  const headers = header.length === 0 ? 0 : header.split('\n').length - 1;
  return {
    ...gen.stats,
    bytes: gen.stats.bytes + header.length,
    lines: gen.stats.lines + headers,
    headers,
  };
}

/** The whole trace as one string (small traces: tests, examples). */
export async function synthesizeText(opts: SynthOptions): Promise<{ text: string; stats: SynthStats }> {
  const parts: string[] = [];
  const stats = await synthesize(opts, (c) => {
    parts.push(c);
  });
  return { text: parts.join(''), stats };
}
