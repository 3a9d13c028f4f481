/**
 * `pinbench fidelity`: real recordings (`pinbench record`) against the release model of the
 * kernel that recorded them. For every call the recording carries with the kernel's own return
 * (`ret=` on the call, or a `<call>_ret` kretprobe), the cell holds what the kernel returned and
 * what the model of that kernel's release returns for the same state; cases the kernel could not
 * run say why (the workload's `pinbench: skip reason=...` marker).
 *
 * The model: the one src/replay/recording-release.ts picks, which replay's own fidelity records
 * use too: the stable id of the kernel package's exact upstream version when pinbench has one
 * (package 5.10.262-1 -> `v5.10.262`), else the recording's mainline release. The packages come
 * from the sidecar, else from the trace's own `pinbench: recording` marker (the recording adapter). A disagreement is a finding about the model; the ones not yet
 * resolved are listed, with the kernel source lines the model does not express, in
 * `known-disagreements.json` beside the recordings, and fidelity reports any difference between
 * that list and what it finds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { getPolicy } from '../../policies/index.ts';
import { ConfigError, isPinbenchError } from '../errors.ts';
import { ingestSource } from '../ingest/index.ts';
import { markerText } from '../ingest/probe-payload.ts';
import type { TraceRecord } from '../ingest/trace-record.ts';
import { createPinbenchRecordingAdapter } from '../model/adapters/pinbench-recording.ts';
import { adaptedFeed, EventStream, type Scenario } from '../model/event-stream.ts';
import { CALL_EVENTS, type CallEvent, GUP_CALLS } from '../model/events.ts';
import { encodeGupFlags } from '../model/flags.ts';
import type { Policy } from '../model/kernel.ts';
import { type KernelVersion, parseKernelVersion } from '../model/kernel-version.ts';
import type { Outcome } from '../model/outcome.ts';
import { traceIdentity } from '../replay/divergence-identity.ts';
import type {
  FidelityEffect,
  FidelityReport,
  FidelityTrace,
  KnownDisagreement,
} from '../replay/fidelity-report.ts';
import { kernelPackageVersions, releaseForRecording } from '../replay/recording-release.ts';
import { replayScenario } from '../replay/replay-scenario.ts';

export type {
  FidelityCell,
  FidelityEffect,
  FidelityReport,
  FidelitySkip,
  FidelityTrace,
  KnownDisagreement,
} from '../replay/fidelity-report.ts';
export { releaseForKernel, releaseForRecording } from '../replay/recording-release.ts';

const CALLS: ReadonlySet<string> = new Set(CALL_EVENTS);

/** `x.trace.json` beside `x.trace` or `x.trace.gz`. */
export function sidecarPath(trace: string): string {
  return `${trace.replace(/\.gz$/, '')}.json`;
}

function sidecar(trace: string): {
  append?: string;
  kernel?: { packages?: { pkg: string; version: string }[] };
  guest?: { status?: string[] };
} | null {
  const p = sidecarPath(trace);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
}

/** `movablecore=50%` from the sidecar's command line; `plain` when the boot added nothing. */
function bootLabel(trace: string): string {
  const append = sidecar(trace)?.append ?? '';
  const extra = append
    .split(/\s+/)
    .filter((w) => /^(movablecore|kernelcore|cma|transparent_hugepage)=/.test(w));
  return extra.length > 0 ? extra.join(' ') : 'plain';
}

function cellKey(c: { series: string; boot: string; scenario: string; seq: number; event: string }): string {
  return `${c.series}|${c.boot}|${c.scenario}|${c.seq}|${c.event}`;
}

/** One call's probe evidence: its first grabbed page and that page's _refcount around it. */
interface GrabWindow {
  /** The call's event name, once its marker is seen. */
  name?: string;
  ptr?: string;
  before?: number;
  after?: number;
  /** vfio_unpin_pages_remote() returns summed before this call's marker (vfio_unmap_dma). */
  unlocked?: number;
  /** The scenario's first call that grabbed a page: the only one whose refcount is compared. */
  measured?: boolean;
  /** The GUP function's kretprobe fired: a release read after it is the caller's. */
  returned?: boolean;
  /** gup_flags of the GUP function's first entry probe after the call's marker (raw). */
  flags?: number;
  /** Pages the kernel migrated for a long-term pin in the call (mm_migrate_pages nr_succeeded). */
  migrated?: number;
}

const GRABS: ReadonlySet<string> = new Set(['try_grab_page', 'try_grab_folio']);
const READINGS: ReadonlySet<string> = new Set(['gup_put_folio', 'unpin_user_page', 'unpin_user_pages']);
const GUP: ReadonlySet<string> = new Set(GUP_CALLS);

/**
 * The kernel's own accounting around each call, from the recording's probe lines (see
 * FidelityCell.effects). Probes of a call whose marker carries `ret=` (written after the
 * syscall: vfio, io_uring, madvise) fire before its marker; those of a GUP call whose return comes
 * from a kretprobe fire after it.
 */
class ProbeEffects {
  private readonly windows = new Map<string, GrabWindow>();
  /** The GUP call whose marker came before its probes, until the next call marker. */
  private owner: GrabWindow | null = null;
  /** Probes since the last call marker, for a call that writes its marker after the syscall. */
  private pending: GrabWindow = {};
  /** Page pointer -> the call waiting for that page's next _refcount reading. */
  private readonly awaiting = new Map<string, GrabWindow>();
  private measuredOne = false;

  scenario(): void {
    this.owner = null;
    this.pending = {};
    this.awaiting.clear();
    this.measuredOne = false;
  }

  call(key: string, name: string, retInMarker: boolean): void {
    this.close(this.owner);
    this.owner = null;
    if (retInMarker) {
      this.pending.name = name;
      this.windows.set(key, this.pending);
      this.close(this.pending);
    } else if (GUP.has(name)) {
      this.owner = { name };
      this.windows.set(key, this.owner);
    }
    this.pending = {};
  }

  probe(event: string, payload: string): void {
    if (event === 'mm_migrate_pages' && /\breason=longterm_pin\b/.test(payload)) {
      const n = Number(/\bnr_succeeded=(\d+)/.exec(payload)?.[1] ?? Number.NaN);
      const w = this.owner ?? this.pending;
      if (Number.isFinite(n)) w.migrated = (w.migrated ?? 0) + n;
      return;
    }
    if (event === 'vfio_unpin_pages_remote_ret') {
      const n = Number(/\bret=(-?\d+)/.exec(payload)?.[1] ?? Number.NaN);
      this.pending.unlocked = (this.pending.unlocked ?? 0) + (Number.isFinite(n) && n > 0 ? n : 0);
      return;
    }
    if (this.owner && event === `${this.owner.name}_ret`) this.owner.returned = true;
    if (this.owner && event === this.owner.name && this.owner.flags === undefined && !this.owner.returned) {
      const raw = /\bgup_flags=(0x[0-9a-fA-F]+)/.exec(payload)?.[1];
      if (raw !== undefined) this.owner.flags = Number.parseInt(raw, 16);
    }
    const grab = GRABS.has(event);
    if (!grab && !READINGS.has(event)) return;
    const ptr = /\b(?:page|folio|page0)=(0x[0-9a-f]+)/.exec(payload)?.[1];
    const rc = Number(/\b(?:refcount|page0_refcount)=(-?\d+)/.exec(payload)?.[1] ?? Number.NaN);
    if (!ptr || !Number.isFinite(rc)) return;
    const w = this.owner ?? this.pending;
    // Only a release reads the page after the call: a later grab (the next map/unmap cycle) would
    // measure the cycle's net effect, and a release the kernel makes without a probe (put_page(),
    // or 5.10's unpin through put_compound_head()) leaves no evidence at all.
    // A release inside the same syscall after the GUP function returned (process_vm_rw_pages()
    // unpins what it pinned before the workload writes its next marker) reads the call's page too.
    const returned = this.owner?.returned && this.owner.ptr === ptr ? this.owner : undefined;
    const waiting = grab ? undefined : (this.awaiting.get(ptr) ?? returned);
    if (waiting && waiting.after === undefined) {
      waiting.after = rc;
      this.awaiting.delete(ptr);
    }
    if (grab && w.ptr === undefined) {
      w.ptr = ptr;
      w.before = rc;
    }
  }

  /**
   * Only the scenario's first grabbing call is measured: a later call's FOLL_TOUCH finds pages an
   * earlier call marked accessed, and mark_page_accessed() -> activate_page()/folio_activate()
   * then parks a reference in a per-CPU LRU batch until it drains (5.10.262 mm/swap.c:351-359,
   * 6.1.192 mm/swap.c:361-367): +1 at the release on some boots and not on others, a timing the
   * recording cannot control (seen on the second map of ext4 pages on 5.10 and 6.1).
   */
  private close(w: GrabWindow | null): void {
    if (w?.ptr === undefined) return;
    this.awaiting.set(w.ptr, w);
    if (!this.measuredOne) w.measured = this.measuredOne = true;
  }

  /**
   * `migration`: the recording traced mm_migrate_pages (its guest says so), and the pages the
   * model migrated in this call; compared when either side migrated something.
   */
  effectsOf(
    key: string,
    o: Outcome,
    ev: CallEvent,
    kernel: KernelVersion,
    migration: { traced: boolean; model: number },
  ): FidelityEffect[] {
    const w = this.windows.get(key);
    if (!w) return [];
    const out: FidelityEffect[] = [];
    const migrated = w.migrated ?? 0;
    if (migration.traced && (migrated > 0 || migration.model > 0))
      out.push({ what: 'migrated', kernel: migrated, model: migration.model });
    if (w.flags !== undefined && ev.args.kind === 'gup')
      out.push({ what: 'gup_flags', kernel: w.flags, model: encodeGupFlags(ev.args.gupFlags, kernel) });
    if (w.name === 'vfio_unmap_dma' && w.unlocked !== undefined)
      out.push({ what: 'locked_vm', kernel: -w.unlocked, model: o.lockedVm });
    // A page the call itself allocated (a fault's new page: the model names it `new<N>`) has a
    // model change counted from nothing, while the kernel's first reading is after its fault:
    // only a page that existed before the call has comparable numbers.
    const first = o.pages[0];
    if (
      w.measured &&
      first &&
      !first.startsWith('new') &&
      w.before !== undefined &&
      w.after !== undefined &&
      w.before > 0
    )
      out.push({ what: 'refcount', kernel: w.after - w.before, model: o.refs[first] ?? 0 });
    return out;
  }
}

/**
 * The release's table with allocMigrationTarget() counting, per call (`seq`), the pages it found a
 * target for: the model's migrate_pages() moves every folio it gets a target for (longterm-migrate
 * v5-4.ts migratePages), so these are the pages the call migrated, as the kernel's
 * mm_migrate_pages nr_succeeded counts them (a huge folio's every page).
 */
function countingMigrations(policy: Policy, counts: Map<number, number>): Policy {
  const alloc = policy.ops.allocMigrationTarget;
  return {
    ...policy,
    ops: {
      ...policy.ops,
      allocMigrationTarget(k, st, src) {
        const target = alloc(k, st, src);
        const seq = st.callSeq;
        if (target && seq !== undefined) counts.set(seq, (counts.get(seq) ?? 0) + 2 ** src.order);
        return target;
      },
    },
  };
}

async function traceCells(trace: string, report: FidelityReport): Promise<void> {
  const boot = bootLabel(trace);
  const side = sidecar(trace);
  const info: FidelityTrace = {
    trace,
    kernel: '',
    series: '',
    release: '',
    boot,
    packages: (side?.kernel?.packages ?? []).map((p) => `${p.pkg} ${p.version}`).join(', '),
  };
  report.traces.push(info);
  const stream = new EventStream(trace);
  const adapted = adaptedFeed([createPinbenchRecordingAdapter()], (rec, ev) => {
    const done = stream.push(rec, ev);
    if (done) scenarios.push(done);
  });
  const skips = new Map<string, string>();
  let current = '';
  let seq = 0;
  const probes = new ProbeEffects();
  const scenarios: Scenario[] = [];
  const onRecord = (rec: TraceRecord): void => {
    if (rec.kind === 'event') {
      const m = markerText(rec);
      if (m?.startsWith('pinbench: pinbench_scenario ')) {
        current = /name=(\S+)/.exec(m)?.[1] ?? current;
        seq = 0;
        probes.scenario();
      } else if (m?.startsWith('pinbench: skip ')) skips.set(current, /reason="(.*)"/.exec(m)?.[1] ?? m);
      else if (m?.startsWith('pinbench: ')) {
        const name = m.slice('pinbench: '.length).split(' ')[0]!;
        if (CALLS.has(name)) probes.call(`${current}#${seq++}`, name, / ret=/.test(m));
      } else probes.probe(rec.event, rec.payload);
    }
    adapted.push(rec);
  };
  try {
    await ingestSource(trace, { strict: false, onRecord });
  } catch (e) {
    if (!isPinbenchError(e)) throw e;
    info.error = e.message;
    return;
  }
  adapted.end();
  const last = stream.end();
  if (last) scenarios.push(last);

  // Pages the model migrated per call of the scenario being replayed (countingMigrations).
  const migrated = new Map<number, number>();
  let policy: Policy | undefined;
  let kernelVersion: KernelVersion | undefined;
  // Whether the guest traced mm_migrate_pages: without it, no migration is evidence of none.
  const migrationTraced = (side?.guest?.status ?? []).includes('tracepoint migrate/mm_migrate_pages enabled');
  for (const sc of scenarios) {
    const kernel = sc.config.kernel;
    if (!kernel) continue;
    if (!info.kernel) {
      const v = parseKernelVersion(kernel);
      kernelVersion = v;
      info.kernel = kernel;
      info.series = `${v.major}.${v.minor}`;
      info.release = releaseForRecording(
        kernel,
        kernelPackageVersions(side?.kernel?.packages ?? sc.recording?.packages ?? []),
      );
    }
    if (skips.has(sc.name)) continue;
    policy ??= countingMigrations(getPolicy(info.release), migrated);
    migrated.clear();
    const r = replayScenario(sc, [policy], { trace: traceIdentity(trace), outcomes: true });
    const bySeq = new Map(r.outcomes.map((o) => [o.seq, o]));
    for (const ev of sc.events) {
      if (ev.type !== 'call' || !ev.observed) continue;
      const o = bySeq.get(ev.seq);
      const model = o ? o.ret : (r.verdicts[0]?.reason ?? 'no outcome');
      const effects = o
        ? probes.effectsOf(`${sc.name}#${ev.seq}`, o, ev, kernelVersion!, {
            traced: migrationTraced,
            model: migrated.get(ev.seq) ?? 0,
          })
        : [];
      report.cells.push({
        series: info.series,
        boot,
        trace,
        scenario: sc.name,
        seq: ev.seq,
        line: ev.line,
        event: ev.name,
        release: info.release,
        observed: ev.observed.ret,
        model,
        agree: model === ev.observed.ret && effects.every((e) => e.kernel === e.model),
        modelRefs: o?.refs ?? {},
        ...(effects.length > 0 ? { effects } : {}),
      });
    }
  }
  // A skipped case has no events of its own (the event stream keeps no empty scenario): every
  // skip marker is listed, in trace order.
  for (const [scenario, reason] of skips)
    report.skipped.push({ series: info.series, boot, trace, scenario, reason });
}

export function readKnownDisagreements(path: string): KnownDisagreement[] {
  if (!existsSync(path)) return [];
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError('PB_CONFIG', `not JSON: ${(e as Error).message}`, {
      location: { file: path, line: 1, col: 1 },
    });
  }
  if (!Array.isArray(list))
    throw new ConfigError('PB_CONFIG', 'expected an array of known disagreements', {
      location: { file: path, line: 1, col: 1 },
    });
  return list as KnownDisagreement[];
}

/** Default known-disagreements file for a set of traces: beside them, under traces/real/. */
export function knownFileFor(traces: readonly string[]): string {
  const first = traces[0];
  if (!first) return join('traces', 'real', 'known-disagreements.json');
  // traces/real/<kernel>/<boot>.trace -> traces/real/known-disagreements.json
  return join(dirname(dirname(first)), 'known-disagreements.json');
}

export async function fidelity(
  traces: readonly string[],
  known: readonly KnownDisagreement[],
): Promise<FidelityReport> {
  const report: FidelityReport = { traces: [], cells: [], skipped: [], unexpected: [], known: [], stale: [] };
  for (const t of traces) await traceCells(t, report);
  const seen = new Set(report.traces.map((t) => `${t.series}|${t.boot}`));
  const knownByKey = new Map(known.map((k) => [cellKey(k), k]));
  const found = new Set<string>();
  for (const c of report.cells) {
    if (c.agree) continue;
    const k = knownByKey.get(cellKey(c));
    const effect = c.effects?.find((e) => e.kernel !== e.model);
    if (
      k &&
      k.observed === c.observed &&
      k.model === c.model &&
      JSON.stringify(k.effect ?? null) === JSON.stringify(effect ?? null)
    ) {
      report.known.push(k);
      found.add(cellKey(k));
    } else report.unexpected.push(c);
  }
  // A listed disagreement of a recording that was checked but no longer disagrees is stale.
  for (const k of known)
    if (seen.has(`${k.series}|${k.boot}`) && !found.has(cellKey(k))) report.stale.push(k);
  return report;
}

export function traceName(trace: string): string {
  return `${basename(dirname(trace))}/${basename(trace)}`;
}

/** `pinbench record` recordings under a directory: every `*.trace` or `*.trace.gz` with a `.trace.json` sidecar. */
export function findRecordings(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.trace(\.gz)?$/.test(n) && names.includes(`${n.replace(/\.gz$/, '')}.json`)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The fidelity of the `pinbench record` recordings among a run's sources (local files with a
 * `.trace.json` sidecar), against the known disagreements beside them; null when there are none.
 * `run` puts it in its report as the fidelity page.
 */
export async function fidelityOfRecordings(
  sources: readonly string[],
  cwd: string,
): Promise<FidelityReport | null> {
  const recordings = sources
    .map((s) => resolve(cwd, s))
    .filter((p) => /\.trace(\.gz)?$/.test(p) && existsSync(sidecarPath(p)));
  if (recordings.length === 0) return null;
  return fidelity(recordings, readKnownDisagreements(knownFileFor(recordings)));
}
