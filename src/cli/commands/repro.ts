/**
 * `pinbench repro`: replay a divergence stored with a run (by its identity, or a unique prefix)
 * or a capsule file, and say whether it still reproduces with today's policies; or export either
 * as a self-contained capsule file.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Capsule, makeCapsule, parseCapsule } from '../../analysis/capsule.ts';
import { reproCapsule, reproText, storedCapsule } from '../../api/repro-job.ts';
import { PinbenchError, UsageError } from '../../errors.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
import { bool, type Command, type CommandIo, str, strs } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

async function writeCapsule(capsule: Capsule, out: string, io: CommandIo): Promise<number> {
  try {
    await writeFile(resolve(io.cwd, out), `${JSON.stringify(capsule, null, 2)}\n`);
  } catch (e) {
    throw new PinbenchError('PB_IO', `cannot write ${out}: ${(e as Error).message}`);
  }
  io.stdout.write(
    `${out}: capsule of ${capsule.divergence.signature} (${capsule.scenario}, ${capsule.divergence.event}), ${capsule.policies.length} policies, ${capsule.slice.split('\n').length - 1} lines of trace\nreplay it with: pinbench repro ${out}\n`,
  );
  return 0;
}

export const reproCommand: Command = {
  name: 'repro',
  summary: "Replay a stored divergence or a capsule with today's policies; or export it as a capsule",
  positionals: '<identity> | <capsule.json> | <trace> --divergence ID --export FILE',
  details: `
Given a divergence identity (its signature, or a prefix of at least 4 hex digits naming one, as
git takes commits), repro replays exactly what the run stored for it: the slice of its scenario,
under the run's configuration, against today's versions of the run's policies (a user's module
from its path, or from the source the run kept when the file is gone). It says whether the
divergence reproduces (the same set of outcomes at the same call) and, if not, which policies
answer differently, how each one's outcome moved, and whose code changed since the run (its
identity hash differs). When a user's module changed, the module as the run had it is replayed
too, to tell a fixed module from a changed bench. --run picks the run (default: the newest run
that has the divergence). Runs keep a slice for the first scenario of each divergence
identity in each trace read from a local file.

Given a capsule file, repro replays it the same way. With --export, the stored divergence (or,
with --divergence, one of a trace's divergences: the whole scenario, or its minimised slice with
--minimize) is written as one self-contained JSON file that replays on another machine.

Exit codes: 0 the divergence reproduces, or a capsule was written; 1 it no longer reproduces;
2 bad input (an unknown or ambiguous identity, a run without a stored slice, an unreadable or
invalid capsule); 3 the database failed.`,
  options: {
    db: DB_OPTION,
    run: {
      type: 'string',
      arg: 'RUN',
      description: 'The run to take the divergence from (its id, or latest)',
    },
    divergence: { type: 'string', arg: 'ID', description: 'The divergence to export (signature or prefix)' },
    scenario: { type: 'string', arg: 'NAME', description: 'Look for the divergence in this scenario only' },
    policy: {
      type: 'string',
      multiple: true,
      arg: 'ID|PATH',
      description: 'Policies the divergence is between (export); default: every release',
    },
    export: { type: 'string', arg: 'FILE', description: 'Write the capsule to FILE' },
    minimize: { type: 'boolean', description: 'Export the minimised slice instead of the whole scenario' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1)
      throw new UsageError(
        `repro takes one identity, capsule or trace, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    const input = positionals[0]!;
    const out = str(values, 'export');
    const divergence = str(values, 'divergence');
    const json = bool(values, 'json');
    if (divergence !== undefined) {
      if (out === undefined) throw new UsageError('--divergence exports a capsule: add --export FILE');
      const scenario = str(values, 'scenario');
      const capsule = await makeCapsule(input, {
        policies: await resolvePolicies(strs(values, 'policy'), io.cwd),
        divergence,
        ...(scenario !== undefined ? { scenario } : {}),
        minimize: bool(values, 'minimize'),
      });
      return writeCapsule(capsule, out, io);
    }
    const runRef = str(values, 'run');
    let found: Awaited<ReturnType<typeof storedCapsule>>;
    if (existsSync(resolve(io.cwd, input))) {
      if (runRef !== undefined)
        throw new UsageError('--run picks a stored divergence: give its identity, not a file');
      if (out !== undefined)
        throw new UsageError(`--export of a trace needs --divergence ID (${input} is a file)`);
      let text: string;
      try {
        text = await readFile(resolve(io.cwd, input), 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read capsule ${input}: ${(e as Error).message}`);
      }
      found = { capsule: parseCapsule(text, input), target: null };
    } else {
      found = await withStore(values, io, async (store) => {
        const run = runRef === undefined ? undefined : (await store.resolveRun(runRef)).id;
        return storedCapsule(store, input, run);
      });
      if (out !== undefined) return writeCapsule(found.capsule, out, io);
    }
    const result = await reproCapsule(found.capsule, found.target, io.cwd);
    if (json) {
      const { capsule: _c, ...rest } = result;
      io.stdout.write(
        `${JSON.stringify({ signature: found.capsule.divergence.signature, ...rest }, null, 2)}\n`,
      );
    } else io.stdout.write(reproText(result, found.target ? 'repro' : input));
    return result.today.reproduces ? 0 : 1;
  },
};
