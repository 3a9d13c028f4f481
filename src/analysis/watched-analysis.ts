/**
 * Analyses that run a user's policy modules, in a watched worker thread (analysis-worker.ts):
 * tie exploration of a scenario (`--explore-ties`, a run's order-dependence check) and the
 * minimisation of a stored slice for the report. A user policy still inside one call after
 * `--policy-timeout-ms`, a module that does not finish loading, or a thread that dies ends the
 * thread (a fresh one takes the next task). Tie exploration is then done again without that
 * policy (its verdict is `error` with the reason, as a replay gives it); a minimisation answers
 * that it was stopped. Plain data crosses the thread boundary; the policies load in the worker.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, PinbenchError, PolicyError } from '../errors.ts';
import type { Scenario } from '../model/event-stream.ts';
import { DEFAULT_POLICY_TIMEOUT_MS } from '../replay/module-probe.ts';
import { LOADING, WATCH } from '../replay/worker-protocol.ts';
import { escapeTerminal } from '../terminal-text.ts';
import type { CapsulePolicy } from './capsule.ts';
import type { ScenarioTies } from './explore-ties.ts';
import type { LineStamp } from './read-scenarios.ts';

/** The policies a worker loads: ids and module paths, or a run's recorded policies (capsule-policies.ts). */
export type AnalysisPolicies =
  | { kind: 'specs'; specs: string[] }
  | { kind: 'recorded'; recorded: CapsulePolicy[] };

export interface AnalysisWorkerData {
  watch: SharedArrayBuffer;
  cwd: string;
  policies: AnalysisPolicies;
  policyTimeoutMs: number;
}

export interface MinimizedSlice {
  text: string;
  /** Declarations and calls before and after. */
  before: number;
  after: number;
  replays: number;
  /** false: the budget stopped ddmin (smaller than the scenario, not 1-minimal). */
  complete: boolean;
  /** The divergence's distinct outcomes (outcome keys) at the call, as minimisation kept them. */
  outcomes: string[];
}

export type AnalysisRequest =
  | { id: number; task: 'ready' }
  | {
      id: number;
      task: 'minimize';
      /** A stored slice (trace text), its divergence's call, and a name for its file. */
      slice: string;
      at: { text: string; event: string };
      name: string;
      budgetMs: number;
      classes: string[][];
    }
  | {
      id: number;
      task: 'ties';
      scenario: Scenario;
      stamps: Map<number, LineStamp>;
      maxOrders: number;
      /** Policies (index) not run: stopped in an earlier attempt at this scenario. */
      skip: { policy: number; reason: string }[];
    };

export type AnalysisReply =
  | {
      id: number;
      ok: true;
      task: 'ready';
      policies: { id: string; identityHash: string }[];
      missing: { id: string; why: string }[];
    }
  | { id: number; ok: true; task: 'minimize'; result: MinimizedSlice }
  | { id: number; ok: true; task: 'ties'; result: ScenarioTies }
  | { id: number; ok: false; error: { code: string; message: string } };

/** The watchdog ended the thread: a user policy (its index) or a module's load overran, or the thread died. */
export interface AnalysisStop {
  id: number;
  ok: false;
  stopped: { policy: number | null; reason: string };
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Live {
  worker: Worker;
  watch: Int32Array;
  pending?: { id: number; resolve: (r: AnalysisReply | AnalysisStop) => void; hardAt: number } | undefined;
  seen: { state: number; seq: number; since: number };
}

export interface WatchedAnalysisOptions {
  policies: AnalysisPolicies;
  cwd: string;
  /** A user policy's budget per call and scenario, and a module's at load (default 5000 ms). */
  policyTimeoutMs?: number;
}

export class WatchedAnalysis {
  private live: Live | null = null;
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private readonly opts: WatchedAnalysisOptions;
  private readonly budgetMs: number;
  /** Policy ids in the worker's order (from `ready`), for naming a stopped one. */
  ids: string[] = [];

  constructor(opts: WatchedAnalysisOptions) {
    this.opts = opts;
    this.budgetMs = opts.policyTimeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS;
  }

  private spawn(): Live {
    const shared = new SharedArrayBuffer(WATCH.length * Int32Array.BYTES_PER_ELEMENT);
    const data: AnalysisWorkerData = {
      watch: shared,
      cwd: this.opts.cwd,
      policies: this.opts.policies,
      policyTimeoutMs: this.budgetMs,
    };
    const worker = new Worker(new URL('./analysis-worker.ts', import.meta.url), { workerData: data });
    const live: Live = { worker, watch: new Int32Array(shared), seen: { state: 0, seq: 0, since: 0 } };
    worker.on('message', (reply: AnalysisReply) => {
      if (live.pending?.id !== reply.id) return;
      const p = live.pending;
      live.pending = undefined;
      p.resolve(reply);
    });
    let crash = '';
    worker.on('error', (e) => {
      crash = escapeTerminal((e as Error)?.message ?? String(e));
    });
    worker.on('exit', (code) => {
      if (this.live === live) this.live = null;
      const p = live.pending;
      live.pending = undefined;
      // A user policy that ends the thread mid-call (process.exit) is named, as one that loops.
      const state = Atomics.load(live.watch, WATCH.state);
      p?.resolve({
        id: p.id,
        ok: false,
        stopped: {
          policy: state > 0 ? state - 1 : null,
          reason: crash ? `failed: ${crash}` : `ended the thread (exit code ${code})`,
        },
      });
    });
    this.timer ??= setInterval(() => this.tick(), Math.max(10, Math.min(250, this.budgetMs / 4)));
    this.timer.unref();
    return live;
  }

  /** Stops the thread when a user policy (or a module's load) has been running past its budget. */
  private tick(): void {
    const live = this.live;
    const p = live?.pending;
    if (!live || !p) return;
    const now = performance.now();
    const state = Atomics.load(live.watch, WATCH.state);
    const seq = Atomics.load(live.watch, WATCH.seq);
    let stopped: AnalysisStop['stopped'] | null = null;
    if (now > p.hardAt) stopped = { policy: null, reason: 'did not finish within its time budget; stopped' };
    else if (state === 0 || state !== live.seen.state || seq !== live.seen.seq) {
      live.seen = { state, seq, since: now };
      return;
    } else if (now - live.seen.since > this.budgetMs)
      stopped =
        state === LOADING
          ? {
              policy: null,
              reason: `a policy module did not finish loading within ${this.budgetMs} ms (--policy-timeout-ms)`,
            }
          : {
              policy: state - 1,
              reason: `exceeded ${this.budgetMs} ms in this scenario (--policy-timeout-ms); stopped`,
            };
    if (!stopped) return;
    this.live = null;
    live.pending = undefined;
    live.worker.removeAllListeners('message');
    live.worker.removeAllListeners('exit');
    void live.worker.terminate();
    p.resolve({ id: p.id, ok: false, stopped });
  }

  private request(
    req: Distribute<AnalysisRequest>,
    hardMs = Number.POSITIVE_INFINITY,
  ): Promise<AnalysisReply | AnalysisStop> {
    this.live ??= this.spawn();
    const live = this.live;
    const id = this.nextId++;
    return new Promise((resolve) => {
      live.pending = { id, resolve, hardAt: performance.now() + hardMs };
      live.seen = { state: 0, seq: 0, since: performance.now() };
      live.worker.postMessage({ ...req, id });
    });
  }

  /** Loads the policies (once per thread): their ids and identity hashes, and those that cannot be had. */
  async ready(): Promise<Extract<AnalysisReply, { task: 'ready' }> | AnalysisStop | AnalysisFailure> {
    const r = await this.request({ task: 'ready' });
    if (r.ok && r.task === 'ready') this.ids = r.policies.map((p) => p.id);
    return narrow(r, 'ready');
  }

  /**
   * Minimises a stored slice within `budgetMs` (ddmin stops there with what it has); the thread
   * is ended if the answer takes much longer than that.
   */
  async minimize(
    req: Omit<Extract<AnalysisRequest, { task: 'minimize' }>, 'id' | 'task'>,
  ): Promise<Extract<AnalysisReply, { task: 'minimize' }> | AnalysisStop | AnalysisFailure> {
    return narrow(await this.request({ task: 'minimize', ...req }, 2 * req.budgetMs + 2000), 'minimize');
  }

  /**
   * Every order of a scenario's tied events (explore-ties.ts); a user policy the watchdog stops
   * is left out of that scenario (verdict `error`) and the scenario explored again.
   */
  async exploreTies(
    scenario: Scenario,
    stamps: Map<number, LineStamp>,
    maxOrders: number,
  ): Promise<ScenarioTies> {
    const skip: { policy: number; reason: string }[] = [];
    for (;;) {
      const r = await this.request({ task: 'ties', scenario, stamps, maxOrders, skip });
      if (r.ok && r.task === 'ties') return r.result;
      if ('stopped' in r && r.stopped.policy !== null && !skip.some((s) => s.policy === r.stopped.policy)) {
        skip.push({ policy: r.stopped.policy, reason: r.stopped.reason });
        continue;
      }
      throw analysisError(r as AnalysisStop | AnalysisFailure, this.ids);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const live = this.live;
    this.live = null;
    if (live) {
      live.worker.removeAllListeners('exit');
      await live.worker.terminate();
    }
  }

  /** A stopped policy's id (from the worker's list), for messages. */
  policyId(index: number | null): string | null {
    return index === null ? null : (this.ids[index] ?? `policy ${index}`);
  }
}

export type AnalysisFailure = Extract<AnalysisReply, { ok: false }>;

function narrow<T extends AnalysisRequest['task']>(
  r: AnalysisReply | AnalysisStop,
  task: T,
): Extract<AnalysisReply, { task: T }> | AnalysisStop | AnalysisFailure {
  if (!r.ok) return r;
  if (r.task !== task) throw new Error(`analysis worker answered ${r.task} to ${task}`);
  return r as Extract<AnalysisReply, { task: T }>;
}

/**
 * A failed or stopped task as an error: a module that did not load is bad input (exit 2), as
 * replay has it; the worker's own PinbenchError keeps its code; anything else is internal.
 */
export function analysisError(r: AnalysisStop | AnalysisFailure, ids: readonly string[]): PinbenchError {
  if ('stopped' in r) {
    const who = r.stopped.policy === null ? 'analysis worker:' : (ids[r.stopped.policy] ?? 'a policy');
    return new PolicyError('PB_POLICY_LOAD', `${who} ${r.stopped.reason}`);
  }
  const code = (ERROR_CODES as readonly string[]).includes(r.error.code)
    ? (r.error.code as ErrorCode)
    : 'PB_INTERNAL';
  return new PinbenchError(code, r.error.message);
}
