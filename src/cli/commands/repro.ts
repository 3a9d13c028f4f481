/**
 * `pinbench repro`: export a divergence as a self-contained capsule file, or replay a capsule
 * (from this machine or another) and say whether the divergence still reproduces.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { makeCapsule, parseCapsule, replayCapsule } from '../../analysis/capsule.ts';
import { PinbenchError, UsageError } from '../../errors.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
import { bool, type Command, str, strs } from '../command.ts';

export const reproCommand: Command = {
  name: 'repro',
  summary: "Export a divergence as a self-contained capsule, or replay a capsule with today's policies",
  positionals: '<trace> --divergence ID --export FILE | <capsule.json>',
  details: `
With --export, the divergence's scenario (the whole scenario, or its minimised slice with
--minimize) is written as one JSON file with the policies it was between, the hash of each one's
code, and which policies shared which outcome. Given such a file, repro replays its slice against
today's versions of those policies (a user module is loaded from its recorded path) and says
whether the divergence still reproduces: the same set of outcomes at the same call. When it does
not, it names the policies that answer differently and those whose code changed since.

Exit codes: 0 capsule written, or the divergence reproduces; 1 it no longer reproduces; 2 bad
input (unknown divergence, unreadable or invalid capsule).`,
  options: {
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
        `repro takes one trace or capsule, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    const input = positionals[0]!;
    const out = str(values, 'export');
    const divergence = str(values, 'divergence');
    if (out !== undefined) {
      if (divergence === undefined) throw new UsageError('--export needs --divergence ID');
      const scenario = str(values, 'scenario');
      const capsule = await makeCapsule(input, {
        policies: await resolvePolicies(strs(values, 'policy'), io.cwd),
        divergence,
        ...(scenario !== undefined ? { scenario } : {}),
        minimize: bool(values, 'minimize'),
      });
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
    if (divergence !== undefined) throw new UsageError('--divergence exports a capsule: add --export FILE');
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, input), 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read capsule ${input}: ${(e as Error).message}`);
    }
    const capsule = parseCapsule(text, input);
    const specs = capsule.policies.map((p) => p.source ?? p.id);
    const result = await replayCapsule(capsule, await resolvePolicies(specs, io.cwd));
    if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const lines = [
        `${input}: divergence ${capsule.divergence.signature} (${capsule.scenario}, ${capsule.divergence.event}) ${result.reproduces ? 'reproduces' : 'no longer reproduces'} with today's policies`,
      ];
      if (result.changedOutcome.length)
        lines.push(`  answer differently: ${result.changedOutcome.join(' ')}`);
      if (result.changedCode.length)
        lines.push(`  code changed since the capsule: ${result.changedCode.join(' ')}`);
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return result.reproduces ? 0 : 1;
  },
};
