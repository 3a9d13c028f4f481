/**
 * Repro capsules: one self-contained JSON file holding a divergence's scenario slice (trace text),
 * the policies it was between with the content hash of each one's code (and a user module's
 * path and hash), and which policies shared which outcome at the call. Replaying a capsule says
 * whether the divergence still reproduces with today's policies and, if not, which policies
 * answer differently and whose code changed since.
 */
import { Readable } from 'node:stream';
import { UsageError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import { kernelHash, type Policy } from '../model/kernel.ts';
import { defaultAdapters } from '../replay/adapters.ts';
import { distinctOutcomeKeys, outcomeKey } from '../replay/compare.ts';
import { outcomeBrief } from '../replay/divergence-identity.ts';
import { policyIdentityHash } from '../replay/policy-info.ts';
import { replayTrace } from '../replay/replay-trace.ts';
import { minimize } from './minimize.ts';

export const CAPSULE_FORMAT = 'pinbench-capsule/1';

export interface CapsulePolicy {
  id: string;
  kind: string;
  /** Hash of the code the policy ran (kernelHash of its ops); capsules made from a trace. */
  kernelHash?: string;
  /** The policy's identity hash (policy-info.ts) in the run; capsules made from the store. */
  identityHash?: string;
  /** User modules: the module's path and content hash when the capsule was made. */
  source?: string;
  moduleHash?: string;
  /** User modules: the module's source as the run loaded it, so the capsule replays anywhere. */
  moduleText?: string;
}

export interface Capsule {
  format: typeof CAPSULE_FORMAT;
  trace: string;
  scenario: string;
  divergence: { signature: string; event: string; text: string; outcomes: string[] };
  /** Which policies shared which outcome key at the call, in the slice (`brief`: in words). */
  classes: { policies: string[]; outcome: string; brief?: string }[];
  policies: CapsulePolicy[];
  /** The scenario as a trace (minimised with `minimized`). */
  minimized: boolean;
  slice: string;
  /** `--config` overrides the slice was replayed under (a matrix run's configuration). */
  config?: Partial<TraceConfig>;
  /** The run the capsule was made from (capsules made from the store). */
  run?: number;
}

export async function makeCapsule(
  source: string,
  opts: {
    policies: readonly Policy[];
    divergence: string;
    scenario?: string;
    minimize?: boolean;
    adapters?: boolean;
  },
): Promise<Capsule> {
  const m = await minimize(source, {
    policies: opts.policies,
    divergence: opts.divergence,
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
    ...(opts.adapters !== undefined ? { adapters: opts.adapters } : {}),
    reduce: opts.minimize ?? false,
  });
  return {
    format: CAPSULE_FORMAT,
    trace: source,
    scenario: m.scenario,
    divergence: {
      signature: m.divergence.signature,
      event: m.divergence.event,
      text: m.divergence.text,
      outcomes: m.divergence.outcomes,
    },
    classes: m.classes,
    policies: opts.policies.map((p) => ({
      id: p.id,
      kind: p.kind,
      kernelHash: kernelHash(p.ops),
      ...(p.source !== undefined ? { source: p.source } : {}),
      ...(p.moduleHash !== undefined ? { moduleHash: p.moduleHash } : {}),
    })),
    minimized: opts.minimize ?? false,
    slice: m.text,
  };
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

/** A capsule file's JSON, checked field by field (it may come from another machine). */
export function parseCapsule(text: string, file: string): Capsule {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const bad = (field: string): never => {
    throw new UsageError(`${file}: not a pinbench capsule: bad or missing '${field}'`);
  };
  if (v === null || typeof v !== 'object') return bad('format');
  if (v.format !== CAPSULE_FORMAT) bad('format');
  for (const f of ['trace', 'scenario', 'slice'] as const) if (typeof v[f] !== 'string') bad(f);
  const d = v.divergence as Record<string, unknown> | undefined;
  if (!d || typeof d.event !== 'string' || typeof d.text !== 'string' || !isStringArray(d.outcomes))
    bad('divergence');
  if (
    !Array.isArray(v.classes) ||
    !v.classes.every((c) => isStringArray(c?.policies) && typeof c?.outcome === 'string')
  )
    bad('classes');
  if (
    !Array.isArray(v.policies) ||
    !v.policies.every(
      (p) =>
        typeof p?.id === 'string' &&
        (typeof p?.kernelHash === 'string' || typeof p?.identityHash === 'string'),
    )
  )
    bad('policies');
  return v as unknown as Capsule;
}

export interface CapsuleReplay {
  reproduces: boolean;
  /** The outcomes at the call today (outcome keys), or null when the call no longer diverges. */
  outcomes: string[] | null;
  /** Policies whose outcome at the call is not the one the capsule recorded. */
  changedOutcome: string[];
  /** Policies whose code is not the code the capsule recorded. */
  changedCode: string[];
  /** How the outcome of each policy in `changedOutcome` moved, in words (`now` null: no outcome). */
  moved: { policy: string; was: string; now: string | null }[];
}

/** Replays the capsule's slice against `policies` (today's versions of the capsule's ids). */
export async function replayCapsule(c: Capsule, policies: readonly Policy[]): Promise<CapsuleReplay> {
  const r = await replayTrace('-', policies, {
    outcomes: true,
    ...(c.config && Object.keys(c.config).length ? { configOverrides: c.config } : {}),
    ingest: { stdin: Readable.from([Buffer.from(c.slice)]), name: `${c.trace} (capsule)` },
    adapters: defaultAdapters,
  });
  if (r.error) throw new UsageError(`capsule slice of ${c.trace}: cannot replay: ${r.error.message}`);
  // The call is the slice's line with the recorded text: its outcomes are there whether or not it
  // still diverges.
  const line = c.slice.split('\n').indexOf(c.divergence.text) + 1;
  const d = r.scenarios
    .flatMap((s) => s.divergences)
    .find((x) => x.line === line && x.event === c.divergence.event);
  const ids = new Set(policies.map((p) => p.id));
  const recorded = new Map<string, { key: string; brief: string }>();
  for (const cl of c.classes)
    for (const p of cl.policies)
      if (ids.has(p)) recorded.set(p, { key: cl.outcome, brief: cl.brief ?? cl.outcome });
  const now = new Map<string, { key: string; brief: string }>();
  for (const sc of r.scenarios)
    for (const o of sc.outcomes)
      if (o.line === line && o.ret !== 'unsupported')
        now.set(o.policy, { key: outcomeKey(o), brief: outcomeBrief(o) });
  const outcomes = d ? distinctOutcomeKeys(d.classes) : null;
  const same =
    outcomes !== null &&
    outcomes.length === c.divergence.outcomes.length &&
    outcomes.every((o, i) => o === c.divergence.outcomes[i]);
  const byId = new Map(c.policies.map((p) => [p.id, p]));
  const changedOutcome = [...recorded.keys()].filter((p) => now.get(p)?.key !== recorded.get(p)?.key);
  return {
    reproduces: same,
    outcomes,
    changedOutcome,
    changedCode: policies.filter((p) => codeChanged(byId.get(p.id), p)).map((p) => p.id),
    moved: changedOutcome.map((p) => ({
      policy: p,
      was: recorded.get(p)!.brief,
      now: now.get(p)?.brief ?? null,
    })),
  };
}

/** Whether `p` runs other code than the capsule recorded (by whichever hash the capsule has). */
function codeChanged(was: CapsulePolicy | undefined, p: Policy): boolean {
  if (was === undefined) return false;
  if (was.identityHash !== undefined) return was.identityHash !== policyIdentityHash(p);
  return was.kernelHash !== kernelHash(p.ops) || (was.moduleHash ?? p.moduleHash) !== p.moduleHash;
}
