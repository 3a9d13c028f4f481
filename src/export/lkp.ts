/**
 * A plain-text report in the manner of the kernel test robot's (LKP) mails, ready to paste into a
 * mailing-list reply: the one-line verdict, the commit(s) under test and the run's parameters, a
 * table of releases x verdict counts, the regressions with their failed assertions and first
 * divergence (why paths included), new divergences, failed sources, and the report link. Plain
 * ASCII layout (tabs and spaces), no markup; trace text is quoted as it is.
 */
import { countFailures, failureKind } from '../replay/failure-kind.ts';
import type { Verdict } from '../replay/results.ts';
import type { ExportModel } from './export-model.ts';
import { baselineRegressions, failedSources, nightlyVerdict } from './export-model.ts';
import { divergenceText, expectationText } from './failure-text.ts';

const VERDICT_COLUMNS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'unsupported', 'error'];
const MAX_REGRESSIONS = 20;
const MAX_DIVERGENCES = 30;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    `\t${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`.trimEnd(),
  );
}

function short(rev: string): string {
  return rev.slice(0, 12);
}

export function renderLkp(m: ExportModel): string {
  const v = nightlyVerdict(m);
  const out: string[] = [v.line, ''];
  const name = m.run.configName ?? `run ${m.run.id}`;
  const c = m.comparison;

  if (v.exitCode) {
    out.push(
      `pinbench noticed ${[
        v.regressions ? `${v.regressions} regression(s)` : '',
        v.newDivergences ? `${v.newDivergences} new divergence(s)` : '',
        v.unexpectedFailures ? `${v.unexpectedFailures} unexpected failure(s)` : '',
      ]
        .filter(Boolean)
        .join(
          ' and ',
        )} in "${name}" (run ${m.run.id}${c ? `, compared with run ${c.previousRunId}` : ''}) on:`,
    );
  } else
    out.push(
      `pinbench replayed "${name}" (run ${m.run.id}${c ? `, compared with run ${c.previousRunId}` : ''}) on:`,
    );
  out.push('');

  const patches = m.policies.filter((p) => p.kind !== 'release');
  const releases = m.policies.filter((p) => p.kind === 'release');
  for (const p of patches) {
    const what = [p.commit ? short(p.commit) : null, p.subject ? `("${p.subject}")` : null]
      .filter(Boolean)
      .join(' ');
    out.push(`commit: ${p.id}${what ? ` ${what}` : ''}${p.source ? ` [${p.source}]` : ''}`);
    if (p.link) out.push(`${p.link}`);
  }
  if (releases.length) out.push(`releases: ${releases.map((p) => p.id).join(' ')}`);
  if (m.baseline) out.push(`baseline: ${m.baseline}`);
  if (m.run.gitRevision) {
    out.push(
      `pinbench: ${short(m.run.gitRevision)}${m.run.gitDirty ? ' (with uncommitted changes to policies or model)' : ''}`,
    );
  }
  out.push('');

  const opts = m.run.options as { configs?: { label: string }[]; strict?: boolean };
  const local = m.sources.filter((s) => s.kind === 'glob').reduce((n, s) => n + s.traces, 0);
  const remote = m.sources.filter((s) => s.kind === 'manifest').reduce((n, s) => n + s.traces, 0);
  const scenarios = new Set(m.cases.map((x) => `${x.trace}\0${x.sidx}`)).size;
  out.push('in testcase: pinbench replay');
  out.push('with following parameters:');
  out.push('');
  out.push(`\tconfig: ${name}`);
  out.push(
    `\ttraces: ${m.traces.length}${m.sources.length ? ` (${local} local, ${remote} from manifests)` : ''}`,
  );
  out.push(`\tscenarios: ${scenarios}`);
  out.push(`\tpolicies: ${m.policies.length}`);
  const labels = (opts.configs ?? []).map((x) => x.label).filter(Boolean);
  if (labels.length) out.push(`\tmatrix: ${labels.join('; ')}`);
  out.push(`\tstrict: ${opts.strict ? 'yes' : 'no'}`);
  out.push('');

  out.push('verdicts (scenario x policy; a failure the trace header expects is known):');
  out.push('');
  out.push(
    ...table([
      ['policy', ...VERDICT_COLUMNS, 'known', 'unexpected'],
      ...m.counts.map((r) => {
        const f = countFailures(m.cases.filter((x) => x.policy === r.policy));
        return [
          `${r.policy}${r.policy === m.baseline ? ' (baseline)' : ''}`,
          ...VERDICT_COLUMNS.map((x) => String(r.counts[x])),
          String(f.known),
          String(f.unexpected),
        ];
      }),
    ]),
  );
  out.push('');

  const vsBaseline = baselineRegressions(m.cases, m.policies, m.baseline);
  if (vsBaseline.length) {
    out.push(`regressions against the baseline ${m.baseline} (it passes, the candidate does not):`);
    out.push('');
    for (const r of vsBaseline.slice(0, MAX_REGRESSIONS)) {
      out.push(
        `\tREGRESSION ${r.trace}  ${r.scenario}  ${r.candidate}: ${r.verdict} (${expectationText(r)}), baseline ${r.baseline}: pass`,
      );
      for (const f of r.failed) out.push(`\t  failed: ${f}`);
    }
    if (vsBaseline.length > MAX_REGRESSIONS)
      out.push(`\t... and ${vsBaseline.length - MAX_REGRESSIONS} more`);
    out.push('');
  }
  const unexpected = m.cases.filter((x) => failureKind(x) === 'unexpected');
  if (unexpected.length) {
    out.push('unexpected failures (the trace header does not expect them):');
    out.push('');
    for (const x of unexpected.slice(0, MAX_REGRESSIONS)) {
      out.push(`\t${x.trace}  ${x.scenario}  ${x.policy}: ${expectationText(x)}`);
      for (const f of x.failed) out.push(`\t  failed: ${f}`);
    }
    if (unexpected.length > MAX_REGRESSIONS)
      out.push(`\t... and ${unexpected.length - MAX_REGRESSIONS} more`);
    out.push('');
  }

  if (c?.regressions.length) {
    out.push(`regressions (passed in run ${c.previousRunId}, not any more):`);
    out.push('');
    for (const r of c.regressions.slice(0, MAX_REGRESSIONS)) {
      out.push(`\tREGRESSION ${r.trace}  ${r.scenario}  ${r.policy}: ${r.before} -> ${r.after}`);
      for (const f of r.failed) out.push(`\t  failed: ${f}`);
      if (r.divergence) out.push(divergenceText(r.divergence, '\t  '));
      out.push('');
    }
    if (c.regressions.length > MAX_REGRESSIONS)
      out.push(`\t... and ${c.regressions.length - MAX_REGRESSIONS} more`, '');
  }
  if (c?.newDivergences.length) {
    out.push(`new divergences since run ${c.previousRunId} (not accepted in triage):`);
    out.push('');
    for (const d of c.newDivergences.slice(0, MAX_DIVERGENCES)) {
      out.push(
        `\t[${d.signature}] ${d.title}\n\t  ${d.trace}:${d.line}${d.root ? '' : ' (cascade)'}  ${d.classes.map((x) => `{${x.join(',')}}`).join(' != ')}`,
      );
    }
    if (c.newDivergences.length > MAX_DIVERGENCES)
      out.push(`\t... and ${c.newDivergences.length - MAX_DIVERGENCES} more`);
    out.push('');
  }
  if (c && (c.fixed.length || c.acceptedNew)) {
    if (c.fixed.length) out.push(`fixed divergences since run ${c.previousRunId}: ${c.fixed.length}`);
    if (c.acceptedNew) out.push(`new divergences accepted in triage (not counted): ${c.acceptedNew}`);
    out.push('');
  }
  const errors = m.traces.filter((t) => t.error);
  if (failedSources(m) || errors.length) {
    out.push('not replayed (the run is partial):');
    out.push('');
    for (const s of m.sources) {
      if (s.error) out.push(`\t${s.source}: ${s.error}`);
      for (const f of s.failures) out.push(`\t${s.source}: ${f.name}: ${f.error}`);
    }
    for (const t of errors) out.push(`\t${t.trace}: ${t.error!.message}`);
    out.push('');
  }
  if (m.reportUrl) out.push(`The full report: ${m.reportUrl}`, '');
  out.push('-- ');
  out.push(`pinbench nightly, run ${m.run.id} (${m.run.status})`);
  return `${out.join('\n')}\n`;
}
