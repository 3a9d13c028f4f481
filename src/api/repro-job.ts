/**
 * `pinbench repro`: replays a capsule (made from a divergence stored with a run, or read from a
 * file) against today's policies and says whether the divergence still reproduces; when it does
 * not, which policies answer differently, how their outcome moved, and whose code changed (the
 * identity hash differs from the run's). When a user's module changed, the capsule's copy of its
 * source is replayed too, so the answer says whether the module or the bench moved.
 */
import { CAPSULE_FORMAT, type Capsule, type CapsuleReplay, replayCapsule } from '../analysis/capsule.ts';
import { recordedPolicies, todaysPolicies } from '../analysis/capsule-policies.ts';
import { UsageError } from '../errors.ts';
import type { TraceConfig } from '../model/events.ts';
import { outcomeKeyWithoutWhy } from '../replay/compare.ts';
import { outcomeBrief } from '../replay/divergence-identity.ts';
import type { ReproTarget, Store } from '../store/store.ts';

export interface ReproResult {
  capsule: Capsule;
  /** Where the divergence came from in the store (null for a capsule file). */
  target: Omit<ReproTarget, 'slice' | 'policies' | 'configs' | 'classes'> | null;
  /** With today's policies. */
  today: CapsuleReplay;
  /** Recorded policies not replayed today, and why. */
  missing: { id: string; why: string }[];
  /** User modules replayed from the capsule's copy of their source (their file is gone). */
  fromCapsule: string[];
  /** With each changed user module as the run had it (only when one changed and its source was kept). */
  asRecorded: CapsuleReplay | null;
}

/** The capsule of a stored divergence: its scenario's slice, policies, classes and configuration. */
export function capsuleFromTarget(t: ReproTarget): Capsule {
  if (t.slice === null)
    throw new UsageError(
      `run ${t.runId} has no stored slice of divergence ${t.signature} (${t.scenario} in ${t.trace}): ` +
        'runs before this pinbench, and traces not read from a local file, keep none; ' +
        `\`pinbench repro ${t.trace} --divergence ${t.signature} --export FILE\` makes a capsule from the trace`,
    );
  const config = t.configs.find((c) => c.label === t.matrix)?.overrides as Partial<TraceConfig> | undefined;
  const classes = t.classes.map((c) => ({
    policies: c.policies,
    outcome: outcomeKeyWithoutWhy(c.outcome),
    brief: outcomeBrief(c.outcome),
  }));
  return {
    format: CAPSULE_FORMAT,
    trace: t.trace,
    scenario: t.scenario,
    divergence: {
      signature: t.signature,
      event: t.event,
      text: t.text,
      outcomes: [...new Set(classes.map((c) => c.outcome))].sort(),
    },
    classes,
    policies: t.policies.map((p) => ({
      id: p.id,
      kind: p.kind,
      identityHash: p.identityHash,
      ...(p.path !== null ? { source: p.path } : {}),
      ...(p.moduleText !== null ? { moduleText: p.moduleText } : {}),
    })),
    minimized: false,
    slice: t.slice,
    ...(config && Object.keys(config).length ? { config } : {}),
    run: t.runId,
  };
}

/** The capsule of a divergence identity (or unique prefix) in run `runId`, or the newest run with it. */
export async function storedCapsule(
  store: Store,
  identity: string,
  runId?: number,
): Promise<{ capsule: Capsule; target: ReproResult['target'] }> {
  const t = await store.reproTarget(identity, runId);
  const { slice: _s, policies: _p, configs: _c, classes: _k, ...target } = t;
  return { capsule: capsuleFromTarget(t), target };
}

/** Replays a capsule against today's policies (and, where a user module changed, as recorded). */
export async function reproCapsule(
  capsule: Capsule,
  target: ReproResult['target'],
  cwd: string,
): Promise<ReproResult> {
  const set = await todaysPolicies(capsule, cwd);
  if (set.policies.length === 0)
    throw new UsageError(
      `none of the capsule's policies can be had today: ${set.missing.map((m) => `${m.id}: ${m.why}`).join('; ')}`,
    );
  const today = await replayCapsule(capsule, set.policies);
  const recorded = today.reproduces
    ? null
    : await recordedPolicies(capsule, set.policies, today.changedCode, cwd);
  return {
    capsule,
    target,
    today,
    missing: set.missing,
    fromCapsule: set.fromCapsule,
    asRecorded: recorded ? await replayCapsule(capsule, recorded) : null,
  };
}

/** The result in words, one fact a line, for the terminal. */
export function reproText(r: ReproResult, name: string): string {
  const c = r.capsule;
  const where = r.target
    ? `${c.scenario} in ${c.trace}${r.target.matrix ? ` [${r.target.matrix}]` : ''}, run ${r.target.runId}`
    : c.scenario;
  const lines = [
    `${name}: divergence ${c.divergence.signature} (${where}, ${c.divergence.event}) ${r.today.reproduces ? 'reproduces' : 'no longer reproduces'} with today's policies`,
  ];
  if (r.today.changedOutcome.length) lines.push(`  answer differently: ${r.today.changedOutcome.join(' ')}`);
  for (const m of r.today.moved) lines.push(`    ${m.policy}: ${m.was} -> ${m.now ?? 'no outcome'}`);
  if (r.today.changedCode.length)
    lines.push(`  code changed since the capsule: ${r.today.changedCode.join(' ')}`);
  if (r.fromCapsule.length)
    lines.push(`  replayed from the capsule's copy of their source: ${r.fromCapsule.join(' ')}`);
  for (const m of r.missing) lines.push(`  not replayed: ${m.id} (${m.why})`);
  if (r.asRecorded)
    lines.push(
      `  with the changed module(s) as recorded: ${r.asRecorded.reproduces ? 'reproduces (the module change is what moved it)' : 'does not reproduce either (the bench moved too)'}`,
    );
  return `${lines.join('\n')}\n`;
}
