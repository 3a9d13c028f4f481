/**
 * The CI exports from a real stored run (PGlite): two runs of one config, the second with a
 * regression (pass -> fail), new and fixed divergences, one new divergence accepted in triage, a
 * trace that could not be read, a scenario name used twice in a trace, trace text full of
 * characters XML and JSON make trouble with, and a nightly source that failed. JUnit is checked
 * with xmllint against schemas/junit.xsd, KCIDB with ajv against schemas/kcidb-io.schema.json.
 */

import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  validateJunit,
  validateKcidb,
  xmllintSkipReason,
  xpathNumber,
} from '../../test/support/export-schemas.ts';
import { useStoreBackend } from '../../test/support/store-backends.ts';
import { FIXTURE_POLICIES, fixturePolicy, makeTraceResult } from '../../test/support/trace-results.ts';
import type { TraceReplayResult } from '../replay/results.ts';
import { runReporters } from '../report/reporter.ts';
import type { Store } from '../store/store.ts';
import { loadExportModel } from './collect-export-model.ts';
import type { ExportModel, ExportSource } from './export-model.ts';
import { nightlyVerdict } from './export-model.ts';
import { EXPORTERS, ExportReporter } from './exporters.ts';
import { renderJunit } from './junit.ts';
import { KCIDB_STATUS, kcidbData } from './kcidb.ts';
import { renderLkp } from './lkp.ts';

const NASTY = 'ctl\x01\x1b[31m <&> "dq" \'sq\' ]]> tab\there';

/** Renames scenario `from` to `to` in every record (two scenarios of one trace share a name). */
function renameScenario(r: TraceReplayResult, index: number, to: string): TraceReplayResult {
  const s = r.scenarios[index]!;
  const re = <T extends { scenario: string }>(x: T): T => ({ ...x, scenario: to });
  r.scenarios[index] = {
    ...s,
    scenario: to,
    divergences: s.divergences.map(re),
    verdicts: s.verdicts.map(re),
    finals: s.finals.map(re),
    outcomes: s.outcomes.map(re),
    fidelity: s.fidelity.map(re),
  };
  return r;
}

function nasty(): TraceReplayResult {
  const r = renameScenario(makeTraceResult({ trace: 'odd <&> "name".trace', scenarios: 4 }), 2, 'vfio-map-1');
  for (const s of r.scenarios) for (const d of s.divergences) d.text = `${d.text} ${NASTY}`;
  return r;
}

const SOURCES: ExportSource[] = [
  { source: 'traces/*.trace', kind: 'glob', traces: 3, downloaded: 0, cached: 0, error: null, failures: [] },
  {
    source: 'https://ci.example.org/m.json',
    kind: 'manifest',
    traces: 1,
    downloaded: 1,
    cached: 0,
    error: null,
    failures: [
      {
        name: 'bad <sum>.trace',
        url: 'https://ci.example.org/bad.trace',
        error: 'SHA-256 abc differs from the expected def',
      },
    ],
  },
];

async function storeRun(store: Store, results: TraceReplayResult[]): Promise<number> {
  const id = await store.startRun({ configName: 'nightly', gitRevision: 'a'.repeat(40), gitDirty: false });
  await store.recordPolicies(
    id,
    FIXTURE_POLICIES.map((p) => fixturePolicy(p)),
  );
  for (const r of results) await store.writeTraceResult(id, r);
  await store.finishRun(id, 'complete');
  return id;
}

describe('trace identity in the exports', () => {
  const h = useStoreBackend('pglite');
  it('KCIDB paths and the model use the stored {source, name, matrix}, never the parsed label', async () => {
    const store = await h.open(await h.newDb());
    try {
      // A file whose own name ends like a matrix label, and a real --matrix configuration.
      const odd = makeTraceResult({ trace: 'dir/odd [v2]', scenarios: 1 });
      const matrixed = makeTraceResult({ trace: 'dir/plain.trace', matrix: 'pte_special=0', scenarios: 1 });
      const id = await storeRun(store, [odd, matrixed]);
      const m = await loadExportModel(store, id, {});
      const byTrace = new Map(m.traces.map((t) => [t.trace, t.identity]));
      expect(byTrace.get('dir/odd [v2]')).toEqual({
        source: 'dir/odd [v2]',
        name: 'odd [v2]',
        matrix: '',
      });
      expect(byTrace.get('dir/plain.trace [pte_special=0]')).toEqual({
        source: 'dir/plain.trace',
        name: 'plain.trace',
        matrix: 'pte_special=0',
      });
      const paths = new Set(kcidbData(m).tests.map((t) => t.path.split('.').slice(0, -1).join('.')));
      // The odd name keeps its "[v2]" (parsing the label would have cut it off).
      expect(paths).toEqual(new Set(['pinbench.dir_odd_v2', 'pinbench.dir_plain_trace']));
    } finally {
      await store.close();
    }
  });
});

describe('CI exports of a stored run', () => {
  const h = useStoreBackend('pglite');
  let model: ExportModel;
  let first: ExportModel;
  let accepted: string;
  let store: Store;

  beforeAll(async () => {
    store = await h.shared();
    // Run 1: b.trace's second scenario has no divergence, so every policy passes it.
    const r1 = await storeRun(store, [
      makeTraceResult({ trace: 'a.trace' }),
      makeTraceResult({ trace: 'b.trace', scenarios: 2, diverge: (s, seq) => s === 0 && seq % 3 === 1 }),
    ]);
    // Run 2: a.trace changed outcomes (new + fixed signatures), b.trace's second scenario now fails
    // on v6.0-rc1, plus an unreadable trace and a nasty one.
    const r2 = await storeRun(store, [
      makeTraceResult({ trace: 'a.trace', flavor: 2 }),
      makeTraceResult({ trace: 'b.trace', scenarios: 2 }),
      makeTraceResult({ trace: 'broken.trace', error: true }),
      nasty(),
    ]);
    const diff = await store.diffRuns(r1, r2);
    accepted = diff.new[0]!.signature;
    await store.accept(accepted, 'known: flavor 2 is expected');
    first = await loadExportModel(store, r1, { baseline: 'v5.19' });
    model = await loadExportModel(store, r2, {
      baseline: 'v5.19',
      sources: SOURCES,
      reportUrl: 'https://ci.example.org/pinbench/2/',
    });
  });

  it('builds scenario x policy cases with the first divergence of each scenario', () => {
    const names = new Set(model.cases.map((c) => `${c.trace}|${c.sidx}|${c.policy}`));
    expect(names.size).toBe(model.cases.length);
    const failing = model.cases.find(
      (c) => c.trace === 'b.trace' && c.sidx === 1 && c.policy === 'v6.0-rc1',
    )!;
    expect(failing.verdict).toBe('fail');
    expect(failing.failed.length).toBeGreaterThan(0);
    expect(failing.divergence?.seq).toBe(1);
    expect(failing.divergence?.classes.map((k) => k.policies)).toEqual([['v5.19', 'v6.0-rc3'], ['v6.0-rc1']]);
    // The repeated name: each scenario keeps its own first divergence.
    const odd = model.cases.filter((c) => c.trace.startsWith('odd') && c.policy === 'v5.19');
    expect(odd.map((c) => c.scenario)).toEqual([
      'zero-page-longterm',
      'vfio-map-1',
      'vfio-map-1',
      'vfio-map-3',
    ]);
    expect(odd.map((c) => c.divergence?.scenario)).toEqual([
      'zero-page-longterm',
      'vfio-map-1',
      'vfio-map-1',
      'vfio-map-3',
    ]);
    expect(odd[2]!.divergence).not.toBe(odd[1]!.divergence);
    expect(model.traces.find((t) => t.trace === 'broken.trace')?.error?.code).toBe('PB_TRACE_LAYOUT');
  });

  it('compares with the previous run: regressions, new divergences, triage-accepted ones left out', () => {
    const c = model.comparison!;
    expect(c.previousRunId).toBe(model.run.id - 1);
    expect(c.regressions).toContainEqual(
      expect.objectContaining({
        trace: 'b.trace',
        scenario: 'vfio-map-1',
        policy: 'v6.0-rc1',
        before: 'pass',
        after: 'fail',
      }),
    );
    const reg = c.regressions.find((r) => r.trace === 'b.trace')!;
    expect(reg.failed.length).toBeGreaterThan(0);
    expect(reg.divergence?.classes.flatMap((k) => k.why)).toContain('isolation fails -> retry');
    expect(c.acceptedNew).toBe(1);
    expect(c.newDivergences.map((d) => d.signature)).not.toContain(accepted);
    expect(c.fixed.length).toBeGreaterThan(0);
    const v = nightlyVerdict(model);
    expect(v.exitCode).toBe(1);
    expect(v.line).toMatch(
      /^pinbench nightly "nightly": \d+ regressions? and \d+ new divergences? since run \d+ \(run \d+\); \d+ unexpected failures? \(\d+ known\); partial: 1 source failed$/,
    );
    // The first run of a config has nothing to compare with.
    expect(first.comparison).toBeNull();
    // (Its failures have no expectation in a trace header: they are unexpected, and exit 1.)
    expect(nightlyVerdict(first)).toMatchObject({ regressions: 0, newDivergences: 0, exitCode: 1 });
    expect(nightlyVerdict(first).unexpectedFailures).toBeGreaterThan(0);
  });

  describe.skipIf(xmllintSkipReason() !== null)('JUnit XML', () => {
    it('is valid against the JUnit XSD, with counts that match its testcases', async () => {
      const xml = renderJunit(model, { hostname: 'ci-runner-1' });
      expect(await validateJunit(xml)).toEqual([]);
      const cases = model.cases.length + 1 /* broken.trace */ + 1; /* the failed source */
      expect(await xpathNumber(xml, 'count(//testcase)')).toBe(cases);
      expect(await xpathNumber(xml, 'number(/testsuites/@tests)')).toBe(cases);
      expect(await xpathNumber(xml, 'number(/testsuites/@failures)')).toBe(
        await xpathNumber(xml, 'count(//failure)'),
      );
      expect(await xpathNumber(xml, 'number(/testsuites/@errors)')).toBe(
        await xpathNumber(xml, 'count(//error)'),
      );
      expect(await xpathNumber(xml, 'sum(//testsuite/@tests)')).toBe(cases);
      expect(await xpathNumber(xml, 'sum(//testsuite/@skipped)')).toBe(
        await xpathNumber(xml, 'count(//skipped)'),
      );
      expect(await xpathNumber(xml, 'count(//failure)')).toBe(
        model.cases.filter((c) => c.verdict === 'fail').length,
      );
      // classname.name is unique (the repeated scenario name is numbered).
      const pairs = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map(
        (m) => `${m[1]} ${m[2]}`,
      );
      expect(new Set(pairs).size).toBe(pairs.length);
      expect(pairs).toContain('odd &lt;&amp;&gt; &quot;name&quot;.trace.vfio-map-1#2 v5.19');
      // A failure carries the failed assertions, the first divergence and its why paths, escaped.
      const failure =
        /<testcase classname="b\.trace\.vfio-map-1" name="v6\.0-rc1"[^>]*>\s*<failure type="fail" message="([^"]*)">([^<]*)<\/failure>/.exec(
          xml,
        );
      expect(failure).not.toBeNull();
      expect(failure![2]).toContain('failed: ');
      expect(failure![2]).toContain('first divergence of the scenario:');
      expect(failure![2]).toContain('isolation fails -&gt; retry');
      expect(xml).toContain('ctl\\x01\\x1b[31m &lt;&amp;&gt; "dq" \'sq\' ]]&gt; tab\there');
      expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    });

    it('the XSD is not vacuous: it rejects what Jenkins would', async () => {
      const xml = renderJunit(model);
      expect(
        await validateJunit(xml.replace(/<testcase classname="[^"]*" name="[^"]*"/, '<testcase')),
      ).not.toEqual([]);
      expect(
        await validateJunit(xml.replace('<testsuites name', '<testsuites skipped="1" name')),
      ).not.toEqual([]);
      expect(await validateJunit(xml.replace(/ tests="\d+"/, ' tests="many"'))).not.toEqual([]);
      expect(await validateJunit(xml.replace('</testsuites>', '<bogus/></testsuites>'))).not.toEqual([]);
    });
  });

  describe('KCIDB JSON', () => {
    it('is valid against the kcidb-io v5 schema, with the policy set as the patchset', async () => {
      const data = kcidbData(model, {
        origin: 'pinbench_ci',
        treeName: 'pinbench',
        gitRepositoryUrl: 'https://git.example.org/pinbench.git',
      });
      expect(await validateKcidb(data)).toEqual([]);
      expect(data.version).toEqual({ major: 5, minor: 0 });
      const [checkout] = data.checkouts;
      expect(checkout!.id).toMatch(/^pinbench_ci:nightly-\d+$/);
      expect(checkout!.patchset_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(checkout!.git_commit_hash).toBe('a'.repeat(40));
      expect(data.builds.map((b) => b.config_name)).toEqual([...FIXTURE_POLICIES]);
      const ids = [...data.checkouts, ...data.builds, ...data.tests].map((x) => x.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+:.*$/);
      expect(data.tests.length).toBe(
        model.cases.length + FIXTURE_POLICIES.length /* broken.trace per build */,
      );
      for (const c of model.cases) {
        const t = data.tests.find(
          (x) =>
            x.misc.trace === c.trace &&
            x.misc.scenario_index === c.sidx &&
            x.build_id.endsWith(`:${c.policy}`),
        )!;
        expect(t.status).toBe(KCIDB_STATUS[c.verdict]);
      }
      expect(KCIDB_STATUS).toEqual({
        fail: 'FAIL',
        error: 'ERROR',
        pass: 'PASS',
        inconclusive: 'DONE',
        unsupported: 'SKIP',
      });
      expect(new Set(data.tests.map((t) => t.status))).toEqual(
        new Set(['PASS', 'FAIL', 'DONE', 'SKIP', 'ERROR']),
      );
      const fail = data.tests.find((t) => t.status === 'FAIL')!;
      expect(fail.log_excerpt).toContain('first divergence of the scenario:');
      expect(fail.log_url).toBe('https://ci.example.org/pinbench/2/');
      expect(checkout!.misc.sources_failed).toEqual([
        {
          source: 'https://ci.example.org/m.json',
          trace: 'bad <sum>.trace',
          error: 'SHA-256 abc differs from the expected def',
        },
      ]);
    });

    it('the schema is not vacuous: bad ids, statuses and paths are rejected', async () => {
      const data = kcidbData(model);
      const bad = structuredClone(data);
      bad.tests[0]!.status = 'BROKEN' as never;
      bad.builds[0]!.id = 'No-Origin';
      bad.tests[1]!.path = 'has space.x';
      bad.checkouts[0]!.patchset_hash = 'xyz';
      const errors = await validateKcidb(bad);
      expect(errors.join('\n')).toMatch(/\/tests\/0\/status/);
      expect(errors.join('\n')).toMatch(/\/builds\/0\/id/);
      expect(errors.join('\n')).toMatch(/\/tests\/1\/path/);
      expect(errors.join('\n')).toMatch(/\/checkouts\/0\/patchset_hash/);
      expect(await validateKcidb({ version: { major: 4, minor: 0 } })).not.toEqual([]);
    });
  });

  it('LKP-style text: verdict line, commits and parameters, releases x verdicts, regressions, link', () => {
    const text = renderLkp(model);
    const lines = text.split('\n');
    expect(lines[0]).toBe(nightlyVerdict(model).line);
    expect(text).toContain('releases: v5.19 v6.0-rc1 v6.0-rc3');
    expect(text).toContain('baseline: v5.19');
    expect(text).toContain(`pinbench: ${'a'.repeat(12)}`);
    expect(text).toContain('with following parameters:');
    expect(text).toMatch(
      /\tpolicy\s+pass\s+fail\s+inconclusive\s+unsupported\s+error\s+known\s+unexpected\n/,
    );
    for (const r of model.counts) {
      expect(text).toMatch(
        new RegExp(
          `\\t${r.policy.replace(/\./g, '\\.')}( \\(baseline\\))?\\s+${r.counts.pass}\\s+${r.counts.fail}\\s`,
        ),
      );
    }
    expect(text).toMatch(
      /regressions \(passed in run \d+, not any more\):\n\n\tREGRESSION b\.trace {2}vfio-map-1 {2}v6\.0-rc1: pass -> fail\n\t {2}failed: /,
    );
    expect(text).toContain('isolation fails -> retry');
    expect(text).toContain('new divergences accepted in triage (not counted): 1');
    expect(text).toContain(
      '\thttps://ci.example.org/m.json: bad <sum>.trace: SHA-256 abc differs from the expected def',
    );
    expect(text).toContain('\tbroken.trace: broken.trace: not an ftrace text layout');
    expect(text).toContain('The full report: https://ci.example.org/pinbench/2/');
  });

  it('every format is in the registry, and runs as a report-stage Reporter', async () => {
    expect(EXPORTERS.junit.render(model)).toMatch(/^<\?xml/);
    expect(JSON.parse(EXPORTERS.kcidb.render(model)).version.major).toBe(5);
    expect(EXPORTERS.lkp.render(model)).toMatch(/^pinbench nightly/);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    const extras = { baseline: 'v5.19', sources: SOURCES, reportUrl: 'https://ci.example.org/pinbench/2/' };
    await runReporters(store, model.run.id, [new ExportReporter('lkp', out, extras)], { pageSize: 3 });
    expect(text).toBe(renderLkp(model));
  });
});
