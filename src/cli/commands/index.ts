/**
 * The command registry, in the order `--help` lists them. A command's module (and all it imports:
 * the replay engine, databases, HTTP) is loaded only when that command runs or shows its help, so
 * `pinbench --help` and a mistyped command cost no more than this file. The summary is repeated
 * here for the top-level help; a test checks it matches the module's.
 */
import type { Command } from '../command.ts';

/** A command known by name and summary until it is needed. */
export interface LazyCommand {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

function lazy(name: string, summary: string, load: () => Promise<Command>): LazyCommand {
  return { name, summary, load };
}

export const COMMANDS: readonly LazyCommand[] = [
  lazy(
    'run',
    'The main job: replay the corpus against every release, store the results, write the report',
    async () => (await import('./run.ts')).runCommand,
  ),
  lazy(
    'nightly',
    'The nightly job: fetch traces, run, compare with the last night, write report and CI outputs',
    async () => (await import('./nightly.ts')).nightlyCommand,
  ),
  lazy(
    'replay',
    'Replay traces against policies and report verdicts and divergences',
    async () => (await import('./replay.ts')).replayCommand,
  ),
  lazy(
    'check',
    'Regression check: a candidate policy against a baseline over the corpus (exit 1 on regressions)',
    async () => (await import('./check.ts')).checkCommand,
  ),
  lazy(
    'ingest',
    'Read traces (files, .gz, - for stdin, http(s) URLs) and report what every line became',
    async () => (await import('./ingest.ts')).ingestCommand,
  ),
  lazy(
    'policies',
    'List the policies (releases, pre-/post- aliases, variants) with families and commits',
    async () => (await import('./policies.ts')).policiesCommand,
  ),
  lazy(
    'runs',
    'List the runs in the results database, newest first',
    async () => (await import('./runs.ts')).runsCommand,
  ),
  lazy(
    'diff',
    'Compare two stored runs: new, fixed and unchanged divergences, verdict changes',
    async () => (await import('./diff.ts')).diffCommand,
  ),
  lazy(
    'accept',
    'Accept a divergence signature with a note; it expires when a policy involved changes',
    async () => (await import('./accept.ts')).acceptCommand,
  ),
  lazy(
    'export',
    'Write a stored run as NDJSON records (divergence, final, verdict), as replay --json does',
    async () => (await import('./export.ts')).exportCommand,
  ),
  lazy(
    'report',
    'Write the report of a stored run: static HTML (default), JSON or terminal text',
    async () => (await import('./report.ts')).reportCommand,
  ),
  lazy(
    'verify',
    'Check that every row of a stored run is still there (against the counts stored with it)',
    async () => (await import('./verify.ts')).verifyCommand,
  ),
  lazy(
    'serve',
    'Browse the results database live in a browser (read-only)',
    async () => (await import('./serve.ts')).serveCommand,
  ),
  lazy(
    'synth',
    'Write a seeded synthetic trace: random scenarios of every family among realistic noise',
    async () => (await import('./synth.ts')).synthCommand,
  ),
  lazy(
    'bisect',
    'Find the policies where a scenario, a divergence or a trace changes verdict or outcome',
    async () => (await import('./bisect.ts')).bisectCommand,
  ),
  lazy(
    'minimize',
    'Shrink a scenario to the fewest events that still show a divergence (delta debugging)',
    async () => (await import('./minimize.ts')).minimizeCommand,
  ),
  lazy(
    'coverage',
    'Which functions and branches of each policy family the traces reach, per release',
    async () => (await import('./coverage.ts')).coverageCommand,
  ),
  lazy(
    'repro',
    "Replay a stored divergence or a capsule with today's policies; or export it as a capsule",
    async () => (await import('./repro.ts')).reproCommand,
  ),
  lazy(
    'record',
    'Boot a real (Debian) kernel under qemu, run the pinning workload and write its trace',
    async () => (await import('./record.ts')).recordCommand,
  ),
  lazy(
    'fidelity',
    "Check each release model against real recordings of that release's kernel",
    async () => (await import('./fidelity.ts')).fidelityCommand,
  ),
];
