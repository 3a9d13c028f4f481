/** `pinbench policies`: every policy with its families, commits and what changed. */

import { allPolicies, releases } from '../../../policies/index.ts';
import { changedFamilies, describePolicy } from '../../replay/policy-info.ts';
import { bool, type Command } from '../command.ts';

export const policiesCommand: Command = {
  name: 'policies',
  summary: 'List the policies (releases, pre-/post- aliases, variants) with families and commits',
  options: {
    json: { type: 'boolean', description: 'One JSON object per policy (NDJSON)' },
    all: { type: 'boolean', description: 'Include aliases and unreleased variants, not only releases' },
  },
  async run(values, _positionals, io) {
    const list = (bool(values, 'all') ? allPolicies() : releases()).map(describePolicy);
    if (bool(values, 'json')) {
      for (const p of list) io.stdout.write(`${JSON.stringify(p)}\n`);
      return 0;
    }
    let prev: (typeof list)[number] | undefined;
    for (const p of list) {
      io.stdout.write(`${p.id.padEnd(22)} ${p.kind.padEnd(8)} ${p.title}\n`);
      if (p.kind === 'release') {
        const changed = prev ? changedFamilies(prev, p) : [];
        for (const f of changed) {
          const d = p.familyDetails[f];
          io.stdout.write(`${''.padEnd(32)}${f}: ${d.id} ${d.subject}\n`);
        }
        prev = p;
      } else if (p.subject) {
        io.stdout.write(`${''.padEnd(32)}${p.commit ?? ''} ${p.subject}\n`);
      }
    }
    return 0;
  },
};
