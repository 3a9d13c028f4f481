/**
 * `pinbench fidelity [traces...] [--json] [--known FILE] [--html DIR]`: the kernel x case matrix of real
 * recordings against the release model of each recording kernel. The work is `fidelity()`
 * (src/api/fidelity.ts); this finds the traces, prints and picks the exit code.
 */
import { join, resolve } from 'node:path';
import {
  type FidelityCell,
  type FidelityEffect,
  type FidelityReport,
  fidelity,
  findRecordings,
  knownFileFor,
  readKnownDisagreements,
} from '../../api/fidelity.ts';
import { effectValue } from '../../replay/fidelity-report.ts';
import { bool, type Command, str } from '../command.ts';

/** Recording text is untrusted: control characters never reach the terminal. */
function terminalSafe(line: string): string {
  return line.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?');
}

function cellText(c: FidelityCell): string {
  if (c.agree) return `ok ${c.observed}`;
  if (c.observed !== c.model) return `DIFF ${c.observed}/${c.model}`;
  const e = c.effects?.find((x) => x.kernel !== x.model);
  return e ? `DIFF ${e.what} ${effectValue(e, e.kernel)}/${effectValue(e, e.model)}` : 'DIFF';
}

/** `; refcount kernel +1025, model +1024` for a cell whose return agrees but an effect does not. */
function effectText(c: FidelityCell): string {
  const e = c.effects?.find((x) => x.kernel !== x.model);
  return e ? `; ${e.what} kernel ${effectValue(e, e.kernel)}, model ${effectValue(e, e.model)}` : '';
}

function effectCount(r: FidelityReport, what: FidelityEffect['what']): number {
  return r.cells.filter((c) => c.effects?.some((e) => e.what === what)).length;
}

function countLines(r: FidelityReport): string[] {
  const agree = r.cells.filter((c) => c.agree).length;
  return [
    `fidelity: ${r.traces.length} recordings, ${r.cells.length} calls with the kernel's return, ${agree} agree, ` +
      `${r.cells.length - agree} disagree (${r.known.length} known, ${r.unexpected.length} new), ${r.skipped.length} cases skipped, ${r.stale.length} stale known`,
  ];
}

function unexpectedLines(r: FidelityReport): string[] {
  const lines: string[] = [];
  if (r.unexpected.length) {
    lines.push('', 'NEW disagreements (not in the known list):');
    for (const c of r.unexpected) {
      lines.push(
        `  ${c.series}/${c.boot} ${c.scenario} #${c.seq} ${c.event}: kernel ${c.observed}, ${c.release} model ${c.model}${effectText(c)}  (${c.trace}:${c.line})`,
      );
    }
  }
  if (r.stale.length) {
    lines.push(
      '',
      'STALE known disagreements (the model agrees now, or the call is gone): remove them from the list',
    );
    for (const k of r.stale)
      lines.push(
        `  ${k.series}/${k.boot} ${k.scenario} #${k.seq} ${k.event}: listed kernel ${k.observed} vs model ${k.model}`,
      );
  }
  return lines;
}

/**
 * `run`'s section on the real recordings among its traces: the counts, the release model each
 * recording was checked against (a Debian kernel's stable id where pinbench has one) and what
 * disagrees that the known list does not say. `pinbench fidelity` prints the whole matrix.
 */
export function fidelityBrief(r: FidelityReport): string {
  const lines = [
    "real kernels (each recording against its kernel's release model, as `pinbench fidelity` checks it):",
    ...countLines(r).map((l) => `  ${l}`),
    `  models: ${[...new Set(r.traces.map((t) => `${t.series || '?'} -> ${t.release || '?'}`))].join(', ')}`,
    ...unexpectedLines(r),
  ];
  return `${lines.map(terminalSafe).join('\n')}\n`;
}

export function fidelityText(r: FidelityReport): string {
  const lines: string[] = [];
  const cols = [...new Set(r.traces.map((t) => `${t.series}/${t.boot}`))];
  const rows = new Map<string, Map<string, string[]>>();
  for (const c of r.cells) {
    const row = `${c.scenario} ${c.event}`;
    const col = `${c.series}/${c.boot}`;
    if (!rows.has(row)) rows.set(row, new Map());
    const m = rows.get(row)!;
    if (!m.has(col)) m.set(col, []);
    m.get(col)!.push(cellText(c));
  }
  for (const s of r.skipped) {
    const row = `${s.scenario} (skipped)`;
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)!.set(`${s.series}/${s.boot}`, ['skip']);
  }
  lines.push(
    ...countLines(r),
    `  returns compared for every call; locked_vm changes of ${effectCount(r, 'locked_vm')} vfio_unmap_dma calls compared with the kernel's vfio_unpin_pages_remote() returns; ` +
      `refcount changes of ${effectCount(r, 'refcount')} calls' first page compared with the kernel's _refcount at the grab and at its release; ` +
      `the gup_flags of ${effectCount(r, 'gup_flags')} GUP calls compared with the flags the kernel's GUP function was called with; ` +
      `pages migrated for a long-term pin by ${effectCount(r, 'migrated')} calls compared with the kernel's mm_migrate_pages`,
  );
  lines.push('', 'recordings:');
  for (const t of r.traces) {
    lines.push(
      `  ${t.series || '?'}/${t.boot}  kernel ${t.kernel || '?'}  model ${t.release || '?'}  ${t.packages}  ${t.trace}${t.error ? `  ERROR ${t.error}` : ''}`,
    );
  }
  const width = Math.max(20, ...[...rows.keys()].map((k) => k.length)) + 2;
  const colWidth = Math.max(14, ...cols.map((c) => c.length)) + 2;
  lines.push('', `${'case / call'.padEnd(width)}${cols.map((c) => c.padEnd(colWidth)).join('')}`);
  for (const [row, m] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const cells = cols.map((c) => {
      const v = m.get(c);
      if (!v) return '-'.padEnd(colWidth);
      const diff = v.filter((x) => x.startsWith('DIFF'));
      const text = diff.length > 0 ? diff[0]! : v.length > 1 ? `${v[0]} x${v.length}` : v[0]!;
      return text.padEnd(colWidth);
    });
    lines.push(`${row.padEnd(width)}${cells.join('')}`);
  }
  if (r.skipped.length) {
    lines.push('', 'cases the kernel could not run:');
    for (const s of r.skipped) lines.push(`  ${s.series}/${s.boot} ${s.scenario}: ${s.reason}`);
  }
  if (r.known.length) {
    lines.push('', 'known disagreements (the model does not yet express these kernel lines):');
    for (const k of r.known) {
      lines.push(
        `  ${k.series}/${k.boot} ${k.scenario} #${k.seq} ${k.event}: kernel ${k.observed}, ${k.release} model ${k.model}: ${k.why}`,
      );
      for (const s of k.source) lines.push(`      ${s}`);
    }
  }
  lines.push(...unexpectedLines(r));
  return `${lines.map(terminalSafe).join('\n')}\n`;
}

export const fidelityCommand: Command = {
  name: 'fidelity',
  summary: "Check each release model against real recordings of that release's kernel",
  positionals: '[trace...]',
  details: `
Without arguments, every recording under traces/real/ that has a .trace.json sidecar (as written
by pinbench record). For each call the kernel returned from, the model of the recording kernel
(the stable id of the kernel package's upstream version when pinbench has one: v5.10.262 for
Debian's 5.10.262-1; else the release: v6.12 for 6.12.118+deb13-amd64, or the newest release
before it when pinbench has no such release) is replayed on the same state and its return compared. Disagreements listed in
known-disagreements.json beside the recordings (or --known FILE) are expected; a new one, or a
listed one that agrees now, fails.

Exit codes: 0 the matrix matches the known list; 1 new or stale disagreements; 2 bad input.`,
  options: {
    json: { type: 'boolean', description: 'Print the matrix as JSON' },
    known: {
      type: 'string',
      arg: 'FILE',
      description: 'Known disagreements (default: beside the recordings)',
    },
    html: {
      type: 'string',
      arg: 'DIR',
      description: 'Also write the matrix as an HTML page, DIR/fidelity.html (a new or empty DIR)',
    },
  },
  async run(values, positionals, io) {
    const traces =
      positionals.length > 0
        ? positionals.map((p) => resolve(io.cwd, p))
        : findRecordings(resolve(io.cwd, 'traces', 'real'));
    const knownFile =
      str(values, 'known') ??
      knownFileFor(positionals.length > 0 ? traces : [join(resolve(io.cwd, 'traces', 'real'), 'x', 'y')]);
    const report = await fidelity(traces, readKnownDisagreements(resolve(io.cwd, knownFile)));
    const htmlDir = str(values, 'html');
    if (htmlDir !== undefined) {
      const { writeFidelityPage } = await import('../../report/pages/fidelity-page.ts');
      const page = await writeFidelityPage(resolve(io.cwd, htmlDir), report);
      io.stderr.write(`fidelity: wrote ${page}\n`);
    }
    if (bool(values, 'json')) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout.write(fidelityText(report));
    return report.unexpected.length > 0 || report.stale.length > 0 ? 1 : 0;
  },
};
