/**
 * Checks a model event that was not parsed from vocabulary text (an adapter built it from a real
 * recording's records) as strictly as parse-event.ts checks text: numbers are non-negative
 * integers, counts stay within limits.ts, names are in their closed sets, a VMA ends above its
 * start. A bad value is an EventError naming the record's file, line and column and the field:
 * `t.trace:12:40: pinbench_page: nr: 262144 is more than the 16384 pages one line may hold ...`.
 * The messages are the parser's, so a bad recording reads the same whichever path it took.
 */
import { EventError, type SourceLocation } from '../errors.ts';
import {
  BACKINGS,
  BUDDY_ZONES,
  CALL_EVENTS,
  type CallArgs,
  CONFIG_KEYS,
  DEFAULT_CONFIG,
  FILESYSTEMS,
  HUGETLB_SIZES,
  LEVELS,
  MADVISE_ADVICE,
  MIGRATETYPES,
  type ModelEvent,
  PAGE_FLAGS,
  PAGE_KINDS,
  type PfnRef,
  VMA_OPS,
  ZONES,
} from './events.ts';
import { FOLL_FLAGS, VM_FLAGS } from './flags.ts';
import { parseKernelVersion } from './kernel-version.ts';
import {
  MAX_BYTES_PER_LINE,
  MAX_FOLIO_ORDER,
  MAX_FREE_PAGES,
  MAX_NUMA_NODES,
  MAX_PAGES_PER_LINE,
} from './limits.ts';

type Where = Required<Pick<SourceLocation, 'file' | 'line' | 'col'>>;

class Checker {
  private readonly event: string;
  private readonly where: Where;
  constructor(event: string, where: Where) {
    this.event = event;
    this.where = where;
  }

  fail(message: string): never {
    throw new EventError('PB_EVENT_FIELD', `${this.event}: ${message}`, { location: { ...this.where } });
  }

  /** An address, size, count or id: a non-negative safe integer, at most `max`. */
  number(key: string, v: number | undefined, max?: { max: number; what: string; min?: number }): void {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v)) this.fail(`${key}: '${v}' is not a number`);
    if (v < 0) this.fail(`${key}: '${v}' is negative`);
    if (max && v > max.max)
      this.fail(
        `${key}: ${v} is more than the ${max.max} ${max.what} one line may hold (src/model/limits.ts)`,
      );
    if (max?.min !== undefined && v < max.min) this.fail(`${key}: ${v} is less than ${max.min}`);
  }

  atMost(key: string, v: number | undefined, max: number, why: string): void {
    this.number(key, v);
    if (v !== undefined && v > max)
      this.fail(`${key}: ${v} is more than ${max} (${why}, src/model/limits.ts)`);
  }

  pfn(key: string, v: PfnRef | undefined): void {
    if (v !== 'zero') this.number(key, v);
  }

  oneOf(key: string, v: string | undefined, allowed: readonly string[]): void {
    if (v !== undefined && !allowed.includes(v))
      this.fail(`${key}: unknown value '${v}' (expected one of ${allowed.join(', ')})`);
  }

  each(key: string, vs: Iterable<string> | undefined, allowed: readonly string[]): void {
    for (const v of vs ?? []) if (!allowed.includes(v)) this.fail(`${key}: unknown value '${v}'`);
  }

  bool(key: string, v: unknown): void {
    if (v !== undefined && typeof v !== 'boolean') this.fail(`${key}: expected 0 or 1, got '${String(v)}'`);
  }
}

const PAGES = { max: MAX_PAGES_PER_LINE, what: 'pages' };
const BYTES = { max: MAX_BYTES_PER_LINE, what: 'bytes' };
const NODE_MAX = MAX_NUMA_NODES - 1;

function checkArgs(c: Checker, a: CallArgs): void {
  if ('mm' in a) c.number('mm', a.mm);
  switch (a.kind) {
    case 'gup':
      c.number('start', a.start);
      c.number('nr_pages', a.nrPages, PAGES);
      c.each('gup_flags', a.gupFlags, FOLL_FLAGS);
      return;
    case 'release':
      if (a.of === undefined && a.pfn === undefined) c.fail('needs of=<seq> or pfn=');
      c.number('of', a.of);
      c.pfn('pfn', a.pfn);
      return;
    case 'vfio':
      c.number('container', a.container);
      c.number('iova', a.iova);
      c.number('vaddr', a.vaddr);
      c.number('size', a.size, BYTES);
      return;
    case 'io_uring':
    case 'munmap':
      c.number('addr', a.addr);
      c.number('len', a.len);
      return;
    case 'insert_page':
      c.number('addr', a.addr);
      if (a.pfns.length === 0) c.fail('needs pfn= or pfns=');
      for (const p of a.pfns) c.pfn('pfns', p);
      return;
    case 'insert_pfn':
      c.number('addr', a.addr);
      c.pfn('pfn', a.pfn);
      c.number('size', a.size, BYTES);
      return;
    case 'lookup':
      c.number('addr', a.addr);
      return;
    case 'fork':
      c.number('child', a.child);
      return;
    case 'madvise':
      c.number('start', a.start);
      c.number('len', a.len, BYTES);
      c.oneOf('advice', a.advice, MADVISE_ADVICE);
      return;
  }
}

/** Throws EventError at `where` when `ev` holds a value its vocabulary line could not. */
export function checkModelEvent(ev: ModelEvent, where: Where): void {
  const name = ev.type === 'call' ? ev.name : `pinbench_${ev.type}`;
  const c = new Checker(name, where);
  switch (ev.type) {
    case 'config':
      for (const [key, v] of Object.entries(ev.config)) {
        if (!(CONFIG_KEYS as string[]).includes(key)) c.fail(`unknown field '${key}'`);
        const def = DEFAULT_CONFIG[key as keyof typeof DEFAULT_CONFIG];
        if (key === 'kernel') {
          if (v === null) continue;
          try {
            parseKernelVersion(String(v));
          } catch {
            c.fail(`kernel: '${String(v)}' is not a kernel release (e.g. 6.1, v6.18, 6.1.0-56-amd64)`);
          }
        } else if (typeof def === 'boolean') c.bool(key, v);
        else if (typeof def === 'number') c.number(key, v as number);
        else if (typeof v !== 'string') c.fail(`${key}: expected a word, got '${String(v)}'`);
      }
      return;
    case 'scenario':
      if (ev.name === '' || /\s/.test(ev.name)) c.fail(`name: '${ev.name}' is not a scenario name`);
      return;
    case 'page':
      c.pfn('pfn', ev.pfn);
      c.number('nr', ev.nr, { ...PAGES, min: 1 });
      c.oneOf('zone', ev.zone, ZONES);
      c.oneOf('mt', ev.mt, MIGRATETYPES);
      c.oneOf('kind', ev.kind, PAGE_KINDS);
      c.number('refcount', ev.refcount);
      c.number('mapcount', ev.mapcount);
      c.number('pincount', ev.pincount);
      c.number('order', ev.order, { max: MAX_FOLIO_ORDER, what: 'as folio order', min: 0 });
      c.each('flags', ev.flags, PAGE_FLAGS);
      c.bool('isolatable', ev.isolatable);
      c.oneOf('migrate', ev.migrate, ['ok', 'fail']);
      c.atMost('node', ev.node, NODE_MAX, 'MAX_NUMNODES - 1');
      return;
    case 'vma':
      c.number('mm', ev.mm);
      c.number('start', ev.start);
      c.number('end', ev.end);
      c.each('flags', ev.flags, VM_FLAGS);
      c.oneOf('backing', ev.backing, BACKINGS);
      c.oneOf('fs', ev.fs, FILESYSTEMS);
      c.each('ops', ev.ops, VMA_OPS);
      c.number('pgoff', ev.pgoff);
      if (ev.end <= ev.start) c.fail(`end 0x${ev.end.toString(16)} is not above start`);
      return;
    case 'pte':
      c.number('mm', ev.mm);
      c.number('addr', ev.addr);
      c.pfn('pfn', ev.pfn);
      c.oneOf('level', ev.level, LEVELS);
      for (const k of ['special', 'write', 'dirty', 'devmap'] as const) c.bool(k, ev[k]);
      return;
    case 'zone':
      c.atMost('node', ev.node, NODE_MAX, 'MAX_NUMNODES - 1');
      c.oneOf('zone', ev.zone, BUDDY_ZONES);
      c.atMost('free', ev.free, MAX_FREE_PAGES, 'free pages one counter may hold');
      c.atMost('cma', ev.cma, MAX_FREE_PAGES, 'free pages one counter may hold');
      return;
    case 'hugetlb':
      c.oneOf('size', ev.size, HUGETLB_SIZES);
      c.atMost('node', ev.node, NODE_MAX, 'MAX_NUMNODES - 1');
      for (const [k, v] of [
        ['free', ev.free],
        ['free_movable', ev.freeMovable],
        ['free_cma', ev.freeCma],
        ['surplus', ev.surplus],
        ['overcommit', ev.overcommit],
      ] as const)
        c.atMost(k, v, MAX_FREE_PAGES, 'free pages one counter may hold');
      return;
    case 'expect':
      if (ev.assertions.length === 0) c.fail('no assertions');
      return;
    case 'call':
      if (!(CALL_EVENTS as readonly string[]).includes(ev.name))
        c.fail(`'${ev.name}' is not a pinbench event`);
      checkArgs(c, ev.args);
      return;
  }
}
