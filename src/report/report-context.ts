/**
 * Everything about a run that is small enough to hold at once, read from the store: the run,
 * totals, policies, the scenario x policy verdicts grouped into policy groups, traces with their
 * integrity events, what changed since the previous complete run, and triage. Divergences are
 * not here: they are streamed page by page (a run may have 100k of them).
 */
import { countFailures, type FailureCounts } from '../replay/failure-kind.ts';
import type { Verdict } from '../replay/results.ts';
import type { KindSummary } from '../store/kind-queries.ts';
import { type ReportScenario, reportReads } from '../store/report-queries.ts';
import type {
  OrderDependentDivergence,
  PolicyInfo,
  RunDiff,
  RunInfo,
  RunTotals,
  Store,
  StoredDivergence,
  TraceInfo,
  TriageEntry,
} from '../store/store.ts';
import { FamilyResolver, groupByVerdicts, type PolicyGroup } from './policy-classes.ts';

export interface ScenarioRow extends ReportScenario {
  /** Verdict per policy, in `policyIds` order (null: none stored). */
  verdicts: (Verdict | null)[];
  /** Failed assertions per policy, in `policyIds` order. */
  failed: string[][];
  reasons: (string | null)[];
  /** What the trace header expects per policy, in `policyIds` order (null: it states nothing). */
  expected: (Verdict | null)[];
}

export interface ReportContext {
  run: RunInfo;
  /** Where the database is (a directory, or a URL without password). */
  storeLocation: string;
  generatedAt: Date;
  totals: RunTotals;
  /** Recorded policies in run order, plus any policy that only appears in verdicts. */
  policies: PolicyInfo[];
  policyIds: string[];
  scenarios: ScenarioRow[];
  /** Policies with identical verdict vectors, in run order. */
  groups: PolicyGroup[];
  groupOf: Map<string, PolicyGroup>;
  traces: TraceInfo[];
  previous: RunInfo | null;
  diff: RunDiff | null;
  /** Signatures absent from the previous complete run; null when there is no previous run. */
  newSignatures: Set<string> | null;
  /** The run's divergence kinds, most frequent first. */
  kinds: KindSummary[];
  /** Kinds absent from the previous complete run; null when there is no previous run. */
  newKinds: Set<string> | null;
  /** Kinds of the previous complete run this run no longer has; null without a previous run. */
  goneKinds: string[] | null;
  /** Triage entries by signature; `expired` is judged against this run's policy hashes. */
  triage: Map<string, TriageEntry>;
  families: FamilyResolver;
  /** The first root divergences, for summaries. */
  firstRoots: StoredDivergence[];
  /** Failures split by what the trace headers expect (known / unexpected). */
  failures: FailureCounts;
  /** The release the candidates are measured against (a nightly config's `baseline`), if any. */
  baseline: string | null;
  /** Divergences that occur in some orders of equal-timestamp events only, by signature. */
  orderDependent: Map<string, OrderDependentDivergence>;
}

/** A policy known by its id and place only (one a verdict names that the run's policy rows lack). */
export function placeholderPolicy(id: string, ord: number): PolicyInfo {
  return {
    id,
    ord,
    kind: 'unknown',
    title: id,
    scopeRelease: '',
    moduleHash: '',
    sourceHash: null,
    source: null,
    commit: null,
    subject: null,
    summary: null,
    link: null,
    families: {},
    overrides: [],
  };
}

export interface LoadContextOptions {
  /** Root divergences to keep in `firstRoots` (default 20). */
  roots?: number;
  /** Compare with this run instead of the previous complete run of the same config. */
  previousRunId?: number | null;
  /** The release candidates are measured against: the report names its regressions. */
  baseline?: string | null;
}

export async function loadReportContext(
  store: Store,
  runId: number,
  opts: LoadContextOptions = {},
): Promise<ReportContext> {
  const reads = reportReads(store);
  const run = await store.getRun(runId);
  const [totals, recorded, scenarioList, verdicts, traces] = await Promise.all([
    store.runTotals(runId),
    store.policies(runId),
    reads.scenarios(runId),
    reads.verdicts(runId),
    store.traces(runId),
  ]);

  const policies = [...recorded];
  const known = new Set(policies.map((p) => p.id));
  for (const v of verdicts) {
    if (!known.has(v.policy)) {
      known.add(v.policy);
      policies.push(placeholderPolicy(v.policy, policies.length));
    }
  }
  const policyIds = policies.map((p) => p.id);
  const pidx = new Map(policyIds.map((id, i) => [id, i]));

  const byKey = new Map<string, ScenarioRow>();
  const scenarios: ScenarioRow[] = scenarioList.map((s) => {
    const row: ScenarioRow = {
      ...s,
      verdicts: policyIds.map(() => null),
      failed: policyIds.map(() => []),
      reasons: policyIds.map(() => null),
      expected: policyIds.map(() => null),
    };
    byKey.set(`${s.traceId}\0${s.matrix}\0${s.sidx}`, row);
    return row;
  });
  for (const v of verdicts) {
    const row = byKey.get(`${v.traceId}\0${v.matrix}\0${v.sidx}`);
    const i = pidx.get(v.policy);
    if (!row || i === undefined) continue;
    row.verdicts[i] = v.verdict;
    row.failed[i] = v.failed;
    row.reasons[i] = v.reason;
    row.expected[i] = v.expected;
  }
  const vectors = new Map(policyIds.map((id, i) => [id, scenarios.map((s) => s.verdicts[i] ?? null)]));
  const groups = groupByVerdicts(policyIds, vectors);
  const groupOf = new Map<string, PolicyGroup>();
  for (const g of groups) for (const p of g.policies) groupOf.set(p, g);

  const previous =
    opts.previousRunId === undefined
      ? await store.previousCompletedRun(runId)
      : opts.previousRunId === null
        ? null
        : await store.getRun(opts.previousRunId);
  const diff = previous ? await store.diffRuns(previous.id, runId) : null;
  const newSignatures = diff ? new Set(diff.new.map((d) => d.signature)) : null;
  const kinds = await reads.kinds(runId);
  const newKinds = previous ? new Set(await reads.kindsNotIn(runId, previous.id)) : null;
  const goneKinds = previous ? await reads.kindsNotIn(previous.id, runId) : null;

  const hashes = Object.fromEntries(recorded.filter((p) => p.moduleHash).map((p) => [p.id, p.moduleHash]));
  const triage = new Map((await store.triage(hashes)).map((t) => [t.signature, t]));
  const firstRoots = (await store.divergences(runId, { rootOnly: true }, { limit: opts.roots ?? 20 })).rows;

  return {
    run,
    storeLocation: store.location,
    generatedAt: new Date(),
    totals,
    policies,
    policyIds,
    scenarios,
    groups,
    groupOf,
    traces,
    previous,
    diff,
    newSignatures,
    kinds,
    newKinds,
    goneKinds,
    triage,
    families: new FamilyResolver(policies),
    firstRoots,
    failures: countFailures(verdicts),
    baseline: opts.baseline ?? null,
    orderDependent: new Map((await store.orderDependentDivergences(runId)).map((o) => [o.signature, o])),
  };
}

/** Whether a signature is accepted in triage (and the acceptance has not expired). */
export function isAccepted(ctx: ReportContext, signature: string): boolean {
  const t = ctx.triage.get(signature);
  return t !== undefined && !t.expired;
}

/** Whether a signature is new since the previous run (every one is, without a previous run). */
export function isNew(ctx: ReportContext, signature: string): boolean {
  return ctx.newSignatures === null || ctx.newSignatures.has(signature);
}
