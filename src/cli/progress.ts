/**
 * Progress of a long job on a terminal: one line on standard error, redrawn in place (`\r`, then
 * erase to the end of the line), with traces done, bytes read and their rate, scenarios per
 * second and an ETA (from bytes when the total is known, else from traces). Fed by the callbacks
 * the jobs already have (a trace result as it is done); messages the job prints meanwhile go
 * above the line. Nothing at all is written unless standard error is a TTY and the output is
 * not JSON, so pipes, logs and CI see exactly what they saw before.
 *
 * Only this module's own text goes to the raw stream (the escaping layer would turn the erase
 * sequence into `?`); messages from the job go through the escaping stream as before.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandIo } from './command.ts';
import { rawStream } from './terminal-stream.ts';

const CLEAR_LINE = '\r\x1b[K';

export interface ProgressOptions {
  /** Where the line goes (standard error, through the escaping layer). */
  stream: NodeJS.WritableStream;
  /** What the job is: `replay`, `run`, `nightly`. */
  label: string;
  /** Traces to do, and their bytes when every source's size is known. */
  traces: number;
  bytes?: number | undefined;
  /** Milliseconds clock (tests pass their own). */
  now?: () => number;
  /** Redraw at most this often (ms); the last update always draws. */
  intervalMs?: number;
}

/** Whether progress belongs on this command's standard error: a TTY, and not `--json`. */
export function progressWanted(io: Pick<CommandIo, 'stderr'>, json: boolean): boolean {
  return !json && (io.stderr as NodeJS.WriteStream).isTTY === true;
}

/** The sum of the sources' sizes, or undefined when one is not a local file (a URL, stdin). */
export async function sourceBytes(sources: readonly string[], cwd: string): Promise<number | undefined> {
  let total = 0;
  for (const s of sources) {
    if (s === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return undefined;
    try {
      total += (await stat(resolve(cwd, s))).size;
    } catch {
      return undefined;
    }
  }
  return total;
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export class Progress {
  private readonly out: NodeJS.WritableStream;
  private readonly opts: ProgressOptions;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private shown = false;
  private traces = 0;
  private bytes = 0;
  private scenarios = 0;

  constructor(opts: ProgressOptions) {
    this.opts = { ...opts };
    this.out = rawStream(opts.stream);
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** A trace is done: count its bytes and scenarios, and redraw. `total`: traces to do, if it changed. */
  traceDone(t: { bytes: number; scenarios: number }, total?: number): void {
    if (total !== undefined && total !== this.opts.traces) {
      this.opts.traces = total;
      this.opts.bytes = undefined; // the sizes were of another list
    }
    this.traces++;
    this.bytes += t.bytes;
    this.scenarios += t.scenarios;
    this.draw(this.traces >= this.opts.traces);
  }

  /** A message of the job's own, printed above the line (through the escaping stream). */
  message(text: string): void {
    this.clear();
    this.opts.stream.write(`${text}\n`);
    this.draw(true);
  }

  /** Removes the line, so what the command prints next starts on a clean line. */
  end(): void {
    this.clear();
  }

  /** The line as shown (without the redraw control). */
  line(): string {
    const secs = Math.max((this.now() - this.started) / 1000, 1e-3);
    const { traces, bytes: total } = this.opts;
    const parts = [`${this.opts.label}: ${this.traces}/${traces} trace(s)`];
    parts.push(total !== undefined ? `${mib(this.bytes)} of ${mib(total)}` : mib(this.bytes));
    parts.push(`${mib(this.bytes / secs)}/s`);
    parts.push(`${this.scenarios} scenario(s) (${Math.round(this.scenarios / secs)}/s)`);
    const fraction = total ? this.bytes / total : traces ? this.traces / traces : 0;
    if (fraction > 0 && fraction < 1) parts.push(`ETA ${clock((secs * (1 - fraction)) / fraction)}`);
    return parts.join(', ');
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < (this.opts.intervalMs ?? 100)) return;
    this.lastDraw = t;
    this.out.write(`${CLEAR_LINE}${this.line()}`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}

/**
 * A storing job's `progress` and `onTraceStored` options (run, nightly): the job's messages go
 * above the line (or to standard error without one), its own "replayed" count is left to the
 * line, and each stored trace moves the line on.
 */
export function storingJobProgress(
  io: Pick<CommandIo, 'stderr'>,
  progress: Progress | null,
): {
  progress: (m: string) => void;
  onTraceStored?: (t: { bytes: number; scenarios: number }, done: number, total: number) => void;
} {
  return {
    progress: (m) => {
      if (m.startsWith('replayed')) return; // the progress line counts traces
      if (progress) progress.message(m);
      else io.stderr.write(`${m}\n`);
    },
    ...(progress ? { onTraceStored: (t, _done, total) => progress.traceDone(t, total) } : {}),
  };
}

/** A Progress when the command's standard error wants one, else null (write nothing). */
export async function progressFor(
  io: Pick<CommandIo, 'stderr' | 'cwd'>,
  opts: {
    json: boolean;
    label: string;
    sources: readonly string[];
    /** Configurations each source is replayed under (a matrix): each is a trace to do. */
    configs?: number;
  },
): Promise<Progress | null> {
  if (!progressWanted(io, opts.json)) return null;
  const per = Math.max(1, opts.configs ?? 1);
  const bytes = await sourceBytes(opts.sources, io.cwd);
  return new Progress({
    stream: io.stderr,
    label: opts.label,
    traces: opts.sources.length * per,
    bytes: bytes === undefined ? undefined : bytes * per,
  });
}

/**
 * For jobs without counts to show (record boots a kernel, report writes pages): the current
 * phase and the time since the job started, redrawn once a second while it runs. Same rules as
 * Progress: only on a TTY, never with --json.
 */
export class StatusLine {
  private readonly stream: NodeJS.WritableStream;
  private readonly out: NodeJS.WritableStream;
  private readonly label: string;
  private readonly now: () => number;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout | null;
  private phaseText = '';
  private shown = false;

  constructor(opts: {
    stream: NodeJS.WritableStream;
    label: string;
    now?: () => number;
    tickMs?: number | null;
  }) {
    this.stream = opts.stream;
    this.out = rawStream(opts.stream);
    this.label = opts.label;
    this.now = opts.now ?? (() => performance.now());
    this.started = this.now();
    // The timer only redraws; it must not keep the process alive.
    this.timer = opts.tickMs === null ? null : setInterval(() => this.tick(), opts.tickMs ?? 1000);
    this.timer?.unref();
  }

  /** What the job does now (our own words: the job's messages go through `message`). */
  phase(text: string): void {
    this.phaseText = text;
    this.tick();
  }

  /** A message of the job's own, printed above the line (through the escaping stream). */
  message(text: string): void {
    if (this.shown) this.out.write(CLEAR_LINE);
    this.shown = false;
    this.stream.write(`${text}\n`);
    this.tick();
  }

  line(): string {
    const elapsed = clock((this.now() - this.started) / 1000);
    return `${this.label}: ${this.phaseText ? `${this.phaseText}, ` : ''}${elapsed} elapsed`;
  }

  tick(): void {
    this.out.write(`${CLEAR_LINE}${this.line()}`);
    this.shown = true;
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** A StatusLine when the command's standard error wants one, else null. */
export function statusLineFor(
  io: Pick<CommandIo, 'stderr'>,
  opts: { json: boolean; label: string },
): StatusLine | null {
  return progressWanted(io, opts.json) ? new StatusLine({ stream: io.stderr, label: opts.label }) : null;
}
