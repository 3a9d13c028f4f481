/** `pinbench accept`: triage: accept a divergence signature with a note (until a policy involved changes). */
import { releaseKey } from '../../../policies/releases.ts';
import { UsageError } from '../../errors.ts';
import type { TriageEntry } from '../../store/store.ts';
import { bool, type Command, str } from '../command.ts';
import { DB_OPTION, withStore } from './store-options.ts';

/** Policy ids in release order (v5.4 before v5.13, -rcN before the release); other ids after, by name. */
export function inReleaseOrder(ids: Iterable<string>): string[] {
  const key = (id: string): number => {
    try {
      return releaseKey(id);
    } catch {
      return Number.POSITIVE_INFINITY; // a variant or a module: not a release
    }
  };
  return [...ids].sort((a, b) => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function formatEntry(t: TriageEntry): string {
  const state = t.expired ? `EXPIRED (${inReleaseOrder(t.changed).join(', ')} changed)` : 'accepted';
  return `${t.signature}  ${state}  ${t.acceptedAt.toISOString().slice(0, 10)}  ${t.note}\n`;
}

export const acceptCommand: Command = {
  name: 'accept',
  summary: 'Accept a divergence signature with a note; it expires when a policy involved changes',
  positionals: '<signature>',
  details:
    'The acceptance records the module hash of every policy in the divergence. Nightly runs and\n' +
    'reports leave accepted divergences out until one of those policies changes; then the\n' +
    'acceptance expires and the divergence shows again. `--list` shows every acceptance.\n' +
    '`--kind K` accepts every divergence identity of kind K (a kind page of the report names it)\n' +
    'in the newest run that has the kind, each with the note.',
  options: {
    db: DB_OPTION,
    note: { type: 'string', arg: 'TEXT', description: 'Why the divergence is expected (required)' },
    kind: {
      type: 'string',
      arg: 'KIND',
      description: 'Accept every divergence identity of this divergence kind instead of one signature',
    },
    list: { type: 'boolean', description: 'List acceptances instead, with whether each expired' },
    json: { type: 'boolean', description: 'With --list: one JSON object per acceptance (NDJSON)' },
  },
  async run(values, positionals, io) {
    if (bool(values, 'list')) {
      return withStore(values, io, async (store) => {
        const all = await store.triage();
        for (const t of all)
          io.stdout.write(bool(values, 'json') ? `${JSON.stringify(t)}\n` : formatEntry(t));
        if (!all.length && !bool(values, 'json')) io.stdout.write('no accepted divergences\n');
        return 0;
      });
    }
    const kind = str(values, 'kind');
    const note = str(values, 'note');
    if (kind !== undefined) {
      if (positionals.length) throw new UsageError('accept takes a signature or --kind, not both');
      if (!/^[0-9a-f]{16}$/.test(kind))
        throw new UsageError(`--kind: '${kind}' is not a divergence kind (16 hex digits)`);
      if (!note?.trim()) throw new UsageError('accept needs --note "why this divergence is expected"');
      return withStore(values, io, async (store) => {
        const signatures = await store.kindSignatures(kind);
        if (!signatures.length) {
          throw new UsageError(`no stored divergence is of kind ${kind}: the report's kinds page lists them`);
        }
        for (const sig of signatures) await store.accept(sig, note);
        io.stdout.write(
          `accepted ${signatures.length} divergence identit${signatures.length === 1 ? 'y' : 'ies'} of kind ${kind}\n`,
        );
        return 0;
      });
    }
    const [signature, ...rest] = positionals;
    if (!signature || rest.length)
      throw new UsageError('accept takes one divergence signature (or --kind K)');
    if (!note?.trim()) throw new UsageError('accept needs --note "why this divergence is expected"');
    return withStore(values, io, async (store) => {
      const t = await store.accept(signature, note);
      io.stdout.write(
        `accepted ${t.signature} until one of ${inReleaseOrder(Object.keys(t.moduleHashes)).join(', ')} changes\n`,
      );
      return 0;
    });
  },
};
