/**
 * JUnit XML for GitLab's and Jenkins's test reports: `testsuites > testsuite > testcase >
 * failure | error | skipped`, valid against `schemas/junit.xsd` (a transcription of the Jenkins
 * xunit plugin's JUnit schema).
 *
 * - One testsuite per stored trace (a --matrix configuration is its own trace label), one testcase
 *   per scenario x policy: `classname="<trace>.<scenario>"`, `name="<policy>"`. A scenario name
 *   that repeats within a trace gets `#2`, `#3`... so names stay unique.
 * - fail -> <failure> with the failed assertions, the first divergence of the scenario and its
 *   why paths; error -> <error>; unsupported and inconclusive -> <skipped> (neither says anything
 *   about the policy being wrong); pass -> an empty testcase.
 * - A trace that could not be replayed is a testcase with an <error>; so is each source the
 *   nightly could not fetch (testsuite `pinbench.sources`).
 * - Times are the trace's replay time shared out over its testcases.
 */
import { failureKind } from '../replay/failure-kind.ts';
import type { ExportCase, ExportModel } from './export-model.ts';
import { seconds } from './export-model.ts';
import { expectationText, failureSummary, failureText } from './failure-text.ts';
import { xmlAttr, xmlText } from './xml-text.ts';

export interface JunitOptions {
  /** The `hostname` attribute of each testsuite. */
  hostname?: string;
}

interface Tally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function attrs(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** Surefire's timestamp form: ISO 8601 to the second, UTC, no zone suffix. */
function timestamp(iso: string): string {
  return iso.replace(/\.\d+Z$|Z$/, '');
}

function testcase(c: ExportCase, classname: string, tally: Tally, regression: number | null): string {
  tally.tests++;
  tally.time += c.seconds;
  const open = `    <testcase${attrs({ classname, name: c.policy, time: seconds(c.seconds) })}`;
  switch (c.verdict) {
    case 'pass':
      return `${open}/>`;
    case 'fail':
      // A failure the trace header expects (a historical bug) is shown, not counted as failing.
      if (regression === null && failureKind(c) === 'known') {
        tally.skipped++;
        return `${open}>\n      <skipped${attrs({ type: 'known-failure', message: `known failure (${expectationText(c)}): ${failureSummary(c)}` })}/>\n    </testcase>`;
      }
      tally.failures++;
      return `${open}>\n      <failure${attrs({ type: 'fail', message: `${regression !== null ? `regression since run ${regression}, ` : ''}${expectationText(c)}: ${failureSummary(c)}` })}>${xmlText(failureText(c))}</failure>\n    </testcase>`;
    case 'error':
      tally.errors++;
      return `${open}>\n      <error${attrs({ type: 'error', message: `${regression !== null ? `regression since run ${regression}: ` : ''}${failureSummary(c)}` })}>${xmlText(failureText(c))}</error>\n    </testcase>`;
    case 'unsupported':
      tally.skipped++;
      return `${open}>\n      <skipped${attrs({ type: 'unsupported', message: `unsupported: ${c.reason ?? `${c.policy} has no such API`}` })}/>\n    </testcase>`;
    case 'inconclusive':
      tally.skipped++;
      return `${open}>\n      <skipped${attrs({ type: 'inconclusive', message: `inconclusive: ${c.reason ?? 'an expectation is decided after an integrity gap'}` })}/>\n    </testcase>`;
  }
}

function suite(
  name: string,
  props: Record<string, string>,
  body: string[],
  t: Tally,
  extra: Record<string, string | undefined>,
): string {
  const head = `  <testsuite${attrs({
    name,
    tests: t.tests,
    failures: t.failures,
    errors: t.errors,
    skipped: t.skipped,
    time: seconds(t.time),
    ...extra,
  })}>`;
  const properties = Object.entries(props).length
    ? [
        '    <properties>',
        ...Object.entries(props).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
        '    </properties>',
      ]
    : [];
  return [head, ...properties, ...body, '  </testsuite>'].join('\n');
}

export function renderJunit(m: ExportModel, opts: JunitOptions = {}): string {
  const stamp = timestamp(m.run.startedAt);
  const common = { timestamp: stamp, hostname: opts.hostname };
  const runProps: Record<string, string> = {
    'pinbench.run': String(m.run.id),
    ...(m.run.configName ? { 'pinbench.config': m.run.configName } : {}),
    ...(m.run.gitRevision
      ? { 'pinbench.revision': `${m.run.gitRevision}${m.run.gitDirty ? '+dirty' : ''}` }
      : {}),
    ...(m.baseline ? { 'pinbench.baseline': m.baseline } : {}),
  };
  const suites: string[] = [];
  const total: Tally = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const add = (t: Tally) => {
    total.tests += t.tests;
    total.failures += t.failures;
    total.errors += t.errors;
    total.skipped += t.skipped;
    total.time += t.time;
  };

  const regressed = new Set(
    (m.comparison?.regressions ?? []).map((r) => `${r.trace}\0${r.matrix}\0${r.scenario}\0${r.policy}`),
  );
  const byTrace = new Map<string, ExportCase[]>();
  for (const c of m.cases) {
    const list = byTrace.get(c.trace);
    if (list) list.push(c);
    else byTrace.set(c.trace, [c]);
  }
  let id = 0;
  for (const t of m.traces) {
    const tally: Tally = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
    const body: string[] = [];
    if (t.error) {
      tally.tests++;
      tally.errors++;
      body.push(
        `    <testcase${attrs({ classname: t.trace, name: 'replay', time: seconds(t.ms / 1000) })}>\n      <error${attrs({ type: t.error.code, message: t.error.message })}>${xmlText(t.error.message)}</error>\n    </testcase>`,
      );
      tally.time += t.ms / 1000;
    }
    // Scenario positions in order of appearance; a repeated name gets #2, #3...
    const occurrence = new Map<number, string>();
    const seen = new Map<string, number>();
    for (const c of byTrace.get(t.trace) ?? []) {
      if (occurrence.has(c.sidx)) continue;
      const n = (seen.get(c.scenario) ?? 0) + 1;
      seen.set(c.scenario, n);
      occurrence.set(c.sidx, n === 1 ? c.scenario : `${c.scenario}#${n}`);
    }
    for (const c of byTrace.get(t.trace) ?? []) {
      const key = `${c.trace}\0${c.matrix}\0${c.scenario}\0${c.policy}`;
      const since = regressed.has(key) ? (m.comparison?.previousRunId ?? null) : null;
      body.push(testcase(c, `${t.trace}.${occurrence.get(c.sidx)}`, tally, since));
    }
    add(tally);
    suites.push(
      suite(
        t.trace,
        { ...runProps, 'trace.sha256': t.sha256, ...(t.matrix ? { 'trace.matrix': t.matrix } : {}) },
        body,
        tally,
        { ...common, id: String(id++) },
      ),
    );
  }

  const problems = m.sources.flatMap((s) =>
    s.error !== null
      ? [{ source: s.source, name: '(source)', error: s.error }]
      : s.failures.map((f) => ({ source: s.source, name: f.name, error: f.error })),
  );
  if (problems.length) {
    const tally: Tally = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
    const names = new Map<string, number>();
    const body = problems.map((p) => {
      tally.tests++;
      tally.errors++;
      const key = `${p.source}\0${p.name}`;
      const n = (names.get(key) ?? 0) + 1;
      names.set(key, n);
      return `    <testcase${attrs({ classname: `pinbench.sources.${p.source}`, name: n === 1 ? p.name : `${p.name}#${n}`, time: seconds(0) })}>\n      <error${attrs({ type: 'fetch', message: p.error })}>${xmlText(`${p.source}: ${p.name}: ${p.error}`)}</error>\n    </testcase>`;
    });
    add(tally);
    suites.push(suite('pinbench.sources', runProps, body, tally, { ...common, id: String(id++) }));
  }

  const name = `pinbench${m.run.configName ? ` ${m.run.configName}` : ''} run ${m.run.id}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name, tests: total.tests, failures: total.failures, errors: total.errors, time: seconds(total.time) })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
