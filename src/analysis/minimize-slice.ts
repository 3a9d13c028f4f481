/**
 * A stored slice (a diverging scenario as trace text, kept by a run for `pinbench repro`)
 * minimised within a time budget: what the report links from its kind and divergence pages.
 * The divergence is the slice's call with the stored text and event; the slice is written to a
 * private temporary file for `minimize` to read. ddmin replays one policy of each of the run's
 * classes (a fraction of the releases: the distinct outcomes are what it keeps); the result is
 * then replayed against every policy, whose distinct outcomes at the call it reports, and when
 * another policy splits off in the smaller slice, minimised again against all of them (what
 * `pinbench minimize` does). In this thread when the policies are all
 * pinbench's own (the deadline bounds it), in a watched worker when a user's module is among them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Policy } from '../model/kernel.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { distinctOutcomeKeys } from '../replay/compare.ts';
import { policyIdentityHash } from '../replay/policy-info.ts';
import type { PolicyCallGuard } from '../replay/replay-scenario.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import type { CapsulePolicy } from './capsule.ts';
import { todaysPolicies } from './capsule-policies.ts';
import { minimize } from './minimize.ts';
import { analysisError, type MinimizedSlice, WatchedAnalysis } from './watched-analysis.ts';

export interface SliceRequest {
  slice: string;
  at: { text: string; event: string };
  /** What the slice's header calls its source (the trace and scenario it came from). */
  name: string;
  budgetMs: number;
  /** Which policies shared an outcome at the call in the run (ids): one of each is replayed. */
  classes: string[][];
}

export async function minimizeSlice(
  req: SliceRequest,
  policies: readonly Policy[],
  guard?: PolicyCallGuard,
): Promise<MinimizedSlice> {
  const dir = await mkdtemp(join(tmpdir(), 'pinbench-minimize-'));
  const deadline = performance.now() + req.budgetMs;
  try {
    const file = join(dir, 'slice.trace');
    await writeFile(file, req.slice);
    const byId = new Map(policies.map((p) => [p.id, p]));
    const reps = req.classes.flatMap((c) => {
      const p = c.map((id) => byId.get(id)).find((x) => x !== undefined);
      return p ? [p] : [];
    });
    const run = (ps: readonly Policy[]) =>
      minimize(file, { policies: ps, at: req.at, deadline, ...(guard ? { guard } : {}) });
    let m = await run(reps.length >= 2 && reps.length < policies.length ? reps : policies);
    let outcomes = await outcomesAt(m.text, req.at, policies, guard);
    if (outcomes.join('\n') !== m.divergence.outcomes.join('\n')) {
      const all = await run(policies);
      const replays = m.replays + all.replays;
      m = { ...all, replays };
      outcomes = all.divergence.outcomes;
    }
    return {
      text: m.text.replaceAll(file, req.name),
      before: m.events.before,
      after: m.events.after,
      replays: m.replays,
      complete: m.complete,
      outcomes,
    };
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replaceAll(dir, '').replaceAll('/slice.trace', req.name);
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The distinct outcomes (outcome keys) at the call of `text` with the given line text, or none. */
async function outcomesAt(
  text: string,
  at: SliceRequest['at'],
  policies: readonly Policy[],
  guard: PolicyCallGuard | undefined,
): Promise<string[]> {
  const r = await replayTrace('-', policies, {
    outcomes: false,
    ingest: { stdin: Readable.from([Buffer.from(text)]), name: 'slice' },
    adapters: defaultAdapters,
    ...(guard ? { guard } : {}),
  });
  const d = r.scenarios.flatMap((s) => s.divergences).find((x) => x.text === at.text && x.event === at.event);
  return d ? distinctOutcomeKeys(d.classes) : [];
}

export interface SliceMinimizer {
  /** Today's versions of the policies (id and identity hash), and those that cannot be had. */
  ready(): Promise<{
    policies: { id: string; identityHash: string }[];
    missing: { id: string; why: string }[];
  }>;
  /** The minimised slice, or why there is none (the watchdog stopped it, the call no longer diverges). */
  minimize(req: SliceRequest): Promise<MinimizedSlice | { failed: string }>;
  close(): Promise<void>;
}

/** A minimiser for a run's recorded policies (capsule-policies.ts loads today's versions). */
export function sliceMinimizer(opts: {
  recorded: CapsulePolicy[];
  cwd: string;
  policyTimeoutMs?: number;
  /** In a worker thread even when every policy is pinbench's own (several minimise in parallel). */
  thread?: boolean;
}): SliceMinimizer {
  if (opts.thread || opts.recorded.some((p) => p.kind === 'user')) {
    const watched = new WatchedAnalysis({
      policies: { kind: 'recorded', recorded: opts.recorded },
      cwd: opts.cwd,
      ...(opts.policyTimeoutMs !== undefined ? { policyTimeoutMs: opts.policyTimeoutMs } : {}),
    });
    return {
      async ready() {
        const r = await watched.ready();
        if (r.ok) return { policies: r.policies, missing: r.missing };
        throw analysisError(r, []);
      },
      async minimize(req) {
        const r = await watched.minimize(req);
        if (r.ok) return r.result;
        return { failed: analysisError(r, watched.ids).detail };
      },
      close: () => watched.close(),
    };
  }
  let loaded: Promise<Awaited<ReturnType<typeof todaysPolicies>>> | null = null;
  const load = () => {
    loaded ??= todaysPolicies({ policies: opts.recorded }, opts.cwd);
    return loaded;
  };
  return {
    async ready() {
      const set = await load();
      return {
        policies: set.policies.map((p) => ({ id: p.id, identityHash: policyIdentityHash(p) })),
        missing: set.missing,
      };
    },
    async minimize(req) {
      try {
        return await minimizeSlice(req, (await load()).policies);
      } catch (e) {
        return { failed: (e as Error).message };
      }
    },
    close: async () => {},
  };
}
