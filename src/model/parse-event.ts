/**
 * Turns one vocabulary record (event name + payload) into a typed model event. Every field is
 * checked: an unknown key, a bad number or an unknown flag is an EventError naming file, line and
 * the column of the offending value: `t.trace:12:40: pinbench_vma: flags: unknown flag VM_FOO [PB_EVENT_FIELD]`.
 */
import { EventError } from '../errors.ts';
import { ERRNO } from './errno.ts';
import {
  ASSERT_OPS,
  type Assertion,
  type AssertOp,
  BACKINGS,
  BUDDY_ZONES,
  CALL_EVENTS,
  type CallArgs,
  type CallName,
  CONFIG_KEYS,
  DEFAULT_CONFIG,
  FILESYSTEMS,
  GUP_CALLS,
  HUGETLB_SIZES,
  INSERT_PAGE_CALLS,
  INSERT_PFN_CALLS,
  LEVELS,
  LOOKUP_CALLS,
  MADVISE_ADVICE,
  MIGRATETYPES,
  type ModelEvent,
  PAGE_FLAGS,
  PAGE_KINDS,
  type PfnRef,
  RELEASE_CALLS,
  type TraceConfig,
  VMA_OPS,
  ZONES,
} from './events.ts';
import { type ScannedField, scanFields } from './field-scanner.ts';
import { decodeGupFlags, decodeVmFlags, FOLL_FLAGS, type FollFlag, VM_FLAGS, type VmFlag } from './flags.ts';
import { parseIntLiteral } from './int-literal.ts';
import { type KernelVersion, parseKernelVersion } from './kernel-version.ts';
import {
  MAX_BYTES_PER_LINE,
  MAX_FOLIO_ORDER,
  MAX_FREE_PAGES,
  MAX_NUMA_NODES,
  MAX_PAGES_PER_LINE,
} from './limits.ts';
import { SYMBOLIC_RETS } from './outcome.ts';

export interface ParseContext {
  file: string;
  line: number;
  text: string;
  /** Column where the payload starts in the line. */
  payloadCol: number;
  /** The recording kernel from the config in force, for raw hex gup_flags. */
  kernel: KernelVersion | null;
  /** Sequence number the next call event gets. */
  seq: number;
  cpu: number;
  pid: number;
}

/** Reads the fields of one event, consuming each once; leftovers are errors. */
class FieldReader {
  private readonly byKey = new Map<string, ScannedField>();
  private readonly event: string;
  private readonly ctx: ParseContext;
  constructor(
    event: string,
    ctx: ParseContext,
    fields: ScannedField[],
    bare: { word: string; col: number }[],
  ) {
    this.event = event;
    this.ctx = ctx;
    for (const f of fields) {
      if (this.byKey.has(f.key)) this.fail(f.keyCol, `${f.key}: given twice`);
      this.byKey.set(f.key, f);
    }
    const first = bare[0];
    if (first) this.fail(first.col, `expected key=value, got '${first.word}'`);
  }

  fail(col: number, message: string): never {
    throw new EventError('PB_EVENT_FIELD', `${this.event}: ${message}`, {
      location: { file: this.ctx.file, line: this.ctx.line, col },
    });
  }

  private take(key: string): ScannedField | undefined {
    const f = this.byKey.get(key);
    this.byKey.delete(key);
    return f;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** A field without consuming it (for its column and text). */
  peek(key: string): ScannedField | undefined {
    return this.byKey.get(key);
  }

  raw(key: string): ScannedField | undefined {
    return this.take(key);
  }

  string(key: string): string | undefined {
    return this.take(key)?.value;
  }

  required<T>(key: string, read: (k: string) => T | undefined): T {
    if (!this.byKey.has(key)) this.fail(this.ctx.payloadCol, `missing required field ${key}=`);
    return read.call(this, key) as T;
  }

  /** Addresses, sizes, counts, ids: never negative (`size=-4096` is bad input, not a size). */
  number(key: string): number | undefined {
    const f = this.take(key);
    return f === undefined ? undefined : this.unsigned(f, f.value);
  }

  unsigned(f: ScannedField, text: string): number {
    const v = this.parseNumber(f, text);
    if (v < 0 || text.startsWith('-')) this.fail(f.col, `${f.key}: '${text}' is negative`);
    return v;
  }

  parseNumber(f: ScannedField, text: string): number {
    const v = parseIntLiteral(text);
    if (v !== undefined) return v;
    if (/^[+-]?(0x[0-9a-fA-F]+|\d+)$/.test(text)) this.fail(f.col, `${f.key}: '${text}' is out of range`);
    this.fail(f.col, `${f.key}: '${text}' is not a number`);
  }

  /**
   * A count that makes the model loop or allocate (see limits.ts): at most `max`, and at
   * least `min` when given. `what` names the unit in the message.
   */
  bounded(key: string, max: number, what: string, min?: number): number | undefined {
    const f = this.peek(key);
    const v = this.number(key);
    if (v === undefined || f === undefined) return v;
    if (v > max)
      this.fail(
        f.col,
        `${key}: ${f.value} is more than the ${max} ${what} one line may hold (src/model/limits.ts)`,
      );
    if (min !== undefined && v < min) this.fail(f.col, `${key}: ${f.value} is less than ${min}`);
    return v;
  }

  /** A value with a bound that is not a per-line count (a node id, a free-page counter). */
  atMost(key: string, max: number, why: string): number | undefined {
    const f = this.peek(key);
    const v = this.number(key);
    if (v === undefined || f === undefined) return v;
    if (v > max) this.fail(f.col, `${key}: ${f.value} is more than ${max} (${why}, src/model/limits.ts)`);
    return v;
  }

  node(): number {
    return this.atMost('node', MAX_NUMA_NODES - 1, 'MAX_NUMNODES - 1') ?? 0;
  }

  freePages(key: string): number {
    return this.atMost(key, MAX_FREE_PAGES, 'free pages one counter may hold') ?? 0;
  }

  bool(key: string): boolean | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    if (f.value === '0') return false;
    if (f.value === '1') return true;
    this.fail(f.col, `${f.key}: expected 0 or 1, got '${f.value}'`);
  }

  pfn(key: string): PfnRef | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    return f.value === 'zero' ? 'zero' : this.unsigned(f, f.value);
  }

  pfnList(key: string): PfnRef[] | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    return f.value.split(',').map((v) => (v === 'zero' ? 'zero' : this.unsigned(f, v)));
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(f.value)) {
      this.fail(f.col, `${f.key}: unknown value '${f.value}' (expected one of ${allowed.join(', ')})`);
    }
    return f.value as T;
  }

  listOf<T extends string>(key: string, allowed: readonly T[], sep: RegExp): T[] | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    if (f.value === '' || f.value === '0') return [];
    return f.value.split(sep).map((v) => {
      if (!(allowed as readonly string[]).includes(v)) this.fail(f.col, `${f.key}: unknown value '${v}'`);
      return v as T;
    });
  }

  vmFlags(key: string): Set<VmFlag> | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(f.value)) {
      const { flags, unknownBits } = decodeVmFlags(this.parseNumber(f, f.value));
      if (unknownBits !== 0) this.fail(f.col, `${f.key}: unknown bits 0x${unknownBits.toString(16)}`);
      return flags;
    }
    const out = new Set<VmFlag>();
    for (const name of f.value.split('|')) {
      if (!(VM_FLAGS as string[]).includes(name)) this.fail(f.col, `${f.key}: unknown flag ${name}`);
      out.add(name as VmFlag);
    }
    return out;
  }

  gupFlags(key: string): { flags: Set<FollFlag>; raw?: number } | undefined {
    const f = this.take(key);
    if (f === undefined) return undefined;
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(f.value)) {
      const raw = this.parseNumber(f, f.value);
      if (raw === 0) return { flags: new Set() };
      if (!this.ctx.kernel) {
        this.fail(
          f.col,
          `${f.key}: raw flags ${f.value} need the recording kernel (pinbench_config kernel=...)`,
        );
      }
      const { flags, unknownBits } = decodeGupFlags(raw, this.ctx.kernel);
      if (unknownBits !== 0) {
        this.fail(
          f.col,
          `${f.key}: bits 0x${unknownBits.toString(16)} are not FOLL_* flags in ${this.ctx.kernel.text}`,
        );
      }
      return { flags, raw };
    }
    const flags = new Set<FollFlag>();
    for (const name of f.value.split('|')) {
      if (!(FOLL_FLAGS as readonly string[]).includes(name))
        this.fail(f.col, `${f.key}: unknown flag ${name}`);
      flags.add(name as FollFlag);
    }
    return { flags };
  }

  /** Every field must have been consumed. */
  done(): void {
    const left = [...this.byKey.values()][0];
    if (left) this.fail(left.keyCol, `unknown field '${left.key}'`);
  }
}

function parseConfig(r: FieldReader): Partial<TraceConfig> {
  const config: Partial<TraceConfig> = {};
  for (const key of CONFIG_KEYS) {
    if (!r.has(key)) continue;
    const def = DEFAULT_CONFIG[key];
    if (key === 'kernel') {
      const f = r.raw(key)!;
      try {
        parseKernelVersion(f.value);
      } catch {
        r.fail(f.col, `kernel: '${f.value}' is not a kernel release (e.g. 6.1, v6.18, 6.1.0-56-amd64)`);
      }
      config.kernel = f.value;
    } else if (typeof def === 'boolean') {
      (config as Record<string, unknown>)[key] = r.bool(key);
    } else if (typeof def === 'number') {
      (config as Record<string, unknown>)[key] = r.number(key);
    } else {
      (config as Record<string, unknown>)[key] = r.string(key);
    }
  }
  return config;
}

const ASSERT_RE = /^([A-Za-z_][A-Za-z0-9_.]*)(!=|<=|>=|=|<|>)(.+)$/;
const ASSERT_SUBJECTS =
  /^(ret|err|pages|page\d+|refs\.[A-Za-z0-9_]+|pins\.[A-Za-z0-9_]+|locked_vm|special|warns|bugs|final\.(leaks|pins_balanced|bugs|warnings|locked_vm|longterm_unpinnable))$/;

function parseExpect(
  r: FieldReader,
  payload: string,
  payloadCol: number,
): { assertions: Assertion[]; scope?: string } {
  // Assertions are not all key=value (`ret!=livelock`, `warns>0`), so scan words directly.
  const assertions: Assertion[] = [];
  let scope: string | undefined;
  const re = /\S+/g;
  for (let m = re.exec(payload); m; m = re.exec(payload)) {
    const word = m[0];
    const col = payloadCol + m.index;
    if (word.startsWith('scope=')) {
      scope = word.slice(6);
      continue;
    }
    const a = ASSERT_RE.exec(word);
    if (!a) r.fail(col, `'${word}' is not an assertion (e.g. ret=0, ret!=livelock, final.leaks=0)`);
    const [, subject, op, value] = a as unknown as [string, string, string, string];
    if (!ASSERT_SUBJECTS.test(subject)) r.fail(col, `unknown assertion subject '${subject}'`);
    if (!(ASSERT_OPS as readonly string[]).includes(op)) r.fail(col, `unknown operator '${op}'`);
    const page = /^(?:refs|pins)\.(.*)$/.exec(subject)?.[1];
    if (page !== undefined && !PAGE_NAME.test(page))
      r.fail(col + 5, `${word}: '${page}' is not a page name (zero, new1, 0x1000)`);
    const problem = assertionProblem(subject, op as AssertOp, value);
    if (problem !== null) r.fail(col + subject.length + op.length, `${word}: ${problem}`);
    assertions.push({
      subject,
      op: op as AssertOp,
      value,
      final: subject.startsWith('final.'),
      text: word,
      col,
    });
  }
  if (assertions.length === 0) r.fail(payloadCol, 'no assertions');
  return scope === undefined ? { assertions } : { assertions, scope };
}

/** A page name as outcomes write them: `zero`, `new`/`new3` (model-allocated), a pfn. */
const PAGE_NAME = /^(zero|new\d*|0x[0-9a-fA-F]+|\d+)$/;
const SYMBOLIC = new Set<string>(SYMBOLIC_RETS.filter((r) => r !== 'unsupported'));
const ORDERING: ReadonlySet<AssertOp> = new Set(['<', '>', '<=', '>=']);

/**
 * What is wrong with an assertion's value for its subject, or null. Every value must read as its
 * subject's type: a value that cannot (`ret=zer0`, `ret==4`, `special=yes`) would make the
 * assertion fail for every policy, or hold for every one, without saying why.
 */
function assertionProblem(subject: string, op: AssertOp, value: string): string | null {
  const alternatives = value.split('|');
  if (alternatives.length > 1 && op !== '=' && op !== '!=') return `alternatives (a|b) need = or !=`;
  for (const v of alternatives) {
    const p = valueProblem(subject, op, v);
    if (p !== null) return p;
  }
  return null;
}

function valueProblem(subject: string, op: AssertOp, v: string): string | null {
  if (v === '') return 'empty value';
  if (v.startsWith('=') || v.startsWith('<') || v.startsWith('>') || v.startsWith('!'))
    return `'${v}' is not a value (one operator: =, !=, <, >, <=, >=)`;
  const int = parseIntLiteral(v);
  const ordering = ORDERING.has(op);
  if (ordering && int === undefined) return `'${v}' is not a number (${op} compares numbers)`;
  if (subject === 'ret') {
    if (int !== undefined || SYMBOLIC.has(v) || PAGE_NAME.test(v)) return null;
    return `'${v}' is not a return value (a number, ${[...SYMBOLIC].join(', ')}, or a page name: zero, new1, 0x1000)`;
  }
  if (subject === 'err') {
    if (int !== undefined || v === 'none' || Object.hasOwn(ERRNO, v)) return null;
    return `'${v}' is not an errno name (${Object.keys(ERRNO).join(', ')}) or none`;
  }
  if (/^page\d+$/.test(subject)) {
    if (v === 'none' || PAGE_NAME.test(v)) return null;
    return `'${v}' is not a page name (zero, new, new1, 0x1000) or none`;
  }
  if (subject === 'special' || subject === 'final.pins_balanced') {
    if (v === '0' || v === '1') return null;
    return `'${v}' is not 0 or 1`;
  }
  if (int === undefined) return `'${v}' is not a number`;
  return null;
}

function parseCall(name: CallName, r: FieldReader): CallArgs {
  const mm = r.number('mm') ?? 1;
  if ((GUP_CALLS as readonly string[]).includes(name)) {
    const flags = r.required('gup_flags', r.gupFlags);
    const lockedField = r.raw('locked');
    let locked: 0 | 1 | null = null;
    if (lockedField && lockedField.value !== 'null') {
      if (lockedField.value !== '0' && lockedField.value !== '1') {
        r.fail(lockedField.col, `locked: expected null, 0 or 1, got '${lockedField.value}'`);
      }
      locked = lockedField.value === '1' ? 1 : 0;
    }
    const args: CallArgs = {
      kind: 'gup',
      mm,
      start: r.required('start', r.number),
      nrPages: r.required('nr_pages', (k) => r.bounded(k, MAX_PAGES_PER_LINE, 'pages')),
      gupFlags: flags.flags,
      locked,
      pages: r.bool('pages') ?? true,
    };
    if (flags.raw !== undefined) args.rawFlags = flags.raw;
    return args;
  }
  if ((RELEASE_CALLS as readonly string[]).includes(name)) {
    const of = r.number('of');
    const pfn = r.pfn('pfn');
    if (of === undefined && pfn === undefined) r.fail(1, 'needs of=<seq> or pfn=');
    return {
      kind: 'release',
      ...(of === undefined ? {} : { of }),
      ...(pfn === undefined ? {} : { pfn }),
      makeDirty: r.bool('make_dirty') ?? false,
    };
  }
  if (name === 'vfio_map_dma' || name === 'vfio_unmap_dma') {
    // The direction decides FOLL_WRITE: a map without it would silently be a read-only map.
    const flags =
      name === 'vfio_map_dma'
        ? r.required('flags', (k) => r.listOf(k, ['READ', 'WRITE'] as const, /\|/))
        : (r.listOf('flags', ['READ', 'WRITE'] as const, /\|/) ?? []);
    return {
      kind: 'vfio',
      container: r.number('container') ?? 1,
      mm,
      iova: r.required('iova', r.number),
      vaddr: name === 'vfio_map_dma' ? r.required('vaddr', r.number) : (r.number('vaddr') ?? 0),
      size: r.required('size', (k) => r.bounded(k, MAX_BYTES_PER_LINE, 'bytes')),
      read: flags.includes('READ'),
      write: flags.includes('WRITE'),
    };
  }
  if (name === 'io_uring_register_buffers' || name === 'io_uring_unregister_buffers') {
    const unregister = name === 'io_uring_unregister_buffers';
    return {
      kind: 'io_uring',
      mm,
      addr: unregister ? (r.number('addr') ?? 0) : r.required('addr', r.number),
      len: unregister ? (r.number('len') ?? 0) : r.required('len', r.number),
    };
  }
  if ((INSERT_PAGE_CALLS as readonly string[]).includes(name)) {
    const pfns = r.pfnList('pfns') ?? (r.has('pfn') ? [r.pfn('pfn')!] : undefined);
    if (!pfns) r.fail(1, 'needs pfn= or pfns=');
    return { kind: 'insert_page', mm, addr: r.required('addr', r.number), pfns };
  }
  if ((INSERT_PFN_CALLS as readonly string[]).includes(name)) {
    return {
      kind: 'insert_pfn',
      mm,
      addr: r.required('addr', r.number),
      pfn: r.required('pfn', r.pfn),
      size: r.bounded('size', MAX_BYTES_PER_LINE, 'bytes') ?? 0x1000,
    };
  }
  if ((LOOKUP_CALLS as readonly string[]).includes(name)) {
    const flags = r.listOf('flags', ['FW_ZEROPAGE'] as const, /\|/) ?? [];
    return {
      kind: 'lookup',
      mm,
      addr: r.required('addr', r.number),
      fwZeropage: flags.includes('FW_ZEROPAGE'),
    };
  }
  if (name === 'munmap')
    return { kind: 'munmap', mm, addr: r.required('addr', r.number), len: r.required('len', r.number) };
  if (name === 'madvise')
    return {
      kind: 'madvise',
      mm,
      start: r.required('start', r.number),
      len: r.required('len', (k) => r.bounded(k, MAX_BYTES_PER_LINE, 'bytes')),
      advice: r.required('advice', (k) => r.oneOf(k, MADVISE_ADVICE)),
    };
  return { kind: 'fork', mm, child: r.required('child', r.number) };
}

/**
 * Parses a vocabulary event. `ret=` on a call line is the observed return (consumed here).
 * Throws EventError for any bad field.
 */
export function parseModelEvent(event: string, payload: string, ctx: ParseContext): ModelEvent {
  const { fields, bare } = scanFields(payload, ctx.payloadCol);
  const isExpect = event === 'pinbench_expect';
  const r = new FieldReader(event, ctx, isExpect ? [] : fields, isExpect ? [] : bare);
  const base = { line: ctx.line, text: ctx.text };
  switch (event) {
    case 'pinbench_config': {
      const config = parseConfig(r);
      r.done();
      return { type: 'config', config, ...base };
    }
    case 'pinbench_scenario': {
      const name = r.required('name', r.string);
      const title = r.string('title');
      r.done();
      return title === undefined
        ? { type: 'scenario', name, ...base }
        : { type: 'scenario', name, title, ...base };
    }
    case 'pinbench_page': {
      const ev: ModelEvent = {
        type: 'page',
        pfn: r.required('pfn', r.pfn),
        nr: r.bounded('nr', MAX_PAGES_PER_LINE, 'pages', 1) ?? 1,
        ...base,
      };
      const zone = r.oneOf('zone', ZONES);
      const mt = r.oneOf('mt', MIGRATETYPES);
      const kind = r.oneOf('kind', PAGE_KINDS);
      const refcount = r.number('refcount');
      const mapcount = r.number('mapcount');
      const pincount = r.number('pincount');
      const order = r.bounded('order', MAX_FOLIO_ORDER, 'as folio order', 0);
      const flags = r.listOf('flags', PAGE_FLAGS, /[,|]/);
      const isolatable = r.bool('isolatable');
      const migrate = r.oneOf('migrate', ['ok', 'fail'] as const);
      const node = r.has('node') ? r.node() : undefined;
      r.done();
      if (node !== undefined) ev.node = node;
      if (zone !== undefined) ev.zone = zone;
      if (mt !== undefined) ev.mt = mt;
      if (kind !== undefined) ev.kind = kind;
      if (refcount !== undefined) ev.refcount = refcount;
      if (mapcount !== undefined) ev.mapcount = mapcount;
      if (pincount !== undefined) ev.pincount = pincount;
      if (order !== undefined) ev.order = order;
      if (flags !== undefined) ev.flags = flags;
      if (isolatable !== undefined) ev.isolatable = isolatable;
      if (migrate !== undefined) ev.migrate = migrate;
      return ev;
    }
    case 'pinbench_vma': {
      const ev: ModelEvent = {
        type: 'vma',
        mm: r.number('mm') ?? 1,
        start: r.required('start', r.number),
        end: r.required('end', r.number),
        flags: r.vmFlags('flags') ?? new Set<VmFlag>(),
        ops: r.listOf('ops', VMA_OPS, /[,|]/) ?? [],
        remapped: r.bool('remapped') ?? false,
        ...base,
      };
      const pgoff = r.number('pgoff');
      const backing = r.oneOf('backing', BACKINGS);
      const fs = r.oneOf('fs', FILESYSTEMS);
      r.done();
      if (pgoff !== undefined) ev.pgoff = pgoff;
      if (backing !== undefined) ev.backing = backing;
      if (fs !== undefined) ev.fs = fs;
      if (ev.end <= ev.start) r.fail(ctx.payloadCol, `end 0x${ev.end.toString(16)} is not above start`);
      return ev;
    }
    case 'pinbench_pte': {
      const ev: ModelEvent = {
        type: 'pte',
        mm: r.number('mm') ?? 1,
        addr: r.required('addr', r.number),
        pfn: r.required('pfn', r.pfn),
        level: r.oneOf('level', LEVELS) ?? 'pte',
        special: r.bool('special') ?? false,
        write: r.bool('write') ?? false,
        dirty: r.bool('dirty') ?? false,
        ...base,
      };
      const devmap = r.bool('devmap');
      if (devmap !== undefined) ev.devmap = devmap;
      r.done();
      return ev;
    }
    case 'pinbench_zone': {
      const ev: ModelEvent = {
        type: 'zone',
        node: r.node(),
        zone: r.required('zone', (k) => r.oneOf(k, BUDDY_ZONES)),
        free: r.freePages('free'),
        cma: r.freePages('cma'),
        ...base,
      };
      r.done();
      return ev;
    }
    case 'pinbench_hugetlb': {
      const ev: ModelEvent = {
        type: 'hugetlb',
        size: r.required('size', (k) => r.oneOf(k, HUGETLB_SIZES)),
        node: r.node(),
        free: r.freePages('free'),
        freeMovable: r.freePages('free_movable'),
        freeCma: r.freePages('free_cma'),
        ...base,
      };
      if (r.has('surplus')) ev.surplus = r.freePages('surplus');
      if (r.has('overcommit')) ev.overcommit = r.freePages('overcommit');
      r.done();
      return ev;
    }
    case 'pinbench_expect':
      return { type: 'expect', ...parseExpect(r, payload, ctx.payloadCol), ...base };
    default: {
      if (!(CALL_EVENTS as readonly string[]).includes(event)) {
        throw new EventError('PB_EVENT_UNKNOWN', `'${event}' is not a pinbench event`, {
          location: { file: ctx.file, line: ctx.line, col: 1 },
        });
      }
      const retField = r.raw('ret');
      const pagesField = r.raw('ret_pages');
      const args = parseCall(event as CallName, r);
      r.done();
      const ev: ModelEvent = {
        type: 'call',
        name: event as CallName,
        seq: ctx.seq,
        args,
        cpu: ctx.cpu,
        pid: ctx.pid,
        ...base,
      };
      if (retField) {
        const v = retField.value;
        // A page-table lookup returns a page (or NULL), never a count: its `ret=0x2e3f5` names
        // the page by pfn, as the model's outcome does, and must not turn into the number.
        const ret =
          args.kind !== 'lookup' && /^-?(0x[0-9a-fA-F]+|\d+)$/.test(v) ? r.parseNumber(retField, v) : v;
        ev.observed = { ret, line: ctx.line };
        if (pagesField) ev.observed.pages = pagesField.value.split(',');
      }
      return ev;
    }
  }
}
