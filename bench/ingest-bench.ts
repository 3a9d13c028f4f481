/**
 * Ingest throughput against the floor of any line reader: a bare split of the same file (read
 * stream, Buffer indexOf('\n'), no decoding). Writes a synthetic trace of a realistic mix
 * (tracefs header, 5-flag lines, long and odd task names, markers, kprobe/kretprobe lines,
 * tracepoints, some LOST lines) by streaming writes, then in this process times:
 *
 *   bare split   createReadStream (1 MiB chunks) + Buffer.indexOf(10), counting lines
 *   tokenize     the same stream pushed through TraceTokenizer: every line to a record, stats
 *   ingest       ingestSource(): tokenize plus SHA-256 of the file (in a worker for big files)
 *
 * Each is run three times and the fastest run kept (the file is in the page cache after writing it).
 * Rates are wall-clock; the `cpu` rates divide by the process's CPU time instead (all threads),
 * which is steadier on a shared machine (the load average is printed too). Peak RSS is taken
 * in this process after the runs at size/4 and again after the full size, and in a fresh process
 * that only ingests each file: flat means bounded.
 */

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ingestSource } from '../src/ingest/ingest-source.ts';
import type { TraceRecord } from '../src/ingest/trace-record.ts';
import { TraceTokenizer } from '../src/ingest/trace-tokenizer.ts';

const CHUNK = 1 << 20;

const HEADER = `# tracer: nop
#
# entries-in-buffer/entries-written: 400000/400000   #P:8
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

const TASKS = [
  'pinbench',
  'qemu-system-x86',
  'kworker/u8:2-ev',
  '<idle>',
  '<...>',
  'io_uring-sq',
  'gmain:cs 12',
  '(sd-pam)',
];
const FLAGS = ['.....', '...1.', 'd..1.', '.Ns1.', 'dNh2.', '..s1.'];
const hex = (n: number) => `0x${n.toString(16)}`;

/** One synthetic line; `i` drives every choice so the mix is deterministic. */
function line(i: number, sec: number, usec: number): string {
  const task = TASKS[i % TASKS.length]!;
  const pid = task === '<idle>' ? 0 : 1000 + (i % 7919);
  const cpu = i % 8;
  const ts = `${String(sec).padStart(5)}.${String(usec).padStart(6, '0')}`;
  const head = `${task.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] ${FLAGS[i % FLAGS.length]} ${ts}: `;
  switch (i % 10) {
    case 0:
    case 1:
      return `${head}mm_page_alloc: page=0000000${(i * 2654435761) % 1e9} pfn=${hex(0x100000 + (i % 0xfffff))} order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP`;
    case 2:
      return `${head}tracing_mark_write: pinbench: case=zero_ro step=before_register page=${i % 4} addr=${hex(0x7ffa7bd8e000 + i * 4096)} present=1 pfn=0x3b34(=zero_pfn) kpagecount=0`;
    case 3:
      return `${head}try_grab_page: (try_grab_page+0x0/0x120) page=0xffd4000000${((0x1a7440 + i * 64) % 0xffffff).toString(16).padStart(6, '0')} flags=0x50001 pflags=0x17ffffc0000000 mapcount=0 refcount=2`;
    case 4:
      return `${head}try_grab_page_ret: (follow_page_pte+0x3b5/0x5f0 <- try_grab_page) ok=1`;
    case 5:
      return `${head}vm_normal_page: (vm_normal_page+0x0/0xd0) vma=0xff11000005b1f558 addr=${hex(0x7f0000000000 + i)} pte=0x80000000069d1865`;
    case 6:
      return `${head}__gup_longterm_locked_ret: ([unknown/kretprobe'd] <- __gup_longterm_locked) ret=${i % 3 === 0 ? -14 : 4}`;
    case 7:
      return `${head}kfree: call_site=load_elf_binary+0x1bc/0x18a0 ptr=000000007fad6b5e`;
    case 8:
      return `${head}io_uring_register: ring 0000000083a5e8e1, opcode 0, nr_user_files 0, nr_user_bufs 4, ret 0`;
    default:
      return `${head}sched_switch: prev_comm=${task} prev_pid=${pid} prev_prio=120 prev_state=S ==> next_comm=swapper/${cpu} next_pid=0 next_prio=120`;
  }
}

/** Writes about `sizeMiB` MiB of synthetic trace to `path`, streaming (bounded memory). */
export async function writeSyntheticTrace(
  path: string,
  sizeMiB: number,
): Promise<{ bytes: number; lines: number }> {
  const out = createWriteStream(path, { highWaterMark: CHUNK });
  const target = sizeMiB * 1024 * 1024;
  let bytes = 0;
  let lines = 0;
  let i = 0;
  let usec = 0;
  let sec = 1207;
  out.write(HEADER);
  bytes += HEADER.length;
  lines += HEADER.split('\n').length - 1;
  while (bytes < target) {
    const parts: string[] = [];
    let len = 0;
    while (len < CHUNK && bytes + len < target) {
      let l: string;
      if (i % 50_000 === 49_999) l = `CPU:${i % 8} [LOST ${i % 977} EVENTS]`;
      else {
        usec += 1 + (i % 3);
        if (usec >= 1_000_000) {
          usec -= 1_000_000;
          sec++;
        }
        l = line(i, sec, usec);
      }
      parts.push(l);
      len += l.length + 1;
      i++;
    }
    lines += parts.length;
    bytes += len;
    if (!out.write(`${parts.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return { bytes, lines };
}

interface Timed {
  ms: number;
  /** CPU time of the whole process (all threads) during the run. */
  cpuMs: number;
}

function timer(): () => Timed {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
  };
}

async function bareSplit(path: string): Promise<Timed & { lines: number; bytes: number }> {
  const done = timer();
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    let i = chunk.indexOf(10);
    while (i !== -1) {
      lines++;
      i = chunk.indexOf(10, i + 1);
    }
  }
  return { ...done(), lines, bytes };
}

/** A consumer that touches every record, so nothing is optimised away. */
function consumer() {
  let records = 0;
  let check = 0;
  return {
    onRecord(r: TraceRecord) {
      records++;
      check = (check + r.line + (r.kind === 'event' ? r.pid + r.event.length : 0)) | 0;
    },
    get records() {
      return records;
    },
    get check() {
      return check;
    },
  };
}

async function tokenizeOnly(path: string): Promise<Timed & { records: number; lines: number }> {
  const c = consumer();
  const done = timer();
  const tok = new TraceTokenizer({ onRecord: c.onRecord });
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>)
    tok.push(chunk);
  const s = tok.end();
  return { ...done(), records: c.records, lines: s.lines };
}

async function fullIngest(path: string): Promise<Timed & { records: number; lines: number; sha256: string }> {
  const c = consumer();
  const done = timer();
  const r = await ingestSource(path, { onRecord: c.onRecord });
  return { ...done(), records: c.records, lines: r.lines, sha256: r.sha256 };
}

async function best<T extends Timed>(f: () => Promise<T>, runs = 3): Promise<T> {
  let b: T | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await f();
    if (b === undefined || r.ms < b.ms) b = r;
  }
  return b!;
}

/** Peak RSS of a fresh process that does nothing but ingest `path` (MiB). */
async function childIngestRss(path: string): Promise<number> {
  const module = new URL('../src/ingest/ingest-source.ts', import.meta.url).href;
  const script = `const { ingestSource } = await import(${JSON.stringify(module)});
let n = 0;
await ingestSource(${JSON.stringify(path)}, { onRecord: () => { n++; } });
process.stdout.write(JSON.stringify({ rss: process.resourceUsage().maxRSS, n }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  return Math.round((JSON.parse(stdout) as { rss: number }).rss / 1024);
}

const mbps = (bytes: number, ms: number) => Math.round(bytes / 1e6 / (ms / 1000));
const rssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function benchIngest(opts: {
  sizeMiB: number;
  dir: string;
}): Promise<Record<string, number | string>> {
  const small = join(opts.dir, 'ingest-bench-small.trace');
  const large = join(opts.dir, 'ingest-bench.trace');
  const smallMiB = Math.max(1, Math.round(opts.sizeMiB / 4));
  try {
    // Both files first, so writing them is in both peaks; then size/4: the peak RSS after it is
    // the baseline the full size must stay near.
    await writeSyntheticTrace(small, smallMiB);
    const written = await writeSyntheticTrace(large, opts.sizeMiB);
    await bareSplit(small);
    await tokenizeOnly(small);
    await fullIngest(small);
    const rssSmall = rssMiB();
    const childSmall = await childIngestRss(small);
    await rm(small, { force: true });

    const bare = await best(() => bareSplit(large));
    const tok = await best(() => tokenizeOnly(large));
    const ing = await best(() => fullIngest(large));
    const rssLarge = rssMiB();
    const childLarge = await childIngestRss(large);
    if (bare.lines !== written.lines || tok.lines !== written.lines || ing.lines !== written.lines) {
      throw new Error(
        `line counts differ: written ${written.lines}, bare ${bare.lines}, ingest ${ing.lines}`,
      );
    }
    const bareRate = mbps(bare.bytes, bare.ms);
    const tokRate = mbps(bare.bytes, tok.ms);
    const ingRate = mbps(bare.bytes, ing.ms);
    return {
      sizeMiB: opts.sizeMiB,
      bytes: bare.bytes,
      lines: bare.lines,
      records: ing.records,
      'bare split MB/s': bareRate,
      'tokenize MB/s': tokRate,
      'ingest MB/s': ingRate,
      'tokenize/bare': Number((tokRate / bareRate).toFixed(2)),
      'ingest/bare (target >= 0.5)': Number((ingRate / bareRate).toFixed(2)),
      'ns/line (ingest)': Math.round((ing.ms * 1e6) / bare.lines),
      'bare split MB/s (cpu)': mbps(bare.bytes, bare.cpuMs),
      'tokenize MB/s (cpu)': mbps(bare.bytes, tok.cpuMs),
      'tokenize/bare (cpu)': Number((bare.cpuMs / tok.cpuMs).toFixed(2)),
      'ingest cpu ms (both threads)': Math.round(ing.cpuMs),
      [`peak RSS MiB after ${smallMiB} MiB`]: rssSmall,
      [`peak RSS MiB after ${opts.sizeMiB} MiB`]: rssLarge,
      [`peak RSS MiB, fresh process ingesting ${smallMiB} MiB`]: childSmall,
      [`peak RSS MiB, fresh process ingesting ${opts.sizeMiB} MiB`]: childLarge,
      'load average (1 min) at end': loadavg()[0]!.toFixed(2),
    };
  } finally {
    await rm(small, { force: true });
    await rm(large, { force: true });
  }
}
