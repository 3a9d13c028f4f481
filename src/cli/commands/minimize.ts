/** `pinbench minimize <trace> --divergence ID`: the smallest slice of a scenario that still diverges. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { minimize } from '../../analysis/minimize.ts';
import { PinbenchError, UsageError } from '../../errors.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
import { bool, type Command, str, strs } from '../command.ts';

export const minimizeCommand: Command = {
  name: 'minimize',
  summary: 'Shrink a scenario to the fewest events that still show a divergence (delta debugging)',
  positionals: '<trace>',
  details: `
Removes declarations (pinbench_page/vma/pte) and calls from the divergence's scenario, in the
manner of ddmin, until no single one can go without losing the divergence: the same call (the
same trace line) must still split the policies into the same set of distinct outcomes. Events
keep their order. The result is a trace in the vocabulary with the config, the scenario line,
the kept lines as they were and the pinbench_expect lines of the kept calls, ready for the corpus.

The divergence id is a signature from 'pinbench replay' of this trace against the same policies
(default: every release). The slice is written to -o FILE, or to standard output; the summary
(events removed, replays) goes to standard error, or as JSON with --json.

Exit codes: 0 minimised; 2 bad input (unknown divergence or scenario, unreadable trace).`,
  options: {
    divergence: { type: 'string', arg: 'ID', description: 'The divergence to keep (signature or a prefix)' },
    scenario: { type: 'string', arg: 'NAME', description: 'Look for the divergence in this scenario only' },
    policy: {
      type: 'string',
      multiple: true,
      arg: 'ID|PATH',
      description: 'Policies the divergence is between; default: every release',
    },
    out: { type: 'string', short: 'o', arg: 'FILE', description: 'Write the minimised trace to FILE' },
    json: {
      type: 'boolean',
      description: 'Print the summary (and the trace text) as JSON on standard output',
    },
    'no-adapters': { type: 'boolean', description: 'Do not adapt real recordings' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1)
      throw new UsageError(
        `minimize takes one trace, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    const divergence = str(values, 'divergence');
    if (divergence === undefined)
      throw new UsageError('--divergence ID is required (a signature from pinbench replay)');
    const scenario = str(values, 'scenario');
    const policies = await resolvePolicies(strs(values, 'policy'), io.cwd);
    const r = await minimize(positionals[0]!, {
      policies,
      divergence,
      ...(scenario !== undefined ? { scenario } : {}),
      adapters: !bool(values, 'no-adapters'),
    });
    const out = str(values, 'out');
    if (out !== undefined) {
      try {
        await writeFile(resolve(io.cwd, out), r.text);
      } catch (e) {
        throw new PinbenchError('PB_IO', `cannot write ${out}: ${(e as Error).message}`);
      }
    }
    const summary = `${r.scenario}: removed ${r.events.removed} of ${r.events.before} declarations and calls (${r.events.after} kept) in ${r.replays} replays; divergence ${r.divergence.signature} at ${r.divergence.event} (line ${r.divergence.line}) is ${r.newSignature} in the slice${r.verdictsKept ? '' : '; final.* expectations left out (without the removed events they no longer hold as stated)'}${out !== undefined ? `; written to ${out}` : ''}\n`;
    if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else if (out === undefined) {
      io.stdout.write(r.text);
      io.stderr.write(summary);
    } else io.stdout.write(summary);
    return 0;
  },
};
