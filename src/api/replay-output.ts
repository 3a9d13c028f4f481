/**
 * What `pinbench replay` does with results as they stream in: every trace's scenarios go, a batch
 * at a time, into a tally for the summary (summary-tally.ts) and, with `--json`, into that
 * trace's NDJSON spool; when a trace is done (in corpus order) its spool is copied to the output
 * and its tally merged into the corpus's. Nothing keeps a scenario's records past its batch, so
 * memory stays flat in the trace size (issue 16: the whole result list was kept before).
 *
 * A trace's lines cannot go out before its end: a trace-wide cut found there (the header's entry
 * count, timestamps out of order) turns its pass and fail verdicts inconclusive (markCut), and a
 * trace that fails part-way has no scenario lines at all. So the spool holds them, in memory up
 * to SPOOL_MEMORY characters and then in a temporary file.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceIdentity, traceLabel } from '../replay/divergence-identity.ts';
import { scenarioLines, traceErrorLine } from '../replay/ndjson.ts';
import type { ScenarioSink } from '../replay/replay-corpus.ts';
import { markCut, type ScenarioResult } from '../replay/replay-scenario.ts';
import type { TraceReplayResult, VerdictRecord } from '../replay/results.ts';
import { SummaryTally } from '../replay/summary-tally.ts';

/** NDJSON characters a trace's spool keeps in memory before it moves to a temporary file. */
export const SPOOL_MEMORY = 4 << 20;

/** Scenarios per batch from the replay: small, so what is in flight between threads stays small. */
export const OUTPUT_BATCH = 64;

/** A trace's NDJSON lines until it is done: in memory, then in a temporary file. */
class NdjsonSpool {
  private readonly memory: number;
  private parts: string[] = [];
  private size = 0;
  private dir: string | undefined;
  private fd: number | undefined;

  constructor(memory: number) {
    this.memory = memory;
  }

  append(lines: string): void {
    this.parts.push(lines);
    this.size += lines.length;
    if (this.size > this.memory) this.spill();
  }

  private spill(): void {
    if (this.fd === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), 'pinbench-ndjson-'));
      this.fd = openSync(join(this.dir, 'trace.ndjson'), 'w');
    }
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  /** The spooled text in order, in chunks that end at a line's end. */
  async *chunks(): AsyncGenerator<string> {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      let rest = '';
      for await (const c of createReadStream(join(this.dir!, 'trace.ndjson'), {
        encoding: 'utf8',
        highWaterMark: 1 << 20,
      })) {
        const text = rest + (c as string);
        const end = text.lastIndexOf('\n') + 1;
        rest = text.slice(end);
        if (end) yield text.slice(0, end);
      }
      if (rest) yield rest;
    }
    for (const p of this.parts) yield p;
  }

  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.parts = [];
  }
}

interface OpenTrace {
  tally: SummaryTally;
  spool?: NdjsonSpool;
}

/** Writes and waits while the stream is full. */
function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', () => r()));
}

export class ReplayOutput {
  /** The corpus's tally: the traces delivered so far. */
  readonly tally: SummaryTally;
  private readonly open = new Map<number, OpenTrace>();
  private readonly out: NodeJS.WritableStream | undefined;
  private readonly rootsKept: number;
  private readonly spoolMemory: number;

  /**
   * `json`: the NDJSON goes to `out`; the tally is kept either way (exit code, summary).
   * `spoolMemory`: SPOOL_MEMORY unless given (tests).
   */
  constructor(opts: { json: NodeJS.WritableStream | undefined; rootsKept?: number; spoolMemory?: number }) {
    this.out = opts.json;
    this.spoolMemory = opts.spoolMemory ?? SPOOL_MEMORY;
    this.rootsKept = opts.rootsKept ?? 10;
    this.tally = new SummaryTally({ rootsKept: this.rootsKept });
  }

  /** replayCorpus's `stream`: every trace streams here. */
  sink(job: { source: string; matrix: string; index: number }): ScenarioSink {
    const open: OpenTrace = {
      tally: new SummaryTally({ rootsKept: this.rootsKept }),
      ...(this.out ? { spool: new NdjsonSpool(this.spoolMemory) } : {}),
    };
    this.open.set(job.index, open);
    const label = traceLabel(traceIdentity(job.source, job.matrix));
    return {
      skip: 0,
      batch: OUTPUT_BATCH,
      write: async (_from, scenarios: ScenarioResult[]) => {
        for (const s of scenarios) {
          open.tally.add(s, label);
          if (open.spool) {
            let text = '';
            for (const line of scenarioLines(s)) text += `${line}\n`;
            open.spool.append(text);
          }
        }
      },
    };
  }

  /** replayCorpus's `onResult` (corpus order): the trace's lines go out, its tally joins the corpus's. */
  async result(r: TraceReplayResult, index: number): Promise<void> {
    const open = this.open.get(index);
    this.open.delete(index);
    try {
      const one = new SummaryTally({ rootsKept: this.rootsKept });
      one.traces = 1;
      if (r.error) {
        // As when whole results were kept: a trace that failed has no scenario records.
        one.traceError(r.error);
        this.tally.merge(one);
        if (this.out) await write(this.out, `${traceErrorLine({ identity: r.identity, error: r.error })}\n`);
        return;
      }
      if (open) {
        if (r.cut) open.tally.cut();
        open.tally.traces = 1;
        this.tally.merge(open.tally);
      } else this.tally.merge(one);
      if (!this.out || !open?.spool) return;
      const cut = r.cut;
      for await (const chunk of open.spool.chunks()) {
        await write(this.out, cut ? cutLines(chunk, cut) : chunk);
      }
    } finally {
      open?.spool?.dispose();
    }
  }

  /** Temporary files of traces not delivered (the replay failed). */
  dispose(): void {
    for (const o of this.open.values()) o.spool?.dispose();
    this.open.clear();
  }
}

/** Verdict lines of a cut trace as markCut leaves the records (the same keys in the same order). */
function cutLines(chunk: string, cut: NonNullable<TraceReplayResult['cut']>): string {
  if (!chunk.includes('{"type":"verdict"')) return chunk;
  const gap = cut as Parameters<typeof markCut>[1];
  return chunk
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{"type":"verdict"')) return line;
      const v = JSON.parse(line) as VerdictRecord;
      markCut({ verdicts: [v] } as unknown as ScenarioResult, gap);
      return JSON.stringify(v);
    })
    .join('\n');
}
