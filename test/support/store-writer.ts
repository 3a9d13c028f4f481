/**
 * A child process for crash and lock tests: opens a store and writes a run of hand-built trace
 * results in a loop, reporting progress on stdout so the parent can SIGKILL it at a chosen
 * point. Usage: node test/support/store-writer.ts '<json WriterArgs>'.
 *
 *   mode "run":    startRun, then write every trace        -> "run <id>", "wrote <i>"..., "done"
 *   mode "resume": resumeRun(runId), write what is missing -> "run <id>", "wrote <i>"..., "done"
 *   mode "hold":   open the store and wait to be killed    -> "open <pid>"
 */
import { openStore } from '../../src/store/store.ts';
import { FIXTURE_POLICIES, fixturePolicy, makeTraceResult } from './trace-results.ts';

export interface WriterArgs {
  db: string;
  mode: 'run' | 'resume' | 'hold';
  runId?: number;
  traces?: number;
}

/** The results a writer run stores, the same in every process. */
export function writerCorpus(n: number) {
  return Array.from({ length: n }, (_, i) =>
    makeTraceResult({
      trace: `crash/t${String(i).padStart(3, '0')}.trace`,
      scenarios: 1 + (i % 3),
      calls: 5,
    }),
  );
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WriterArgs;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const store = await openStore({ db: args.db });
  if (args.mode === 'hold') {
    out(`open ${process.pid}`);
    setInterval(() => {}, 1 << 30);
    return;
  }
  const corpus = writerCorpus(args.traces ?? 100);
  let runId: number;
  let done = new Set<string>();
  if (args.mode === 'resume') {
    runId = args.runId!;
    const resumed = await store.resumeRun(runId);
    done = new Set(resumed.done.map((t) => `${t.sha256}/${t.matrix}`));
  } else {
    runId = await store.startRun({ options: { traces: corpus.length }, configName: 'crash' });
  }
  out(`run ${runId}`);
  await store.recordPolicies(
    runId,
    FIXTURE_POLICIES.map((id) => fixturePolicy(id)),
  );
  for (const [i, r] of corpus.entries()) {
    if (done.has(`${r.sha256}/${r.identity.matrix}`)) continue;
    await store.writeTraceResult(runId, r);
    out(`wrote ${i}`);
  }
  await store.finishRun(runId, 'complete', { traces: corpus.length });
  await store.close();
  out('done');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
