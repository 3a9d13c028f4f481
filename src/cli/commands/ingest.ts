/**
 * `pinbench ingest <source...> [--json] [--strict]`: reads traces into records and prints the
 * stats of each source (every line accounted for). With no sources, the shipped corpus under
 * `traces/`. The work is `ingestSource` (src/ingest); this only parses, calls and prints.
 */
import { isAbsolute, join, relative } from 'node:path';
import {
  expandTraceArgs,
  findCorpusFiles,
  formatIngestResult,
  ingestResultJson,
  ingestSource,
} from '../../ingest/index.ts';
import { bool, type Command } from '../command.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Read traces (files, .gz, - for stdin, http(s) URLs) and report what every line became',
  positionals: '[source...]',
  details: `
A directory stands for the trace files under it (*.trace, *.txt, *.trace.gz, recursively).
Each source is streamed through the tokenizer: every line becomes a record, a header line, an
integrity event (lost/dropped events, buffer started, overwritten buffer, truncated last line),
a blank line, or is skipped with a reason. With no sources, every *.trace, *.txt and *.trace.gz
under traces/ is read. Layouts: tracefs trace (with or without irq-info and record-tgid),
trace_pipe, trace-cmd report. Latency-format, function_graph, raw/hex/bin and trace.dat files are
refused with the command to run instead.

--json prints one object per source per line with at least: source, bytes, lines, layout,
sha256, records, headers, integrity, blank, skipped (where lines = records + headers +
integrity + blank + the skipped counts).

Exit codes: 0 every source read; 2 a source could not be read (or, with --strict, had a line
that is not a record).`,
  options: {
    json: { type: 'boolean', description: 'One JSON object per source per line' },
    strict: {
      type: 'boolean',
      description: 'Fail on the first line that cannot be read (file:line:col: message [PB_TRACE_SYNTAX])',
    },
  },
  async run(values, positionals, io) {
    const json = bool(values, 'json');
    // A directory stands for the trace files under it, as in replay, run and check.
    let sources = await expandTraceArgs(positionals, io.cwd);
    if (sources.length === 0) {
      const dir = join(io.cwd, 'traces');
      sources = (await findCorpusFiles(dir)).map((p) => relative(io.cwd, p));
      if (sources.length === 0) {
        (json ? io.stderr : io.stdout).write(`No traces found under ${dir} (*.trace, *.txt, *.trace.gz).\n`);
        return 0;
      }
    }
    for (const source of sources) {
      const path =
        source === '-' || /^https?:\/\//i.test(source) || isAbsolute(source) ? source : join(io.cwd, source);
      const result = await ingestSource(path, {
        name: source,
        strict: bool(values, 'strict'),
        stdin: io.stdin,
      });
      io.stdout.write(json ? `${JSON.stringify(ingestResultJson(result))}\n` : formatIngestResult(result));
    }
    return 0;
  },
};
