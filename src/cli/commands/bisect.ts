/** `pinbench bisect <trace>`: where along a list of policies a verdict or an outcome changes. */
import { bisect } from '../../analysis/bisect.ts';
import { BISECT_ON, type BisectOn } from '../../analysis/bisect-states.ts';
import { formatBisect } from '../../analysis/bisect-text.ts';
import { releaseRange } from '../../analysis/release-range.ts';
import { UsageError } from '../../errors.ts';
import { resolvePolicies } from '../../replay/load-policies.ts';
import { bool, type Command, str, strs } from '../command.ts';

export const bisectCommand: Command = {
  name: 'bisect',
  summary: 'Find the policies where a scenario, a divergence or a trace changes verdict or outcome',
  positionals: '<trace>',
  details: `
Replays the trace against every policy of an ordered list (no log2 shortcut: a bug introduced and
fixed twice shows as four transitions) and prints each policy as good, bad or skip, as git bisect
does, then the first transition (--all: every one) with the family versions that changed there,
their commits and subjects.

The list: --from/--to along the release order (default: every release), or --policy given in
order (releases, pre-/post-<commit> aliases, variants, or policy modules: a patch series).

What is compared: --scenario NAME (its verdict: pass is good, fail is bad), --divergence ID (the
outcome of that divergence's call; the id is a signature from 'pinbench replay' of this trace
against these policies or against every release), or, with neither, every scenario (bad when any
fails). --on outcome compares what the policies did instead of the verdicts (good: the same as the
first decided policy). unsupported, inconclusive and error steps are 'skip'.

--commits: a step that brings several commits is split into their post-<commit> aliases (each
commit alone on the release before it), naming the one that makes the change.

Exit codes: 0 a transition was found; 1 no transition (every decided policy agrees: nothing to
name); 2 bad input or usage (unknown policy, scenario or divergence, an unreadable trace, or an
'error' verdict in the range).`,
  options: {
    scenario: { type: 'string', arg: 'NAME', description: 'Bisect one scenario' },
    divergence: { type: 'string', arg: 'ID', description: 'Bisect the call of one divergence (signature)' },
    from: { type: 'string', arg: 'RELEASE', description: 'First release of the range' },
    to: { type: 'string', arg: 'RELEASE', description: 'Last release of the range' },
    policy: {
      type: 'string',
      multiple: true,
      arg: 'ID|PATH',
      description: 'The ordered policies instead of a release range',
    },
    on: { type: 'string', arg: 'WHAT', description: `Compare ${BISECT_ON.join(' or ')}` },
    all: { type: 'boolean', description: 'Report every transition, not just the first' },
    commits: { type: 'boolean', description: "Split a step's commits into post-<commit> aliases" },
    json: { type: 'boolean', description: 'Print the result as one JSON object' },
    strict: { type: 'boolean', description: 'Bad lines and bad fields are errors, not skips' },
    'no-adapters': { type: 'boolean', description: 'Do not adapt real recordings' },
  },
  async run(values, positionals, io) {
    if (positionals.length !== 1)
      throw new UsageError(
        `bisect takes one trace, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
      );
    const source = positionals[0]!;
    const specs = strs(values, 'policy');
    const from = str(values, 'from');
    const to = str(values, 'to');
    if (specs.length > 0 && (from !== undefined || to !== undefined))
      throw new UsageError('give --policy or --from/--to, not both');
    const on = str(values, 'on');
    if (on !== undefined && !(BISECT_ON as readonly string[]).includes(on))
      throw new UsageError(`--on takes ${BISECT_ON.join(' or ')}, got '${on}'`);
    const policies = specs.length > 0 ? await resolvePolicies(specs, io.cwd) : releaseRange(from, to);
    const scenario = str(values, 'scenario');
    const divergence = str(values, 'divergence');
    const result = await bisect(source, {
      policies,
      ...(scenario !== undefined ? { scenario } : {}),
      ...(divergence !== undefined ? { divergence } : {}),
      ...(on !== undefined ? { on: on as BisectOn } : {}),
      commits: bool(values, 'commits'),
      divergenceSources: [policies, await resolvePolicies([], io.cwd)],
      adapters: !bool(values, 'no-adapters'),
      strict: bool(values, 'strict'),
    });
    if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout.write(formatBisect(result, { all: bool(values, 'all') }));
    if (result.steps.some((s) => Object.values(s.verdicts).includes('error'))) return 2;
    return result.transitions.length > 0 ? 0 : 1;
  },
};
