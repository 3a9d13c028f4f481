/**
 * How an ingest result reads: a stats table for people (Perfetto-style: every line accounted
 * for, with the reasons and first examples of anything skipped) and the stable JSON object of
 * `pinbench ingest --json` (spec/model.md "Machine-readable contract").
 */
import type { IngestResult } from './ingest-source.ts';
import type { SkipReason } from './trace-record.ts';

/** The `ingest --json` object: the contract's keys first, then extras (add freely, never rename). */
export function ingestResultJson(r: IngestResult): Record<string, unknown> {
  return {
    source: r.source,
    bytes: r.bytes,
    lines: r.lines,
    layout: r.layout,
    sha256: r.sha256,
    records: r.records,
    headers: r.headers,
    integrity: r.integrity,
    blank: r.blank,
    skipped: r.skipped,
    textBytes: r.textBytes,
    compressed: r.compressed,
    clock: r.clock,
    header: r.header,
    integrityEvents: r.integrityEvents.map((e) => ({
      line: e.line,
      integrity: e.integrity,
      ...(e.cpu !== undefined ? { cpu: e.cpu } : {}),
      ...(e.count !== undefined ? { count: e.count } : {}),
    })),
    skippedExamples: r.skippedExamples,
    events: r.events,
    durationMs: Math.round(r.durationMs * 10) / 10,
    ...(r.download ? { download: r.download } : {}),
  };
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** A readable stats table for one source. */
export function formatIngestResult(r: IngestResult): string {
  const skippedTotal = Object.values(r.skipped).reduce((a, b) => a + (b ?? 0), 0);
  const out: string[] = [];
  const size = r.compressed
    ? `${n(r.bytes)} bytes gzip, ${n(r.textBytes)} bytes text`
    : `${n(r.bytes)} bytes`;
  out.push(`${r.source}`);
  out.push(`  layout ${r.layout}, clock ${r.clock}, ${size}, ${(r.durationMs / 1000).toFixed(2)} s`);
  out.push(`  sha256 ${r.sha256}`);
  if (r.download) {
    out.push(
      `  fetched from ${r.download.finalUrl} (${r.download.redirects} redirects, ${r.download.attempts} attempts)`,
    );
  }
  const rows: [string, number][] = [
    ['records', r.records],
    ['headers', r.headers],
    ['integrity', r.integrity],
    ['blank', r.blank],
    ['skipped', skippedTotal],
    ['lines', r.lines],
  ];
  const w = Math.max(...rows.map(([, v]) => n(v).length));
  for (const [k, v] of rows) out.push(`  ${k.padEnd(10)} ${n(v).padStart(w)}`);
  for (const [reason, count] of Object.entries(r.skipped) as [SkipReason, number][]) {
    out.push(`    skipped ${reason}: ${n(count)}`);
    for (const ex of r.skippedExamples[reason] ?? []) out.push(`      line ${ex.line}:${ex.col}: ${ex.text}`);
  }
  if (r.integrityEvents.length > 0) {
    out.push(`  integrity events (${r.integrityEvents.length}):`);
    for (const e of r.integrityEvents.slice(0, 10)) {
      const cpu = e.cpu !== undefined ? ` cpu ${e.cpu}` : '';
      const count = e.count !== undefined ? `, ${n(e.count)} events` : '';
      out.push(`    line ${e.line}: ${e.integrity}${cpu}${count}`);
    }
    if (r.integrityEvents.length > 10) out.push(`    ... ${r.integrityEvents.length - 10} more`);
  }
  const events = Object.entries(r.events).sort((a, b) => b[1] - a[1]);
  if (events.length > 0) {
    const top = events.slice(0, 8).map(([e, c]) => `${e} ${n(c)}`);
    out.push(`  events (${events.length}): ${top.join(', ')}${events.length > 8 ? ', ...' : ''}`);
  }
  return `${out.join('\n')}\n`;
}
